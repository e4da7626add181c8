import type Database from 'better-sqlite3';
import { alignDown, HOUR_MS, MINUTE_MS, QUARTER_MS } from '../engine/align.js';
import { buildRollupsByHour, type HourRollups } from '../rollup/build.js';
import { type ColumnTarget, packedPageInto } from '../rollup/columns.js';
import {
  compactPageInto,
  compactPageSummaries,
  decodeCompactPage,
  encodeCompactPage,
} from '../rollup/compact.js';
import { type Packed, PackedBuilder, packSummaries, unpackSummaries } from '../rollup/pack.js';
import type { RawRow, Summary } from '../rollup/summary.js';
import { PAGE_SLOTS } from './schema.js';

const DAY_MS = 86_400_000;
type DirtyRow = [seriesId: number, hourMs: number];
type RowTuple = [number, number | null, number, string | null];

const hourPage = (sid: number, hourMs: number) => sid * PAGE_SLOTS + hourMs / HOUR_MS;
const dayPage = (sid: number, dayMs: number) => sid * PAGE_SLOTS + dayMs / DAY_MS;

/**
 * Keeps the rollup pages equal to what raw points say. Writes mark (series, hour) dirty in the same
 * transaction; this recomputes dirty hours from raw — in bounded chunks on a timer, fully on flush(), and
 * for exactly the series and range a query is about to read.
 */
export class EmbeddedRollups {
  private dirtyHours: number;
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      markDirty: db.prepare('INSERT OR IGNORE INTO rollup_dirty (series_id, hour) VALUES (?, ?)'),
      countDirty: db.prepare('SELECT count(*) FROM rollup_dirty').pluck(),
      someDirty: db
        .prepare('SELECT series_id, hour FROM rollup_dirty ORDER BY series_id, hour LIMIT ?')
        .raw(true),
      dirtyIn: db
        .prepare(
          'SELECT series_id, hour FROM rollup_dirty WHERE series_id = ? AND hour >= ? AND hour < ? ORDER BY hour',
        )
        .raw(true),
      clearDirty: db.prepare('DELETE FROM rollup_dirty WHERE series_id = ? AND hour >= ? AND hour < ?'),
      rows: db
        .prepare(
          'SELECT ts, value, status, text FROM points WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
        )
        .raw(true),
      put1m: db.prepare('INSERT OR REPLACE INTO rollup_1m (page, data) VALUES (?, ?)'),
      del1m: db.prepare('DELETE FROM rollup_1m WHERE page >= ? AND page < ?'),
      get1h: db.prepare('SELECT data FROM rollup_1h WHERE page = ?').pluck(),
      put1h: db.prepare('INSERT OR REPLACE INTO rollup_1h (page, data) VALUES (?, ?)'),
      del1h: db.prepare('DELETE FROM rollup_1h WHERE page = ?'),
      range1m: db.prepare('SELECT data FROM rollup_1m WHERE page >= ? AND page < ? ORDER BY page').pluck(),
      range1h: db.prepare('SELECT data FROM rollup_1h WHERE page >= ? AND page < ? ORDER BY page').pluck(),
      range1hPaged: db
        .prepare('SELECT page, data FROM rollup_1h WHERE page >= ? AND page < ? ORDER BY page')
        .raw(true),
      get15m: db.prepare('SELECT data FROM rollup_15m WHERE page = ?').pluck(),
      put15m: db.prepare('INSERT OR REPLACE INTO rollup_15m (page, data) VALUES (?, ?)'),
      del15m: db.prepare('DELETE FROM rollup_15m WHERE page = ?'),
      range15m: db
        .prepare('SELECT page, data FROM rollup_15m WHERE page >= ? AND page < ? ORDER BY page')
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

  /** Recomputes up to maxHours dirty hours (series/hour order); returns how many were done. */
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

  /** Rollup summaries of widthMs whose bucket starts in [fromMs, toMs), oldest first, packed (into `into`). */
  read(seriesId: number, widthMs: number, fromMs: number, toMs: number, into?: PackedBuilder): Packed {
    const out =
      into ??
      new PackedBuilder(widthMs === MINUTE_MS ? 64 : Math.min(100_000, Math.ceil((toMs - fromMs) / widthMs)));
    if (!(toMs > fromMs)) return out.finish();
    if (widthMs === QUARTER_MS) {
      const from = dayPage(seriesId, alignDown(fromMs, DAY_MS));
      const to = dayPage(seriesId, alignDown(toMs - 1, DAY_MS)) + 1;
      // all() rather than iterate(): a year is 365 small pages, and stepping a cursor per row costs more.
      for (const [page, data] of this.s.range15m.all(from, to) as [number, Buffer][]) {
        decodeCompactPage(data, (page - seriesId * PAGE_SLOTS) * DAY_MS, QUARTER_MS, fromMs, toMs, out);
      }
      return out.finish();
    }
    const [stmt, pageMs, page] =
      widthMs === HOUR_MS
        ? [this.s.range1h, DAY_MS, dayPage]
        : widthMs === MINUTE_MS
          ? [this.s.range1m, HOUR_MS, hourPage]
          : [null, 0, hourPage];
    if (!stmt) throw new Error(`no rollup of width ${widthMs} ms`);
    const from = page(seriesId, alignDown(fromMs, pageMs));
    const to = page(seriesId, alignDown(toMs - 1, pageMs)) + 1;
    for (const data of stmt.iterate(from, to) as Iterable<Buffer>) out.addPage(data, fromMs, toMs);
    return out.finish();
  }

