import { type BucketColumns, bucketColumns } from '../rollup/columns.js';
import { type Packed, PackedBuilder } from '../rollup/pack.js';
import { packedPoints } from '../rollup/summary.js';
import type { CounterSummaryQuery, SeriesCounterSummaries, SeriesKey, SummaryQuery } from '../types.js';
import {
  alignDown,
  bucketCount,
  checkBucketBudget,
  checkInterval,
  checkRange,
  HOUR_MS,
  QUARTER_MS,
  rollupWidthFor,
  type Spans,
  spansIn,
} from './align.js';
import { type ColumnSource, freshColumns } from './column-pool.js';
import {
  type CounterColumns,
  type CounterParams,
  columnsNeedRawSamples,
  counterColumns,
  counterFromColumns,
  counterParams,
  DEFAULT_GAP_LOOKBACK_MS,
} from './counter.js';
import { counterEdges, heldBefore } from './edges.js';
import { foldSummaries } from './fold.js';
import {
  checkSeries,
  expandLongHolds,
  expandWhereNeeded,
  loadSummaries,
  mapLimit,
  type QueryStats,
  type StoreBackend,
} from './load.js';
import { type PrefetchWindow, withPrefetchedWindows } from './prefetch.js';
import {
  AGGREGATE_COLUMNS,
  type AggregateColumn,
  newScratch,
  returnScratches,
  type Scratch,
  scratchAggregates,
  scratchInner,
} from './summary-scratch.js';
import {
  columnsNeedRawForHold,
  type HeldColumns,
  heldColumns,
  heldFromColumns,
  holdLimit,
} from './time-weighted.js';

/**
 * `summaries()`: per series one read of its summaries (rollup pages, or raw points where no tier fits), then
 * the same folds `query()`, `coverage()` and `counterIncrease()` use — aggregates and counts over the items
 * as read, the counter over the items with parameter-dependent rollup buckets expanded to raw, exactly as
 * `counterIncrease()` does, and (with maxHoldMs) the time-weighted mean as `query()` 'twa' does. Identical
 * numbers, one pass instead of one per question.
 */
export async function runSummaryQuery(
  store: StoreBackend,
  stats: QueryStats,
  q: SummaryQuery | CounterSummaryQuery,
): Promise<SeriesCounterSummaries[]> {
  checkSeries('summaries', q.series);
  checkRange('summaries', q.fromMs, q.toMs);
  const offsetMs = q.alignOffsetMs ?? 0;
  checkInterval('summaries', q.intervalMs, offsetMs);
  const p = counterParams('summaries', q);
  if (q.maxHoldMs !== undefined) holdLimit('summaries', q.maxHoldMs);
  checkBucketBudget('summaries', bucketCount(q.fromMs, q.toMs, q.intervalMs, offsetMs) * q.series.length);
  const spans = spansIn(q.fromMs, q.toMs, q.intervalMs, offsetMs);
  const base = alignDown(q.fromMs, q.intervalMs, offsetMs);
  const widthMs = rollupWidthFor(q.intervalMs, offsetMs);
  // One reusable builder per concurrent series: a year of quarter-hours is 3.9 MB of packed summaries per
  // series, read, folded and dropped — allocated once per query instead of once per series.
  const scratches: Scratch[] = [];
  const b = spans.length > 0 ? withPrefetchedWindows(store, q.series, edgeWindows(q)) : store;
  try {
    return await mapLimit(q.series, b.seriesConcurrency, async (series) => {
      const scratch = scratches.pop() ?? newScratch();
      try {
        return await summariesOf(b, stats, q, series, spans, base, widthMs, p, scratch);
      } finally {
        scratches.push(scratch);
      }
    });
  } finally {
    // Only scratches no series holds: one still in flight after a failure is not pushed back yet.
    returnScratches(scratches, poolOf(q));
  }
}

type Query = SummaryQuery | CounterSummaryQuery;

