import { createHash } from 'node:crypto';
import type { DiagnosisInput, MeterSeries } from '../../energy/types.js';
import type { Db } from '../../repository/types.js';
import { LATE_MARGIN_MS } from './closed-cache.js';

/**
 * The closed months the overview reads, kept in the platform's SQLite across restarts (issue #12: the first
 * overview of a fresh process read two months of rollups — ~1 s of CPU on 30 days of the default scenario).
 * What is kept is what the overview takes from them (concatInputs): per meter its quarter-hour consumption,
 * counter resets, rollovers and rises across silences — not monthly totals, since the comparison spans move
 * with "now" (this month so far against the same span of last month, last week's same weekday). One row per
 * factory and closed span, tagged with the metering tree it was read with.
 *
 * Valid exactly while the in-memory cache's entry would be (closed-cache.ts): late data for the span drops
 * the row as it drops the entry (`written`), a settings change drops the factory's rows, another tree does
 * not match. A process that did not stop cleanly (crash, kill, power loss) may have written data without
 * dropping the rows it changed: the next start drops every row (`markClean` is the last thing a graceful
 * stop does, after the store is flushed and closed).
 */
export type ClosedMeter = Pick<
  MeterSeries,
  | 'deviceId'
  | 'medium'
  | 'unit'
  | 'consumption'
  | 'consumptionSource'
  | 'counterResets'
  | 'counterRollovers'
  | 'unattributed'
>;
/** The part of a closed span's input the overview uses (concatInputs reads nothing else). */
export type ClosedInput = {
  period: DiagnosisInput['period'];
  meters: ClosedMeter[];
  lines: DiagnosisInput['lines'];
};

/** The projection of a loaded input the overview keeps. */
export function closedInputOf(input: DiagnosisInput): ClosedInput {
  return {
    period: input.period,
    meters: input.meters.map((m) => ({
      deviceId: m.deviceId,
      medium: m.medium,
      unit: m.unit,
      consumption: m.consumption,
      consumptionSource: m.consumptionSource,
      counterResets: m.counterResets,
      counterRollovers: m.counterRollovers,
      ...(m.unattributed ? { unattributed: m.unattributed } : {}),
    })),
    lines: input.lines,
  };
}

type MeterMeta = Omit<ClosedMeter, 'consumption'> & { startMs: number; intervalMs: number; n: number };
type Row = { signature: string; meters: string; data: Buffer };

