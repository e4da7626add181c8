import { isGood } from '@xiang/protocol';
import { isDenseCount } from '../rollup/build.js';
import { concatPacked, F_ALL, F_START, PACKED_FIELDS, type Packed, packed } from '../rollup/pack.js';
import { packedPoints, type RawRow, summarizeByBucket } from '../rollup/summary.js';
import type {
  CounterQuery,
  CoverageQuery,
  QuerySource,
  RangeQuery,
  SeriesBuckets,
  SeriesCounter,
  SeriesCoverage,
  SeriesKey,
} from '../types.js';
import { aggregateBuckets } from './aggregate.js';
import {
  alignDown,
  bucketCount,
  checkBucketBudget,
  checkInterval,
  checkRange,
  HOUR_MS,
  MINUTE_MS,
  rollupWidthFor,
  StoreQueryError,
  spansIn,
} from './align.js';
import {
  type CounterParams,
  counterIntervals,
  DEFAULT_MAX_GAP_MS,
  type EdgeSample,
  needsRawSamples,
} from './counter.js';
import { coverageIntervals } from './coverage.js';

/**
 * The storage primitives a store provides. All query semantics live here, on top of them, so the embedded
 * and InfluxDB stores cannot drift apart.
 */
export interface StoreBackend {
  /** Raw rows of a series in [fromMs, toMs), oldest first. */
  rows(key: SeriesKey, fromMs: number, toMs: number): Promise<RawRow[]>;
  /** Stored rollup summaries of widthMs whose bucket starts in [fromMs, toMs), oldest first, packed. */
  rollups(key: SeriesKey, widthMs: number, fromMs: number, toMs: number): Promise<Packed>;
  /**
   * Brings the rollups of width widthMs of these series over [fromMs, toMs) up to date; false when they
   * cannot serve that range now (hours still waiting for their data, or the range is older than the
   * rollups' retention) — the query then reads raw points.
   */
  prepareRollups(keys: SeriesKey[], widthMs: number, fromMs: number, toMs: number): Promise<boolean>;
  /** Series answered concurrently: 1 for a synchronous store, more where round trips can overlap. */
  readonly seriesConcurrency: number;
}

/** Summaries of raw rows per bucket of widthMs, packed. */
const summarized = (rows: RawRow[], widthMs: number): Packed => packed(summarizeByBucket(rows, widthMs));

export class QueryStats {
  servedFromRollups = 0;
  servedFromRaw = 0;
}

async function mapLimit<T, R>(xs: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < xs.length; i = next++) out[i] = await fn(xs[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, worker));
  return out;
}

function checkSeries(what: string, series: unknown): asserts series is SeriesKey[] {
  if (!Array.isArray(series)) throw new StoreQueryError(`${what}: series must be an array of series keys`);
}

/**
 * Summaries covering [fromMs, toMs): whole rollup buckets from the rollup tables when allowed and current,
 * the clipped ends (and everything, when rollups are not used) summarised from raw rows by the same
 * function that builds the rollups — so both paths give identical numbers.
 */