  /** The 1-h or 15-min rollups of [t.fromMs, t.toMs) into columns (rollup/columns.ts). */
  readColumns(seriesId: number, t: ColumnTarget): void {
    if (!(t.toMs > t.fromMs)) return;
    const from = dayPage(seriesId, alignDown(t.fromMs, DAY_MS));
    const to = dayPage(seriesId, alignDown(t.toMs - 1, DAY_MS)) + 1;
    const stmt =
      t.widthMs === QUARTER_MS ? this.s.range15m : t.widthMs === HOUR_MS ? this.s.range1hPaged : null;
    if (!stmt) throw new Error(`no column read for rollups of width ${t.widthMs} ms`);
    for (const [page, data] of stmt.all(from, to) as [number, Buffer][]) {
      if (t.widthMs === QUARTER_MS) compactPageInto(data, (page - seriesId * PAGE_SLOTS) * DAY_MS, t);
      else packedPageInto(data, t);
    }
  }

  private recompute(dirty: DirtyRow[]): void {
    if (dirty.length === 0) return;
    this.db.transaction(() => {
      // Consecutive dirty hours of a series are read back in one range scan.
      let i = 0;
      while (i < dirty.length) {
        const [sid, h0] = dirty[i] as DirtyRow;
        let j = i + 1;
        while (
          j < dirty.length &&
          (dirty[j] as DirtyRow)[0] === sid &&
          (dirty[j] as DirtyRow)[1] === h0 + (j - i) * HOUR_MS
        ) {
          j++;
        }
        this.recomputeRun(sid, h0, h0 + (j - i) * HOUR_MS);
        i = j;
      }
    })();
  }

  /** Rebuilds the pages of hours [h0, hEnd) of one series from its raw points (inside a transaction). */
  private recomputeRun(sid: number, h0: number, hEnd: number): void {
    const rows = (this.s.rows.all(sid, h0, hEnd) as RowTuple[]).map(
      (r): RawRow => ({ tsMs: r[0], value: r[1], status: r[2], text: r[3] }),
    );
    const built = new Map<number, HourRollups>();
    for (const h of buildRollupsByHour(rows)) built.set(h.hourStartMs, h);
    this.s.del1m.run(hourPage(sid, h0), hourPage(sid, hEnd));
    for (const [h, b] of built) {
      if (b.minutes.length > 0) this.s.put1m.run(hourPage(sid, h), packSummaries(b.minutes));
    }
    // Each touched day page: keep its other hours (read back only when the day is partly rebuilt), replace
    // the recomputed ones.
    for (let day = alignDown(h0, DAY_MS); day < hEnd; day += DAY_MS) {
      const page = dayPage(sid, day);
      const partial = day < h0 || day + DAY_MS > hEnd;
      const hours: Summary[] = [];
      const quarters: Summary[] = [];
      const laterHours: Summary[] = [];
      const laterQuarters: Summary[] = [];
      if (partial) {
        const oldH = this.s.get1h.get(page) as Buffer | undefined;
        if (oldH) {
          unpackSummaries(oldH, day, h0, hours);
          unpackSummaries(oldH, hEnd, day + DAY_MS, laterHours);
        }
        const oldQ = this.s.get15m.get(page) as Buffer | undefined;
        if (oldQ) {
          for (const q of compactPageSummaries(oldQ, day, QUARTER_MS)) {
            if (q.startMs < h0) quarters.push(q);
            else if (q.startMs >= hEnd) laterQuarters.push(q);
          }
        }
      }
      for (let h = Math.max(day, h0); h < Math.min(day + DAY_MS, hEnd); h += HOUR_MS) {
        const b = built.get(h);
        if (!b) continue;
        hours.push(b.hour);
        for (const q of b.quarters) quarters.push(q);
      }
      hours.push(...laterHours);
      quarters.push(...laterQuarters);
      if (hours.length > 0) this.s.put1h.run(page, packSummaries(hours));
      else this.s.del1h.run(page);
      if (quarters.length > 0) this.s.put15m.run(page, encodeCompactPage(quarters, day, QUARTER_MS));
      else this.s.del15m.run(page);
    }
    this.dirtyHours -= this.s.clearDirty.run(sid, h0, hEnd).changes;
  }
}
