import { isGood } from '@xiang/protocol';
import { type RawRow, type Summary, pointSummary, summarizeByBucket } from '../rollup/summary.js';
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
  StoreQueryError,
  alignDown,
  bucketCount,
  checkBucketBudget,
  checkInterval,
  checkRange,
  rollupWidthFor,
  spansIn,
} from './align.js';
import { type CounterParams, DEFAULT_MAX_GAP_MS, type EdgeSample, counterIntervals, needsRawSamples } from './counter.js';
import { coverageIntervals } from './coverage.js';

/**
 * The storage primitives a store provides. All query semantics live here, on top of them, so the embedded
 * and InfluxDB stores cannot drift apart.
 */
export interface StoreBackend {
  /** Raw rows of a series in [fromMs, toMs), oldest first. */
  rows(key: SeriesKey, fromMs: number, toMs: number): Promise<RawRow[]>;
  /** Stored rollup summaries of widthMs whose bucket starts in [fromMs, toMs), oldest first. */
  rollups(key: SeriesKey, widthMs: number, fromMs: number, toMs: number): Promise<Summary[]>;
  /**
   * Brings the rollups of width widthMs of these series over [fromMs, toMs) up to date; false when they
   * cannot serve that range now (hours still waiting for their data, or the range is older than the
   * rollups' retention) — the query then reads raw points.
   */
  prepareRollups(keys: SeriesKey[], widthMs: number, fromMs: number, toMs: number): Promise<boolean>;
}

export class QueryStats {
  servedFromRollups = 0;
  servedFromRaw = 0;
}

const SERIES_CONCURRENCY = 4;

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
): Promise<Summary[]> {
  const useRollups = source !== 'raw' && (await b.prepareRollups([key], widthMs, fromMs, toMs));
  if (!useRollups) {
    stats.servedFromRaw++;
    return summarizeByBucket(await b.rows(key, fromMs, toMs), widthMs);
  }
  stats.servedFromRollups++;
  // [fromMs, midStart) and [midEnd, toMs) are partial rollup buckets: summarised from raw.
  const midStart = Math.min(toMs, alignDown(fromMs + widthMs - 1, widthMs));
  const midEnd = Math.max(midStart, alignDown(toMs, widthMs));
  const head = fromMs < midStart ? summarizeByBucket(await b.rows(key, fromMs, midStart), widthMs) : [];
  const mid = midStart < midEnd ? await b.rollups(key, widthMs, midStart, midEnd) : [];
  const tail = midEnd < toMs ? summarizeByBucket(await b.rows(key, midEnd, toMs), widthMs) : [];
  return [...head, ...mid, ...tail];
}

export async function runRangeQuery(b: StoreBackend, stats: QueryStats, q: RangeQuery): Promise<SeriesBuckets[]> {
  checkSeries('query', q.series);
  checkRange('query', q.fromMs, q.toMs);
  const goodOnly = q.goodOnly ?? true;
  if (q.intervalMs === undefined) {
    return await mapLimit(q.series, SERIES_CONCURRENCY, async (series) => {
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
  return await mapLimit(q.series, SERIES_CONCURRENCY, async (series) => {
    if (spans.length === 0) return { series, buckets: [] };
    let items: Summary[];
    if (widthMs > 0) {
      items = await loadSummaries(b, stats, series, widthMs, q.fromMs, q.toMs, q.source);
    } else {
      stats.servedFromRaw++;
      items = (await b.rows(series, q.fromMs, q.toMs)).map((r) => pointSummary(r, goodOnly));
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
  checkBucketBudget('counterIncrease', bucketCount(q.fromMs, q.toMs, q.intervalMs, offsetMs) * q.series.length);
  const spans = spansIn(q.fromMs, q.toMs, q.intervalMs, offsetMs);
  const widthMs = rollupWidthFor(q.intervalMs, offsetMs);
  return await mapLimit(q.series, SERIES_CONCURRENCY, async (series) => {
    if (spans.length === 0) return { series, intervals: [] };
    let items: Summary[];
    if (widthMs > 0) {
      const loaded = await loadSummaries(b, stats, series, widthMs, q.fromMs, q.toMs, q.source);
      items = [];
      for (const s of loaded) {
        if (!needsRawSamples(s, p)) {
          items.push(s);
          continue;
        }
        const rows = await b.rows(series, Math.max(s.startMs, q.fromMs), Math.min(s.startMs + widthMs, q.toMs));
        for (const r of rows) items.push(pointSummary(r));
      }
    } else {
      stats.servedFromRaw++;
      items = (await b.rows(series, q.fromMs, q.toMs)).map((r) => pointSummary(r));
    }
    const [before, after] = await edgeSamples(b, series, q.fromMs, q.toMs, p.maxGapMs);
    const intervals = counterIntervals(items, spans, q.fromMs, q.toMs, q.intervalMs, offsetMs, p, before, after);
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
  return await mapLimit(q.series, SERIES_CONCURRENCY, async (series) => {
    let items: Summary[] = [];
    if (spans.length > 0) {
      if (widthMs > 0) {
        items = await loadSummaries(b, stats, series, widthMs, q.fromMs, q.toMs, q.source);
      } else {
        stats.servedFromRaw++;
        items = (await b.rows(series, q.fromMs, q.toMs)).map((r) => pointSummary(r));
      }
    }
    const c = coverageIntervals(items, spans, q.fromMs, q.intervalMs, offsetMs, q.expectedPeriodMs, goodOnly);
    return { series, ...c };
  });
}