async function loadSummaries(
  b: StoreBackend,
  stats: QueryStats,
  key: SeriesKey,
  widthMs: number,
  fromMs: number,
  toMs: number,
  source: QuerySource | undefined,
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
        : await b.rollups(key, widthMs, midStart, midEnd),
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

export async function runRangeQuery(
  b: StoreBackend,
  stats: QueryStats,
  q: RangeQuery,
): Promise<SeriesBuckets[]> {
  checkSeries('query', q.series);
  checkRange('query', q.fromMs, q.toMs);
  const goodOnly = q.goodOnly ?? true;
  if (q.intervalMs === undefined) {
    return await mapLimit(q.series, b.seriesConcurrency, async (series) => {
      const rows = q.toMs > q.fromMs ? await b.rows(series, q.fromMs, q.toMs) : [];
      const buckets = [];
      for (const r of rows) {
        if (r.value === null || (goodOnly && !isGood(r.status))) continue;
        buckets.push({ tsMs: r.tsMs, value: r.value, count: 1 });
      }
      return { series, buckets };
    });
  }
  const intervalMs = q.intervalMs;
  const offsetMs = q.alignOffsetMs ?? 0;
  checkInterval('query', intervalMs, offsetMs);
  checkBucketBudget('query', bucketCount(q.fromMs, q.toMs, intervalMs, offsetMs) * q.series.length);
  const spans = spansIn(q.fromMs, q.toMs, intervalMs, offsetMs);
  // Rollups hold Good points only; goodOnly=false needs every point, so it always reads raw.
  const widthMs = goodOnly ? rollupWidthFor(intervalMs, offsetMs) : 0;
  return await mapLimit(q.series, b.seriesConcurrency, async (series) => {
    if (spans.length === 0) return { series, buckets: [] };
    let items: Packed;
    if (widthMs > 0) {
      items = await loadSummaries(b, stats, series, widthMs, q.fromMs, q.toMs, q.source);
    } else {
      stats.servedFromRaw++;
      items = packedPoints(await b.rows(series, q.fromMs, q.toMs), goodOnly);
    }
    return { series, buckets: aggregateBuckets(items, spans, q.fromMs, intervalMs, offsetMs, q.aggregate) };
  });
}

async function edgeSamples(
  b: StoreBackend,
  key: SeriesKey,
  fromMs: number,
  toMs: number,
  maxGapMs: number,
): Promise<[EdgeSample | null, EdgeSample | null]> {
  let before: EdgeSample | null = null;
  // A sample further back than maxGapMs could only pair across a gap, which covers nothing.
  for (const r of await b.rows(key, fromMs - maxGapMs, fromMs)) {
    if (r.value !== null && isGood(r.status)) before = { tsMs: r.tsMs, v: r.value };
  }
  let after: EdgeSample | null = null;
  for (const r of await b.rows(key, toMs, toMs + maxGapMs + 1)) {
    if (r.value !== null && isGood(r.status)) {
      after = { tsMs: r.tsMs, v: r.value };
      break;
    }
  }
  return [before, after];
}

/** Replaces rollup buckets whose answer depends on the query's parameters by their raw samples. */
async function expandWhereNeeded(
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

export async function runCounterQuery(
  b: StoreBackend,
  stats: QueryStats,
  q: CounterQuery,
): Promise<SeriesCounter[]> {
  checkSeries('counterIncrease', q.series);
  checkRange('counterIncrease', q.fromMs, q.toMs);
  const offsetMs = q.alignOffsetMs ?? 0;
  checkInterval('counterIncrease', q.intervalMs, offsetMs);
  const p: CounterParams = { maxGapMs: q.maxGapMs ?? DEFAULT_MAX_GAP_MS, rolloverAt: q.rolloverAt };
  if (!(p.maxGapMs > 0)) throw new StoreQueryError('counterIncrease: maxGapMs must be positive');
  if (p.rolloverAt !== undefined && !(p.rolloverAt > 0 && Number.isFinite(p.rolloverAt))) {
    throw new StoreQueryError('counterIncrease: rolloverAt must be a positive finite number');
  }
  checkBucketBudget(
    'counterIncrease',
    bucketCount(q.fromMs, q.toMs, q.intervalMs, offsetMs) * q.series.length,
  );
  const spans = spansIn(q.fromMs, q.toMs, q.intervalMs, offsetMs);
  const widthMs = rollupWidthFor(q.intervalMs, offsetMs);
  return await mapLimit(q.series, b.seriesConcurrency, async (series) => {
    if (spans.length === 0) return { series, intervals: [] };
    let items: Packed;
    if (widthMs > 0) {
      items = await loadSummaries(b, stats, series, widthMs, q.fromMs, q.toMs, q.source);
      items = await expandWhereNeeded(b, series, items, widthMs, q.fromMs, q.toMs, p);
    } else {
      stats.servedFromRaw++;
      items = packedPoints(await b.rows(series, q.fromMs, q.toMs));
    }
    const [before, after] = await edgeSamples(b, series, q.fromMs, q.toMs, p.maxGapMs);
    const intervals = counterIntervals(
      items,
      spans,
      q.fromMs,
      q.toMs,
      q.intervalMs,
      offsetMs,
      p,
      before,
      after,
    );
    return { series, intervals };
  });
}

export async function runCoverageQuery(
  b: StoreBackend,
  stats: QueryStats,
  q: CoverageQuery,
): Promise<SeriesCoverage[]> {
  checkSeries('coverage', q.series);
  checkRange('coverage', q.fromMs, q.toMs);
  const offsetMs = q.alignOffsetMs ?? 0;
  checkInterval('coverage', q.intervalMs, offsetMs);
  if (!(q.expectedPeriodMs > 0 && Number.isFinite(q.expectedPeriodMs))) {
    throw new StoreQueryError('coverage: expectedPeriodMs must be a positive number of milliseconds');
  }
  checkBucketBudget('coverage', bucketCount(q.fromMs, q.toMs, q.intervalMs, offsetMs) * q.series.length);
  const goodOnly = q.goodOnly ?? true;
  const spans = spansIn(q.fromMs, q.toMs, q.intervalMs, offsetMs);
  const widthMs = rollupWidthFor(q.intervalMs, offsetMs);
  return await mapLimit(q.series, b.seriesConcurrency, async (series) => {
    let items: Packed = new Float64Array(0);
    if (spans.length > 0) {
      if (widthMs > 0) {
        items = await loadSummaries(b, stats, series, widthMs, q.fromMs, q.toMs, q.source);
      } else {
        stats.servedFromRaw++;
        items = packedPoints(await b.rows(series, q.fromMs, q.toMs));
      }
    }
    const c = coverageIntervals(items, spans, q.fromMs, q.intervalMs, offsetMs, q.expectedPeriodMs, goodOnly);
    return { series, ...c };
  });
}
