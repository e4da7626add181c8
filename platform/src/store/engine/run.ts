import { isGood } from '@xiang/protocol';
import type { Packed } from '../rollup/pack.js';
import { packedPoints } from '../rollup/summary.js';
import type {
  CounterQuery,
  CoverageQuery,
  RangeQuery,
  SeriesBuckets,
  SeriesCounter,
  SeriesCoverage,
} from '../types.js';
import { aggregateBuckets } from './aggregate.js';
import {
  bucketCount,
  checkBucketBudget,
  checkInterval,
  checkRange,
  rollupWidthFor,
  StoreQueryError,
  spansIn,
} from './align.js';
import { counterIntervals, counterParams } from './counter.js';
import { coverageIntervals } from './coverage.js';
import {
  checkSeries,
  edgeSamples,
  expandWhereNeeded,
  loadSummaries,
  mapLimit,
  type QueryStats,
  type StoreBackend,
} from './load.js';

export { QueryStats, type StoreBackend } from './load.js';

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

export async function runCounterQuery(
  b: StoreBackend,
  stats: QueryStats,
  q: CounterQuery,
): Promise<SeriesCounter[]> {
  checkSeries('counterIncrease', q.series);
  checkRange('counterIncrease', q.fromMs, q.toMs);
  const offsetMs = q.alignOffsetMs ?? 0;
  checkInterval('counterIncrease', q.intervalMs, offsetMs);
  const p = counterParams('counterIncrease', q);
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
    const [before, after] = await edgeSamples(b, stats, series, q.fromMs, q.toMs, p.maxGapMs, q.source);
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