const DDL = `
CREATE TABLE IF NOT EXISTS monitoring_closed_inputs (
  factory TEXT NOT NULL,
  from_ms INTEGER NOT NULL,
  to_ms INTEGER NOT NULL,
  signature TEXT NOT NULL,
  meters TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (factory, from_ms, to_ms)
);
CREATE TABLE IF NOT EXISTS monitoring_closed_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

export class ClosedInputStore {
  /** toMs of the rows kept, per factory: a write drops rows only when one is affected (no SQL per write). */
  private readonly kept = new Map<string, Set<number>>();
  /** Set when a drop could not be written: no row is answered any more, and the stop is not marked clean. */
  private distrusted = false;

  /** Opens the table; rows left by a process that did not stop cleanly are dropped. */
  constructor(
    private readonly db: Db,
    private readonly lateMarginMs = LATE_MARGIN_MS,
  ) {
    db.exec(DDL);
    const state = db.prepare("SELECT value FROM monitoring_closed_state WHERE key = 'stopped'").get() as
      | { value: string }
      | undefined;
    db.transaction(() => {
      if (state?.value !== 'clean') db.prepare('DELETE FROM monitoring_closed_inputs').run();
      db.prepare(
        "INSERT INTO monitoring_closed_state (key, value) VALUES ('stopped', 'running') " +
          'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ).run();
    })();
    for (const r of db.prepare('SELECT factory, to_ms FROM monitoring_closed_inputs').all() as {
      factory: string;
      to_ms: number;
    }[])
      this.index(r.factory).add(Number(r.to_ms));
  }

  private index(factoryId: string): Set<number> {
    let s = this.kept.get(factoryId);
    if (!s) {
      s = new Set();
      this.kept.set(factoryId, s);
    }
    return s;
  }

  /** The kept input of [fromMs, toMs) read with this tree, or null (another tree's row is dropped). */
  get(factoryId: string, signature: string, fromMs: number, toMs: number): ClosedInput | null {
    if (this.distrusted || !this.kept.get(factoryId)?.has(toMs)) return null;
    const row = this.db
      .prepare(
        'SELECT signature, meters, data FROM monitoring_closed_inputs WHERE factory = ? AND from_ms = ? AND to_ms = ?',
      )
      .get(factoryId, fromMs, toMs) as Row | undefined;
    if (!row) return null;
    if (row.signature !== hash(signature)) {
      this.drop(factoryId);
      return null;
    }
    const metas = JSON.parse(row.meters) as MeterMeta[];
    let off = 0;
    const meters = metas.map(({ startMs, intervalMs, n, ...m }) => {
      const bytes = row.data.subarray(off, off + n * 8);
      off += n * 8;
      // A copy: the BLOB's buffer need not be 8-byte aligned.
      const values = new Float64Array(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      return { ...m, consumption: { startMs, intervalMs, values } };
    });
    return { period: { fromMs, toMs }, meters, lines: [] };
  }

  /** Keeps an input (not one with line outputs: the overview's closed read has none). */
  put(factoryId: string, signature: string, input: ClosedInput): void {
    if (input.lines.length > 0) return;
    const metas: MeterMeta[] = input.meters.map(({ consumption, ...m }) => ({
      ...m,
      startMs: consumption.startMs,
      intervalMs: consumption.intervalMs,
      n: consumption.values.length,
    }));
    const data = Buffer.concat(
      input.meters.map((m) =>
        Buffer.from(
          m.consumption.values.buffer,
          m.consumption.values.byteOffset,
          m.consumption.values.byteLength,
        ),
      ),
    );
    const { fromMs, toMs } = input.period;
    this.db
      .prepare(
        'INSERT INTO monitoring_closed_inputs (factory, from_ms, to_ms, signature, meters, data) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (factory, from_ms, to_ms) DO UPDATE SET signature = excluded.signature, ' +
          'meters = excluded.meters, data = excluded.data',
      )
      .run(factoryId, fromMs, toMs, hash(signature), JSON.stringify(metas), data);
    this.index(factoryId).add(toMs);
  }

  /** Data written at or after `earliestTsMs`: the rows it can change are dropped (as closed-cache.ts does). */
  written(factoryId: string, earliestTsMs: number): void {
    const kept = this.kept.get(factoryId);
    if (!kept) return;
    const affected = [...kept].filter((toMs) => toMs + this.lateMarginMs > earliestTsMs);
    if (affected.length === 0) return;
    const del = this.db.prepare('DELETE FROM monitoring_closed_inputs WHERE factory = ? AND to_ms = ?');
    this.db.transaction(() => {
      for (const toMs of affected) del.run(factoryId, toMs);
    })();
    for (const toMs of affected) kept.delete(toMs);
  }

  /** Every row of a factory (its settings or tree changed), or of every factory. */
  drop(factoryId?: string): void {
    if (factoryId === undefined) {
      this.db.prepare('DELETE FROM monitoring_closed_inputs').run();
      this.kept.clear();
    } else {
      this.db.prepare('DELETE FROM monitoring_closed_inputs WHERE factory = ?').run(factoryId);
      this.kept.delete(factoryId);
    }
  }

  /** A drop failed (closed-cache.ts): rows that late data should have removed may remain. */
  distrust(): void {
    this.distrusted = true;
  }

  /** The last step of a graceful stop, after the store is flushed and closed: the rows are valid next start. */
  markClean(): void {
    if (this.distrusted) return; // the next start drops every row
    this.db.prepare("UPDATE monitoring_closed_state SET value = 'clean' WHERE key = 'stopped'").run();
  }
}
