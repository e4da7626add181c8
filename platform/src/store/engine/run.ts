import { isGood } from '@xiang/protocol';
import type { Packed } from '../rollup/pack.js';
import { packedPoints } from '../rollup/summary.js';
import type {
  Bucket,
  CounterQuery,
  CoverageQuery,
  RangeQuery,
  SeriesBuckets,
  SeriesCounter,
  SeriesCoverage,
  SeriesKey,
  SeriesSteps,
  StepQuery,
} from '../types.js';
import { aggregateBuckets } from './aggregate.js';
import {
  bucketCount,
  checkBucketBudget,
  checkInterval,
  checkRange,
  rollupWidthFor,
  type Spans,
  StoreQueryError,
  spansIn,
} from './align.js';
import { counterIntervals, counterParams, DEFAULT_GAP_LOOKBACK_MS } from './counter.js';
import { coverageIntervals } from './coverage.js';
import { counterEdges, heldBefore } from './edges.js';
import {
  checkSeries,
  expandLongHolds,
  expandWhereNeeded,
  loadSummaries,
  mapLimit,
  type QueryStats,
  type StoreBackend,
} from './load.js';
import { stepSegments } from './step.js';
import { heldColumns, holdLimit } from './time-weighted.js';

export { QueryStats, type StoreBackend } from './load.js';

const RAW_LIMIT = 1_000_000;

export async function runRangeQuery(
  b: StoreBackend,
  stats: QueryStats,
  q: RangeQuery,
): Promise<SeriesBuckets[]> {
  checkSeries('query', q.series);
  checkRange('query', q.fromMs, q.toMs);
  const goodOnly = q.goodOnly ?? true;
  const held = q.aggregate === 'twa' || q.aggregate === 'step';
  if (held) {
    holdLimit('query', q.maxHoldMs);
    if (q.intervalMs === undefined) {
      throw new StoreQueryError(`query: aggregate '${q.aggregate}' needs intervalMs (step() gives segments)`);
    }
    if (!goodOnly) throw new StoreQueryError(`query: aggregate '${q.aggregate}' holds Good values only`);
  }
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
    if (held) {
      const buckets = await heldBuckets(b, stats, q, series, items, spans, widthMs);
      return { series, buckets };
    }
    return { series, buckets: aggregateBuckets(items, spans, q.fromMs, intervalMs, offsetMs, q.aggregate) };
  });
}

/** 'twa' and 'step' buckets of one series from its summaries (time-weighted.ts). */
async function heldBuckets(
  b: StoreBackend,
  stats: QueryStats,
  q: RangeQuery,
  series: SeriesKey,
  items: Packed,
  spans: Spans,
  widthMs: number,
): Promise<Bucket[]> {
  const maxHoldMs = q.maxHoldMs as number;
  const intervalMs = q.intervalMs as number;
  const offsetMs = q.alignOffsetMs ?? 0;
  const held =
    widthMs > 0 ? await expandLongHolds(b, series, items, widthMs, q.fromMs, q.toMs, maxHoldMs) : items;
  const before = await heldBefore(b, stats, series, q.fromMs, maxHoldMs, q.source);
  const h = heldColumns(held, spans, q.fromMs, q.toMs, intervalMs, offsetMs, maxHoldMs, before);
  const twa = q.aggregate === 'twa';
  const out: Bucket[] = new Array(spans.length);
  for (let k = 0; k < spans.length; k++) {
    const ms = h.ms[k] as number;
    const v = twa ? (ms > 0 ? (h.sum[k] as number) / ms : Number.NaN) : (h.edge[k] as number);
    const tsMs = spans.startMs[k] as number;
    out[k] = { tsMs, value: Number.isNaN(v) ? null : v, count: h.n[k] as number, coveredMs: ms };
  }
  return out;
}

export async function runStepQuery(b: StoreBackend, stats: QueryStats, q: StepQuery): Promise<SeriesSteps[]> {
  checkSeries('step', q.series);
  checkRange('step', q.fromMs, q.toMs);
  const maxHoldMs = holdLimit('step', q.maxHoldMs);
  const limit = q.limit ?? RAW_LIMIT;
  if (!(Number.isSafeInteger(limit) && limit > 0)) {
    throw new StoreQueryError('step: limit must be a positive integer');
  }
  return await mapLimit(q.series, b.seriesConcurrency, async (series) => {
    if (!(q.toMs > q.fromMs)) return { series, segments: [] };
    stats.servedFromRaw++;
    const rows = await b.rows(series, q.fromMs, q.toMs);
    // Cut at the limit: the segments end at the last sample read (what follows it is not known here).
    const cut = rows.length > limit ? rows.slice(0, limit) : rows;
    const toMs = rows.length > limit ? (cut[cut.length - 1]?.tsMs ?? q.fromMs) : q.toMs;
    const before = await heldBefore(b, stats, series, q.fromMs, maxHoldMs, undefined);
    return { series, segments: stepSegments(cut, q.fromMs, toMs, maxHoldMs, before) };
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
    const lookback = q.gapLookbackMs ?? DEFAULT_GAP_LOOKBACK_MS;
    const [before, after] = await counterEdges(b, stats, series, q.fromMs, q.toMs, p, lookback, q.source);
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
