import { isDenseCount } from '../rollup/build.js';
import type { ColumnTarget } from '../rollup/columns.js';
import {
  concatPacked,
  F_ALL as F_ALL_,
  F_START as F_START_,
  PACKED_FIELDS as PACKED_FIELDS_,
  type Packed,
  type PackedBuilder,
  packed,
} from '../rollup/pack.js';
import { packedPoints, type RawRow, summarizeByBucket } from '../rollup/summary.js';
import type { QuerySource, SeriesKey } from '../types.js';
import { alignDown, HOUR_MS, MINUTE_MS, StoreQueryError } from './align.js';
import { type CounterParams, needsRawSamples } from './counter.js';
import { needsRawForHold } from './time-weighted.js';

// Packed field offsets as module constants: V8 folds these in the hot loops below, imported live bindings
// it does not (measured 4–8× on a year of quarter-hours).
const F_ALL = F_ALL_;
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
  /**
   * Optional: rows() of many series over one range in one read, answers in the order of keys — for stores
   * where a round trip costs more than the rows (engine/prefetch.ts).
   */
  rowsMany?(keys: readonly SeriesKey[], fromMs: number, toMs: number): Promise<RawRow[][]>;
  /** Optional: rollups() of many series over one range in one read (without `into`), in the order of keys. */
  rollupsMany?(keys: readonly SeriesKey[], widthMs: number, fromMs: number, toMs: number): Promise<Packed[]>;
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

/** Replaces rollup buckets whose counter answer depends on the query's parameters by their raw samples. */
export function expandWhereNeeded(
  b: StoreBackend,
  key: SeriesKey,
  items: Packed,
  widthMs: number,
  fromMs: number,
  toMs: number,
  p: CounterParams,
): Promise<Packed> {
  return expandWhere(b, key, items, widthMs, fromMs, toMs, (o) => needsRawSamples(items, o, p));
}

/** Replaces rollup buckets holding a value longer than the staleness limit by their raw samples. */
export function expandLongHolds(
  b: StoreBackend,
  key: SeriesKey,
  items: Packed,
  widthMs: number,
  fromMs: number,
  toMs: number,
  maxHoldMs: number,
): Promise<Packed> {
  return expandWhere(b, key, items, widthMs, fromMs, toMs, (o) => needsRawForHold(items, o, maxHoldMs));
}

async function expandWhere(
  b: StoreBackend,
  key: SeriesKey,
  items: Packed,
  widthMs: number,
  fromMs: number,
  toMs: number,
  needsRaw: (o: number) => boolean,
): Promise<Packed> {
  const parts: Packed[] = [];
  let kept = 0;
  for (let o = 0; o < items.length; o += PACKED_FIELDS) {
    if (!needsRaw(o)) continue;
    if (o > kept) parts.push(items.subarray(kept, o));
    const start = items[o + F_START] as number;
    parts.push(packedPoints(await b.rows(key, Math.max(start, fromMs), Math.min(start + widthMs, toMs))));
    kept = o + PACKED_FIELDS;
  }
  if (kept === 0) return items;
  if (kept < items.length) parts.push(items.subarray(kept));
  return concatPacked(parts);
}
