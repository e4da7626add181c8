import type Database from 'better-sqlite3';
import { HOUR_MS, MINUTE_MS, alignDown } from '../engine/align.js';
import { buildRollupsByHour } from '../rollup/build.js';
import type { RawRow, Summary } from '../rollup/summary.js';
import { ROLLUP_SELECT } from './schema.js';

type DirtyRow = [seriesId: number, hourMs: number];

/** Rollup column order, shared by the insert and the summary decoder. */
function summaryParams(seriesId: number, s: Summary): unknown[] {
  return [
    seriesId,
    s.startMs,
    s.n,
    s.sum,
    s.min,
    s.max,
    s.firstTs,
    s.firstV,
    s.lastTs,
    s.lastV,
    s.inc,
    s.drops,
    s.maxGapMs,
    s.nUsable,
    s.nAll,
  ];
}

export function decodeSummary(r: unknown[]): Summary {
  return {
    startMs: r[0] as number,
    n: r[1] as number,
    sum: r[2] as number,
    min: r[3] as number,
    max: r[4] as number,
    firstTs: r[5] as number,
    firstV: r[6] as number,
    lastTs: r[7] as number,
    lastV: r[8] as number,
    inc: r[9] as number,
    drops: r[10] as number,
    maxGapMs: r[11] as number,
    nUsable: r[12] as number,
    nAll: r[13] as number,
  };
}

/**
 * Keeps rollup_1m / rollup_1h equal to what raw points say. Writes mark (series, hour) dirty in the same
 * transaction; this recomputes dirty hours from raw — in bounded chunks on a timer, fully on flush(), and
 * for exactly the series and range a query is about to read.
 */
export class EmbeddedRollups {
  private dirtyHours: number;
  private readonly s;

  constructor(private readonly db: Database.Database) {
    const cols = '(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)';
    this.s = {
      markDirty: db.prepare('INSERT OR IGNORE INTO rollup_dirty (series_id, hour) VALUES (?, ?)'),
      countDirty: db.prepare('SELECT count(*) AS n FROM rollup_dirty').pluck(),
      someDirty: db.prepare('SELECT series_id, hour FROM rollup_dirty ORDER BY series_id, hour LIMIT ?').raw(true),
      dirtyIn: db
        .prepare('SELECT series_id, hour FROM rollup_dirty WHERE series_id = ? AND hour >= ? AND hour < ? ORDER BY hour')
        .raw(true),
      clearDirty: db.prepare('DELETE FROM rollup_dirty WHERE series_id = ? AND hour = ?'),
      rows: db
        .prepare('SELECT ts, value, status, text FROM points WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts')
        .raw(true),
      del1m: db.prepare('DELETE FROM rollup_1m WHERE series_id = ? AND bucket >= ? AND bucket < ?'),
      del1h: db.prepare('DELETE FROM rollup_1h WHERE series_id = ? AND bucket = ?'),
      put1m: db.prepare(`INSERT OR REPLACE INTO rollup_1m VALUES ${cols}`),
      put1h: db.prepare(`INSERT OR REPLACE INTO rollup_1h VALUES ${cols}`),
      get1m: db
        .prepare(`SELECT ${ROLLUP_SELECT} FROM rollup_1m WHERE series_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`)
        .raw(true),
      get1h: db
        .prepare(`SELECT ${ROLLUP_SELECT} FROM rollup_1h WHERE series_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`)
        .raw(true),
    };
    this.dirtyHours = this.s.countDirty.get() as number;
  }

  get pendingHours(): number {
    return this.dirtyHours;
  }

  /** Called inside the write transaction. */
  markDirty(seriesId: number, hourMs: number): void {
    this.dirtyHours += this.s.markDirty.run(seriesId, hourMs).changes;
  }

  /** Recomputes up to maxHours dirty hours (oldest series/hour order); returns how many were done. */
  refreshSome(maxHours: number): number {
    const dirty = this.s.someDirty.all(maxHours) as DirtyRow[];
    this.recompute(dirty);
    return dirty.length;
  }

  /** Recomputes the dirty hours of one series that overlap [fromMs, toMs). */
  refreshRange(seriesId: number, fromMs: number, toMs: number): void {
    const dirty = this.s.dirtyIn.all(seriesId, alignDown(fromMs, HOUR_MS), toMs) as DirtyRow[];
    if (dirty.length > 0) this.recompute(dirty);
  }

  read(seriesId: number, widthMs: number, fromMs: number, toMs: number): Summary[] {
    const stmt = widthMs === HOUR_MS ? this.s.get1h : widthMs === MINUTE_MS ? this.s.get1m : null;
    if (!stmt) throw new Error(`no rollup of width ${widthMs} ms`);
    return (stmt.all(seriesId, fromMs, toMs) as unknown[][]).map(decodeSummary);
  }

  private recompute(dirty: DirtyRow[]): void {
    if (dirty.length === 0) return;
    this.db.transaction(() => {
      // Consecutive dirty hours of a series are read back in one range scan.
      let i = 0;
      while (i < dirty.length) {
        const [sid, h0] = dirty[i] as DirtyRow;
        let j = i + 1;
        while (j < dirty.length && (dirty[j] as DirtyRow)[0] === sid && (dirty[j] as DirtyRow)[1] === h0 + (j - i) * HOUR_MS) j++;
        const hEnd = h0 + (j - i) * HOUR_MS;
        const rows = (this.s.rows.all(sid, h0, hEnd) as [number, number | null, number, string | null][]).map(
          (r): RawRow => ({ tsMs: r[0], value: r[1], status: r[2], text: r[3] }),
        );
        this.s.del1m.run(sid, h0, hEnd);
        for (let h = h0; h < hEnd; h += HOUR_MS) this.s.del1h.run(sid, h);
        for (const hr of buildRollupsByHour(rows)) {
          this.s.put1h.run(...summaryParams(sid, hr.hour));
          for (const m of hr.minutes) this.s.put1m.run(...summaryParams(sid, m));
        }
        for (let k = i; k < j; k++) {
          const d = dirty[k] as DirtyRow;
          this.dirtyHours -= this.s.clearDirty.run(d[0], d[1]).changes;
        }
        i = j;
      }
    })();
  }
}
