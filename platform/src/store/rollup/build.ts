import { alignDown, HOUR_MS, MINUTE_MS, QUARTER_MS } from '../engine/align.js';
import { type RawRow, type Summary, summarize, summarizeByBucket } from './summary.js';

/**
 * 1-min rollups are kept only for hours with more samples than minutes. At one sample a minute or fewer a
 * minute rollup is as many rows as the raw points it summarises, so queries summarise those hours' raw
 * points instead (engine/run.ts) — with the same function, hence the same numbers. An hour's sample count
 * never falls (points are replaced, not deleted), so an hour never goes from dense back to sparse.
 */
export const DENSE_HOUR_MIN_SAMPLES = 61;

export function isDenseCount(samplesInHour: number): boolean {
  return samplesInHour >= DENSE_HOUR_MIN_SAMPLES;
}

/**
 * An hour's rollups: its hour summary, its quarter-hour summaries (every hour with data: the 15-min tier
 * serves quarter-hour queries — demand, energy diagnosis — from compact pages, rollup/compact.ts) and its
 * minute summaries (dense hours only).
 */
export type HourRollups = { hourStartMs: number; hour: Summary; quarters: Summary[]; minutes: Summary[] };

/** Rollups of one hour from its raw rows (sorted, all inside the hour); minutes only for a dense hour. */
export function buildHourRollups(rows: readonly RawRow[], hourStartMs: number): HourRollups {
  const hour = summarize(rows, 0, rows.length, hourStartMs);
  return {
    hourStartMs,
    hour,
    quarters: summarizeByBucket(rows, QUARTER_MS),
    minutes: isDenseCount(hour.nAll) ? summarizeByBucket(rows, MINUTE_MS) : [],
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
    out.push(buildHourRollups(rows.slice(i0, i1), hour));
    i0 = i1;
  }
  return out;
}