async function summariesOf(
  b: StoreBackend,
  stats: QueryStats,
  q: Query,
  series: SeriesKey,
  spans: Spans,
  base: number,
  widthMs: number,
  p: CounterParams,
  scratch: Scratch,
): Promise<SeriesCounterSummaries> {
  const offsetMs = q.alignOffsetMs ?? 0;
  const direct = await fromColumns(b, stats, q, series, spans, base, widthMs, p, scratch);
  if (direct) return direct;
  let items: Packed = new Float64Array(0);
  let counterItems = items;
  if (spans.length > 0) {
    if (widthMs > 0) {
      // Allocated on the first series that needs it: the direct path (fromColumns) never does.
      scratch.packed ??= new PackedBuilder(Math.min(100_000, Math.ceil((q.toMs - q.fromMs) / widthMs)));
      items = await loadSummaries(b, stats, series, widthMs, q.fromMs, q.toMs, q.source, scratch.packed);
      counterItems = await expandWhereNeeded(b, series, items, widthMs, q.fromMs, q.toMs, p);
    } else {
      stats.servedFromRaw++;
      items = packedPoints(await b.rows(series, q.fromMs, q.toMs));
      counterItems = items;
    }
  }
  const [before, after] =
    spans.length > 0
      ? await counterEdges(b, stats, series, q.fromMs, q.toMs, p, lookbackOf(q), q.source)
      : [null, null];
  const f = foldSummaries(items, spans.length, base, q.intervalMs);
  const pool = poolOf(q);
  const c = counterColumns(
    counterItems,
    spans,
    q.fromMs,
    q.toMs,
    q.intervalMs,
    offsetMs,
    p,
    before,
    after,
    pool,
  );
  let h: HeldColumns | null = null;
  if (q.maxHoldMs !== undefined && spans.length > 0) {
    const held =
      widthMs > 0 ? await expandLongHolds(b, series, items, widthMs, q.fromMs, q.toMs, q.maxHoldMs) : items;
    const carry = await heldBefore(b, stats, series, q.fromMs, q.maxHoldMs, q.source);
    h = heldColumns(held, spans, q.fromMs, q.toMs, q.intervalMs, offsetMs, q.maxHoldMs, carry);
  } else if (q.maxHoldMs !== undefined) h = heldColumns(items, spans, 0, 0, 1, 0, q.maxHoldMs, null);
  return columns(series, spans, f, c, h, q.aggregates !== false, pool);
}

const lookbackOf = (q: Query) => q.gapLookbackMs ?? DEFAULT_GAP_LOOKBACK_MS;
/** Where the answer's arrays come from: the caller's pool (CounterSummaryQuery.columns), else fresh ones. */
const poolOf = (q: Query): ColumnSource => ('columns' in q && q.columns) || freshColumns;

/**
 * What counterEdges() and heldBefore() read around the range, read for all series of the query at once where
 * the store can (engine/prefetch.ts): raw rows an hour either side (the readings within an evidence limit of up
 * to an hour), hour rollups back to the gap look-back and the staleness limit, in the widening steps heldBefore()
 * takes (a window is read only when a series asks inside it).
 */
function edgeWindows(q: Query): PrefetchWindow[] {
  const rows = [
    { fromMs: Math.max(0, q.fromMs - HOUR_MS), toMs: q.fromMs, widthMs: 0 },
    { fromMs: q.toMs, toMs: q.toMs + HOUR_MS, widthMs: 0 },
  ];
  const back = new Set([HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS, 35 * 24 * HOUR_MS, lookbackOf(q)]);
  if (q.maxHoldMs !== undefined) back.add(q.maxHoldMs);
  const hours = [...back]
    .filter((ms) => ms > 0 && ms <= MAX_PREFETCH_BACK_MS)
    .map((ms) => ({ fromMs: Math.max(0, q.fromMs - ms), toMs: q.fromMs, widthMs: HOUR_MS }));
  return [...rows, ...hours];
}
/** Hour rollups further back than this are read per series (a window is read whole for every series). */
const MAX_PREFETCH_BACK_MS = 35 * 24 * HOUR_MS;

/**
 * The direct path: when the query's buckets are exactly 15-min or 1-h rollup buckets (whole ones: the range
 * is aligned), the stored rollups are decoded straight into the answer's columns and the counter runs over
 * them — no packed copy, no fold. Null when that does not apply, or when a bucket's counter answer depends
 * on the query's parameters (then the general path expands it to raw samples).
 */
