import { type BucketColumns, bucketColumns } from '../rollup/columns.js';
import type { PackedBuilder } from '../rollup/pack.js';
import type { ColumnSource } from './column-pool.js';

/**
 * Per-series working memory of a summaries query (engine/summaries.ts), reused across its series: the rollup
 * columns decoded but not answered, and the packed builder of the general path. A year of quarter-hours is
 * 280 KB a column; with eight series in flight on InfluxDB that is 38 MB of scratch per query. The columns come
 * from the query's ColumnSource and go back to it when the query ends, so a reader with a pool (a diagnosis:
 * sixteen summaries queries) builds them once, not once per query — fresh memory is what a process that has
 * just freed a year's input pays for in page faults (measured: 0.5 s of a warm InfluxDB diagnosis).
 */
export type Scratch = {
  packed: PackedBuilder | null;
  inner: Pick<BucketColumns, InnerColumn> | null;
  /** The aggregate columns, decoded but not answered (CounterSummaryQuery). */
  aggregates: Pick<BucketColumns, AggregateColumn> | null;
};

/** Decoded columns used only while folding a series (not part of the answer): zeroed and reused. */
export const INNER_COLUMNS = [
  'inc',
  'drops',
  'maxGap',
  'firstAnyTs',
  'lastAnyTs',
  'twSum',
  'twMs',
  'maxHold',
  'flatHead',
  'flatTail',
  'flatMax',
] as const;
type InnerColumn = (typeof INNER_COLUMNS)[number];
/** The Good-value aggregates, answered unless the query is a CounterSummaryQuery. */
export const AGGREGATE_COLUMNS = ['sum', 'min', 'max', 'first', 'lastTs', 'last'] as const;
export type AggregateColumn = (typeof AGGREGATE_COLUMNS)[number];

export const newScratch = (): Scratch => ({ packed: null, inner: null, aggregates: null });

/** The scratch's inner columns for n buckets, zeroed (taken from `from` the first time). */
export function scratchInner(s: Scratch, n: number, from: ColumnSource): Pick<BucketColumns, InnerColumn> {
  s.inner ??= bucketColumns(n, INNER_COLUMNS, (k) => from.float64(k));
  for (const name of INNER_COLUMNS) s.inner[name].fill(0);
  return s.inner;
}

/** The scratch's aggregate columns for n buckets, zeroed (taken from `from` the first time). */
export function scratchAggregates(
  s: Scratch,
  n: number,
  from: ColumnSource,
): Pick<BucketColumns, AggregateColumn> {
  s.aggregates ??= bucketColumns(n, AGGREGATE_COLUMNS, (k) => from.float64(k));
  for (const name of AGGREGATE_COLUMNS) s.aggregates[name].fill(0);
  return s.aggregates;
}

/** The scratches' columns back to where they came from, once no series of the query uses them. */
export function returnScratches(scratches: readonly Scratch[], to: ColumnSource): void {
  for (const s of scratches) {
    if (s.inner) to.give(...INNER_COLUMNS.map((name) => s.inner?.[name]));
    if (s.aggregates) to.give(...AGGREGATE_COLUMNS.map((name) => s.aggregates?.[name]));
    s.inner = null;
    s.aggregates = null;
  }
}
