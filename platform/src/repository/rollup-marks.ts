import { randomUUID } from 'node:crypto';
import type { RollupClaim, RollupMark, SeriesKey, SharedRollupMarks } from '../store/types.js';
import type { Db } from './types.js';

/** Rows per INSERT statement (4 parameters each; one round trip per statement on PostgreSQL). */
const ROWS_PER_INSERT = 250;

/**
 * The time-series store's dirty rollup marks in the shared repository (issue 13 scale-out): a job table with a
 * lease per mark. `version` counts re-marks; a claim records the version it saw (`claimed_version`) and holds
 * the mark until `expires_ms`, so a crashed builder's marks are free again after the TTL; `finish` deletes a
 * mark only if nobody re-marked it since, so rollups never miss points that landed during a build. Claims
 * run inside the repository's writer transaction (serialised across instances on both engines).
 */
export class RollupMarks implements SharedRollupMarks {
  constructor(
    private readonly db: Db,
    private readonly holder: string,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS rollup_marks (
      factory TEXT NOT NULL,
      device TEXT NOT NULL,
      metric TEXT NOT NULL,
      hour INTEGER NOT NULL,
      version INTEGER NOT NULL,
      claim TEXT,
      claimed_version INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL,
      PRIMARY KEY (factory, device, metric, hour)
    )`);
  }

  mark(marks: readonly RollupMark[]): void {
    if (marks.length === 0) return;
    this.db
      .transaction(() => {
        for (let i = 0; i < marks.length; i += ROWS_PER_INSERT) {
          const rows = marks.slice(i, i + ROWS_PER_INSERT);
          this.db
            .prepare(
              `INSERT INTO rollup_marks (factory, device, metric, hour, version, claim, claimed_version, expires_ms)
             VALUES ${rows.map(() => '(?, ?, ?, ?, 1, NULL, 0, 0)').join(', ')}
             ON CONFLICT (factory, device, metric, hour) DO UPDATE SET version = rollup_marks.version + 1`,
            )
            .run(...rows.flatMap((m) => [m.key.factoryId, m.key.deviceId, m.key.metric, m.hourMs]));
        }
      })
      .immediate();
  }

  claim(limit: number, ttlMs: number, only?: { key: SeriesKey; fromMs: number; toMs: number }): RollupClaim {
    const token = `${this.holder}:${randomUUID()}`;
    return this.db
      .transaction(() => {
        const nowMs = this.now();
        const where = only ? 'factory = ? AND device = ? AND metric = ? AND hour >= ? AND hour < ?' : '1 = 1';
        const params = only
          ? [only.key.factoryId, only.key.deviceId, only.key.metric, only.fromMs, only.toMs]
          : [];
        this.db
          .prepare(
            `UPDATE rollup_marks SET claim = ?, claimed_version = version, expires_ms = ?
           WHERE (factory, device, metric, hour) IN (
             SELECT factory, device, metric, hour FROM rollup_marks
             WHERE ${where} AND expires_ms <= ? ORDER BY factory, device, metric, hour LIMIT ?)`,
          )
          .run(token, nowMs + ttlMs, ...params, nowMs, limit);
        const rows = this.db
          .prepare(
            'SELECT factory, device, metric, hour FROM rollup_marks WHERE claim = ? ORDER BY factory, device, metric, hour',
          )
          .all(token) as { factory: string; device: string; metric: string; hour: number | string }[];
        const busy = this.db
          .prepare(`SELECT count(*) AS n FROM rollup_marks WHERE ${where} AND expires_ms > ? AND claim <> ?`)
          .get(...params, nowMs, token) as { n: number | string };
        return {
          token,
          busy: Number(busy.n),
          marks: rows.map((r) => ({
            key: { factoryId: r.factory, deviceId: r.device, metric: r.metric },
            hourMs: Number(r.hour),
          })),
        };
      })
      .immediate();
  }

  finish(claim: RollupClaim, built: boolean): void {
    this.db
      .transaction(() => {
        if (built)
          this.db
            .prepare('DELETE FROM rollup_marks WHERE claim = ? AND version = claimed_version')
            .run(claim.token);
        this.db
          .prepare('UPDATE rollup_marks SET claim = NULL, expires_ms = 0 WHERE claim = ?')
          .run(claim.token);
      })
      .immediate();
  }

  seriesMarked(factoryId: string, fromMs: number, toMs: number): SeriesKey[] {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT device, metric FROM rollup_marks WHERE factory = ? AND hour >= ? AND hour < ?
         ORDER BY device, metric`,
      )
      .all(factoryId, fromMs, toMs) as { device: string; metric: string }[];
    return rows.map((r) => ({ factoryId, deviceId: r.device, metric: r.metric }));
  }

  pending(): number {
    const r = this.db.prepare('SELECT count(*) AS n FROM rollup_marks').get() as { n: number | string };
    return Number(r.n);
  }
}
