import type { Packed } from '../rollup/pack.js';
import { packedPoints } from '../rollup/summary.js';
import type { SeriesKey, SeriesSummaries, SummaryQuery } from '../types.js';
import {
  alignDown,
  bucketCount,
  checkBucketBudget,
  checkInterval,
  checkRange,
  rollupWidthFor,
  type Span,
  spansIn,
} from './align.js';
import { counterColumns, counterParams } from './counter.js';
import { foldSummaries } from './fold.js';
import {
  checkSeries,
  edgeSamples,
  expandWhereNeeded,
  loadSummaries,
  mapLimit,
  type QueryStats,
  type StoreBackend,
} from './load.js';

/**
 * `summaries()`: per series one read of its summaries (rollup pages, or raw points where no tier fits), then
 * the same folds `query()`, `coverage()` and `counterIncrease()` use — aggregates and counts over the items
 * as read, the counter over the items with parameter-dependent rollup buckets expanded to raw, exactly as
 * `counterIncrease()` does. Identical numbers, one pass instead of one per question.
 */
export async function runSummaryQuery(
  b: StoreBackend,
  stats: QueryStats,
  q: SummaryQuery,
): Promise<SeriesSummaries[]> {
  checkSeries('summaries', q.series);
  checkRange('summaries', q.fromMs, q.toMs);
  const offsetMs = q.alignOffsetMs ?? 0;
  checkInterval('summaries', q.intervalMs, offsetMs);
  const p = counterParams('summaries', q);
  checkBucketBudget('summaries', bucketCount(q.fromMs, q.toMs, q.intervalMs, offsetMs) * q.series.length);
  const spans = spansIn(q.fromMs, q.toMs, q.intervalMs, offsetMs);
  const base = alignDown(q.fromMs, q.intervalMs, offsetMs);
  const widthMs = rollupWidthFor(q.intervalMs, offsetMs);
  return await mapLimit(q.series, b.seriesConcurrency, async (series) => {
    let items: Packed = new Float64Array(0);
    let counterItems = items;
    if (spans.length > 0) {
      if (widthMs > 0) {
        items = await loadSummaries(b, stats, series, widthMs, q.fromMs, q.toMs, q.source);
        counterItems = await expandWhereNeeded(b, series, items, widthMs, q.fromMs, q.toMs, p);
      } else {
        stats.servedFromRaw++;
        items = packedPoints(await b.rows(series, q.fromMs, q.toMs));
        counterItems = items;
      }
    }
    const [before, after] =
      spans.length > 0
        ? await edgeSamples(b, stats, series, q.fromMs, q.toMs, p.maxGapMs, q.source)
        : [null, null];
    const f = foldSummaries(items, spans.length, base, q.intervalMs);
    const c = counterColumns(counterItems, spans, q.fromMs, q.toMs, q.intervalMs, offsetMs, p, before, after);
    return columns(series, spans, f, c);
  });
}

/** The fold and counter columns as the answer, in place (no copies: a year of quarter-hours per series). */
function columns(
  series: SeriesKey,
  spans: readonly Span[],
  f: ReturnType<typeof foldSummaries>,
  c: ReturnType<typeof counterColumns>,
): SeriesSummaries {
  const nS = spans.length;
  const startMs = new Float64Array(nS);
  const endMs = new Float64Array(nS);
  const { n, sum, min, max, firstTs, first, lastTs, last } = f;
  const { inc, coveredMs } = c;
  for (let k = 0; k < nS; k++) {
    const s = spans[k] as Span;
    startMs[k] = s.startMs;
    endMs[k] = s.endMs;
    if (n[k] === 0) {
      sum[k] = Number.NaN;
      min[k] = Number.NaN;
      max[k] = Number.NaN;
      firstTs[k] = Number.NaN;
      first[k] = Number.NaN;
      lastTs[k] = Number.NaN;
      last[k] = Number.NaN;
    }
    const lenMs = s.endMs - s.startMs;
    const cov = coveredMs[k] as number;
    if (cov < lenMs) inc[k] = Number.NaN;
    coveredMs[k] = cov / lenMs;
  }
  return {
    series,
    startMs,
    endMs,
    count: n,
    sum,
    min,
    max,
    firstTsMs: firstTs,
    first,
    lastTsMs: lastTs,
    last,
    present: f.usable,
    stored: f.all,
    increase: inc,
    covered: coveredMs,
    resets: c.resets,
    rollovers: c.rollovers,
  };
}
