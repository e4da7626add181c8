import { isDenseCount } from '../rollup/build.js';
import type { ColumnTarget } from '../rollup/columns.js';
import {
  concatPacked,
  F_ALL as F_ALL_,
  F_FIRST_TS as F_FIRST_TS_,
  F_FIRST_V as F_FIRST_V_,
  F_LAST_TS as F_LAST_TS_,
  F_LAST_V as F_LAST_V_,
  F_N as F_N_,
  F_START as F_START_,
  PACKED_FIELDS as PACKED_FIELDS_,
  type Packed,
  type PackedBuilder,
  packed,
} from '../rollup/pack.js';
import { packedPoints, type RawRow, summarizeByBucket } from '../rollup/summary.js';
import type { QuerySource, SeriesKey } from '../types.js';
import { alignDown, HOUR_MS, MINUTE_MS, StoreQueryError } from './align.js';
import { type CounterParams, type EdgeSample, needsRawSamples } from './counter.js';

// Packed field offsets as module constants: V8 folds these in the hot loops below, imported live bindings
// it does not (measured 4–8× on a year of quarter-hours).
const F_ALL = F_ALL_;
const F_FIRST_TS = F_FIRST_TS_;
const F_FIRST_V = F_FIRST_V_;
const F_LAST_TS = F_LAST_TS_;
const F_LAST_V = F_LAST_V_;
const F_N = F_N_;
const F_START = F_START_;
const PACKED_FIELDS = PACKED_FIELDS_;

/**
 * The storage primitives a store provides. All query semantics live in engine/, on top of them, so the
 * embedded and InfluxDB stores cannot drift apart.
 */
export interface StoreBackend {
  /** Raw rows of a series in [fromMs, toMs), oldest first. */
  rows(key: SeriesKey, fromMs: number, toMs: number): Promise<RawRow[]>;
  /**
   * Stored rollup summaries of widthMs whose bucket starts in [fromMs, toMs), oldest first, packed — into
   * `into` when given (its memory reused; the answer is valid until the builder's next use).
   */
  rollups(
    key: SeriesKey,
    widthMs: number,
    fromMs: number,
    toMs: number,
    into?: PackedBuilder,
  ): Promise<Packed>;
  /**
   * Brings the rollups of width widthMs of these series over [fromMs, toMs) up to date; false when they
   * cannot serve that range now (hours still waiting for their data, or the range is older than the
   * rollups' retention) — the query then reads raw points.
   */
  prepareRollups(keys: SeriesKey[], widthMs: number, fromMs: number, toMs: number): Promise<boolean>;
  /**
   * Optional: the stored 1-h or 15-min rollup buckets of [t.fromMs, t.toMs) decoded straight into columns
   * (rollup/columns.ts), for queries whose buckets are exactly rollup buckets. Call after prepareRollups.
   */
  rollupColumns?(key: SeriesKey, t: ColumnTarget): Promise<void>;
  /** Series answered concurrently: 1 for a synchronous store, more where round trips can overlap. */
  readonly seriesConcurrency: number;
}

export class QueryStats {
  servedFromRollups = 0;
  servedFromRaw = 0;
}

/** Summaries of raw rows per bucket of widthMs, packed. */
export const summarized = (rows: RawRow[], widthMs: number): Packed =>
  packed(summarizeByBucket(rows, widthMs));

export async function mapLimit<T, R>(
  xs: readonly T[],
  limit: number,
  fn: (x: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < xs.length; i = next++) out[i] = await fn(xs[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, worker));
  return out;
}

export function checkSeries(what: string, series: unknown): asserts series is SeriesKey[] {
  if (!Array.isArray(series)) throw new StoreQueryError(`${what}: series must be an array of series keys`);
}

/**
 * Summaries covering [fromMs, toMs): whole rollup buckets from the rollup tables when allowed and current,
 * the clipped ends (and everything, when rollups are not used) summarised from raw rows by the same
 * function that builds the rollups — so both paths give identical numbers.
 */
export async function loadSummaries(
  b: StoreBackend,
  stats: QueryStats,
  key: SeriesKey,
  widthMs: number,
  fromMs: number,
  toMs: number,
  source: QuerySource | undefined,
  scratch?: PackedBuilder,
): Promise<Packed> {
  const useRollups = source !== 'raw' && (await b.prepareRollups([key], widthMs, fromMs, toMs));
  if (!useRollups) {
    stats.servedFromRaw++;
    return summarized(await b.rows(key, fromMs, toMs), widthMs);
  }
  stats.servedFromRollups++;
  // [fromMs, midStart) and [midEnd, toMs) are partial rollup buckets: summarised from raw.
  const midStart = Math.min(toMs, alignDown(fromMs + widthMs - 1, widthMs));
  const midEnd = Math.max(midStart, alignDown(toMs, widthMs));
  const parts: Packed[] = [];
  if (fromMs < midStart) parts.push(summarized(await b.rows(key, fromMs, midStart), widthMs));
  if (midStart < midEnd) {
    parts.push(
      widthMs === MINUTE_MS
        ? await minuteSummaries(b, key, midStart, midEnd)
        : await b.rollups(key, widthMs, midStart, midEnd, scratch?.reset()),
    );
  }
  if (midEnd < toMs) parts.push(summarized(await b.rows(key, midEnd, toMs), widthMs));
  return concatPacked(parts);
}