async function fromColumns(
  b: StoreBackend,
  stats: QueryStats,
  q: Query,
  series: SeriesKey,
  spans: Spans,
  base: number,
  widthMs: number,
  p: CounterParams,
  scratch: Scratch,
): Promise<SeriesCounterSummaries | null> {
  const aligned = (t: number) => alignDown(t, widthMs) === t;
  if (
    !b.rollupColumns ||
    q.source === 'raw' ||
    spans.length === 0 ||
    (widthMs !== QUARTER_MS && widthMs !== HOUR_MS) ||
    widthMs !== q.intervalMs ||
    !aligned(q.fromMs) ||
    !aligned(q.toMs) ||
    !(await b.prepareRollups([series], widthMs, q.fromMs, q.toMs))
  ) {
    return null;
  }
  const pool = poolOf(q);
  const inner = scratchInner(scratch, spans.length, pool);
  const aggregates: Pick<BucketColumns, AggregateColumn> =
    q.aggregates === false
      ? scratchAggregates(scratch, spans.length, pool)
      : bucketColumns(spans.length, AGGREGATE_COLUMNS);
  const answer = bucketColumns(spans.length, ANSWER_COLUMNS, (n) => pool.float64(n));
  const cols: BucketColumns = { ...answer, ...aggregates, ...inner };
  await b.rollupColumns(series, { cols, fromMs: q.fromMs, toMs: q.toMs, baseMs: base, widthMs });
  if (columnsNeedRawSamples(cols, p)) return null;
  if (q.maxHoldMs !== undefined && columnsNeedRawForHold(cols, q.maxHoldMs)) return null;
  stats.servedFromRollups++;
  const [before, after] = await counterEdges(b, stats, series, q.fromMs, q.toMs, p, lookbackOf(q), q.source);
  const offsetMs = q.alignOffsetMs ?? 0;
  const c = counterFromColumns(cols, spans, q.fromMs, q.toMs, q.intervalMs, offsetMs, p, before, after, pool);
  let h: HeldColumns | null = null;
  if (q.maxHoldMs !== undefined) {
    const carry = await heldBefore(b, stats, series, q.fromMs, q.maxHoldMs, q.source);
    h = heldFromColumns(cols, spans, q.fromMs, q.toMs, q.intervalMs, offsetMs, q.maxHoldMs, carry);
  }
  return columns(series, spans, cols, c, h, q.aggregates !== false, pool);
}

/** Decoded into fresh columns that become the answer (with the aggregates, unless left out). */
const ANSWER_COLUMNS = ['n', 'firstTs', 'usable', 'all'] as const;

/** The fold and counter columns as the answer, in place (no copies: a year of quarter-hours per series). */
function columns(
  series: SeriesKey,
  spans: Spans,
  f: ReturnType<typeof foldSummaries>,
  c: CounterColumns,
  h: HeldColumns | null,
  withAggregates: boolean,
  pool: ColumnSource,
): SeriesCounterSummaries {
  const nS = spans.length;
  const { startMs, endMs } = spans;
  const { n, sum, min, max, firstTs, first, lastTs, last } = f;
  const { inc, coveredMs } = c;
  const coveredIncrease = pool.float64(nS);
  coveredIncrease.set(inc);
  if (h)
    for (let k = 0; k < nS; k++)
      h.sum[k] = (h.ms[k] as number) > 0 ? (h.sum[k] as number) / (h.ms[k] as number) : Number.NaN;
  for (let k = 0; k < nS; k++) {
    if (n[k] === 0) {
      firstTs[k] = Number.NaN;
      if (withAggregates) {
        sum[k] = Number.NaN;
        min[k] = Number.NaN;
        max[k] = Number.NaN;
        first[k] = Number.NaN;
        lastTs[k] = Number.NaN;
        last[k] = Number.NaN;
      }
    }
    const lenMs = (endMs[k] as number) - (startMs[k] as number);
    const cov = coveredMs[k] as number;
    if (cov < lenMs) inc[k] = Number.NaN;
    coveredMs[k] = cov / lenMs;
  }
  return {
    series,
    startMs,
    endMs,
    count: n,
    ...(withAggregates ? { sum, min, max, first, lastTsMs: lastTs, last } : {}),
    firstTsMs: firstTs,
    present: f.usable,
    stored: f.all,
    increase: inc,
    covered: coveredMs,
    resets: c.resets,
    rollovers: c.rollovers,
    coveredIncrease,
    gapIncrease: c.gapInc,
    gapFromMs: c.gapFromMs,
    silentRunMs: c.silentRunMs,
    flatRunMs: c.flatRunMs,
    ...(h ? { twMean: h.sum, twCoveredMs: h.ms } : {}),
  };
}
