import { HOUR_MS, MINUTE_MS, alignDown } from '../engine/align.js';
import { type RawRow, type Summary, summarize, summarizeByBucket } from './summary.js';

/** Rollups are maintained per hour: a dirty hour recomputes its 1-h bucket and its 1-min buckets from raw. */
export const ROLLUP_WIDTHS_MS = [MINUTE_MS, HOUR_MS] as const;

export type HourRollups = { hourStartMs: number; hour: Summary; minutes: Summary[] };

/** Rollups of one hour from its raw rows (sorted, all inside the hour). Null when the hour has no rows. */
export function buildHourRollups(rows: readonly RawRow[], hourStartMs: number): HourRollups | null {
  if (rows.length === 0) return null;
  return {
    hourStartMs,
    hour: summarize(rows, 0, rows.length, hourStartMs),
    minutes: summarizeByBucket(rows, MINUTE_MS),
  };
}

/** Splits rows sorted by time (spanning any number of hours) into per-hour rollups. */
export function buildRollupsByHour(rows: readonly RawRow[]): HourRollups[] {
  const out: HourRollups[] = [];
  let i0 = 0;
  while (i0 < rows.length) {
    const hour = alignDown((rows[i0] as RawRow).tsMs, HOUR_MS);
    let i1 = i0 + 1;
    while (i1 < rows.length && (rows[i1] as RawRow).tsMs < hour + HOUR_MS) i1++;
    const slice = rows.slice(i0, i1);
    out.push({ hourStartMs: hour, hour: summarize(slice, 0, slice.length, hour), minutes: summarizeByBucket(slice, MINUTE_MS) });
    i0 = i1;
  }
  return out;
}

export function hourOf(tsMs: number): number {
  return alignDown(tsMs, HOUR_MS);
}