/**
 * Minute summaries over minute-aligned [fromMs, toMs): from 1-min rollups for dense hours, summarised from
 * raw for sparse ones (rollup/build.ts), reading runs of alike hours together.
 */
async function minuteSummaries(
  b: StoreBackend,
  key: SeriesKey,
  fromMs: number,
  toMs: number,
): Promise<Packed> {
  const hours = await b.rollups(key, HOUR_MS, alignDown(fromMs, HOUR_MS), toMs);
  const parts: Packed[] = [];
  const nH = hours.length / PACKED_FIELDS;
  const startOf = (i: number) => hours[i * PACKED_FIELDS + F_START] as number;
  const denseAt = (i: number) => isDenseCount(hours[i * PACKED_FIELDS + F_ALL] as number);
  let i = 0;
  while (i < nH) {
    const dense = denseAt(i);
    let j = i + 1;
    while (j < nH && denseAt(j) === dense) j++;
    const s = Math.max(fromMs, startOf(i));
    const e = Math.min(toMs, startOf(j - 1) + HOUR_MS);
    parts.push(
      dense ? await b.rollups(key, MINUTE_MS, s, e) : summarized(await b.rows(key, s, e), MINUTE_MS),
    );
    i = j;
  }
  return concatPacked(parts);
}

/**
 * The last Good counter sample within maxGapMs before the range and the first within maxGapMs after it
 * (a sample further away could only pair across a gap, which covers nothing). Read as hour summaries — a
 * summary's last/first Good value is exactly that sample — so a 7-day look-around costs a few rollup pages
 * instead of a week of raw points.
 */
export async function edgeSamples(
  b: StoreBackend,
  stats: QueryStats,
  key: SeriesKey,
  fromMs: number,
  toMs: number,
  maxGapMs: number,
  source: QuerySource | undefined,
): Promise<[EdgeSample | null, EdgeSample | null]> {
  // Integer bounds selecting the same integer timestamps as [fromMs − maxGapMs, fromMs) and
  // [toMs, toMs + maxGapMs + 1); nothing is stored before 1970.
  const beforeFrom = Math.max(0, Math.ceil(fromMs - maxGapMs));
  let before: EdgeSample | null = null;
  if (fromMs > beforeFrom) {
    const items = await loadSummaries(b, stats, key, HOUR_MS, beforeFrom, fromMs, source);
    for (let o = items.length - PACKED_FIELDS; o >= 0; o -= PACKED_FIELDS) {
      if (items[o + F_N] === 0) continue;
      before = { tsMs: items[o + F_LAST_TS] as number, v: items[o + F_LAST_V] as number };
      break;
    }
  }
  const afterTo = Math.ceil(toMs + maxGapMs + 1);
  const afterFrom = Math.max(0, toMs);
  let after: EdgeSample | null = null;
  if (afterTo > afterFrom) {
    const items = await loadSummaries(b, stats, key, HOUR_MS, afterFrom, afterTo, source);
    for (let o = 0; o < items.length; o += PACKED_FIELDS) {
      if (items[o + F_N] === 0) continue;
      after = { tsMs: items[o + F_FIRST_TS] as number, v: items[o + F_FIRST_V] as number };
      break;
    }
  }
  return [before, after];
}

/** Replaces rollup buckets whose answer depends on the query's parameters by their raw samples. */
export async function expandWhereNeeded(
  b: StoreBackend,
  key: SeriesKey,
  items: Packed,
  widthMs: number,
  fromMs: number,
  toMs: number,
  p: CounterParams,
): Promise<Packed> {
  const parts: Packed[] = [];
  let kept = 0;
  for (let o = 0; o < items.length; o += PACKED_FIELDS) {
    if (!needsRawSamples(items, o, p)) continue;
    if (o > kept) parts.push(items.subarray(kept, o));
    const start = items[o + F_START] as number;
    parts.push(packedPoints(await b.rows(key, Math.max(start, fromMs), Math.min(start + widthMs, toMs))));
    kept = o + PACKED_FIELDS;
  }
  if (kept === 0) return items;
  if (kept < items.length) parts.push(items.subarray(kept));
  return concatPacked(parts);
}
