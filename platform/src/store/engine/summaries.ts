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

function columns(
  series: SeriesKey,
  spans: readonly Span[],
  f: ReturnType<typeof foldSummaries>,
  c: ReturnType<typeof counterColumns>,
): SeriesSummaries {
  const nS = spans.length;
  const out: SeriesSummaries = {
    series,
    startMs: new Float64Array(nS),
    endMs: new Float64Array(nS),
    count: new Uint32Array(nS),
    sum: new Float64Array(nS),
    min: new Float64Array(nS),
    max: new Float64Array(nS),
    firstTsMs: new Float64Array(nS),
    first: new Float64Array(nS),
    lastTsMs: new Float64Array(nS),
    last: new Float64Array(nS),
    present: new Uint32Array(nS),
    stored: new Uint32Array(nS),
    increase: new Float64Array(nS),
    covered: new Float64Array(nS),
    resets: c.resets,
    rollovers: c.rollovers,
  };
  for (let k = 0; k < nS; k++) {
    const s = spans[k] as Span;
    out.startMs[k] = s.startMs;
    out.endMs[k] = s.endMs;
    const n = f.n[k] as number;
    out.count[k] = n;
    out.present[k] = f.usable[k] as number;
    out.stored[k] = f.all[k] as number;
    if (n > 0) {
      out.sum[k] = f.sum[k] as number;
      out.min[k] = f.min[k] as number;
      out.max[k] = f.max[k] as number;
      out.firstTsMs[k] = f.firstTs[k] as number;
      out.first[k] = f.first[k] as number;
      out.lastTsMs[k] = f.lastTs[k] as number;
      out.last[k] = f.last[k] as number;
    } else {
      out.sum[k] = Number.NaN;
      out.min[k] = Number.NaN;
      out.max[k] = Number.NaN;
      out.firstTsMs[k] = Number.NaN;
      out.first[k] = Number.NaN;
      out.lastTsMs[k] = Number.NaN;
      out.last[k] = Number.NaN;
    }
    const lenMs = s.endMs - s.startMs;
    const cov = c.coveredMs[k] as number;
    out.increase[k] = cov >= lenMs ? (c.inc[k] as number) : Number.NaN;
    out.covered[k] = cov / lenMs;
  }
  return out;
}
