import type { BucketColumns } from '../rollup/columns.js';
import { F_DROPS as F_DROPS_, F_MAX_GAP as F_MAX_GAP_, F_N as F_N_, type Packed } from '../rollup/pack.js';
import type { CounterInterval } from '../types.js';
import { type Spans, StoreQueryError } from './align.js';
import type { ColumnSource } from './column-pool.js';
import {
  type CounterColumns,
  type CounterParams,
  counterAccumulator,
  type EdgeSample,
} from './counter-acc.js';
import { columnItems, packedItems } from './counter-items.js';

export type { CounterColumns, CounterParams, EdgeSample } from './counter-acc.js';

// Packed field offsets as module constants: V8 folds these in the hot loops below, imported live bindings
// it does not (measured 4–8× on a year of quarter-hours).
const F_DROPS = F_DROPS_;
const F_MAX_GAP = F_MAX_GAP_;
const F_N = F_N_;

export const DEFAULT_MAX_GAP_MS = 15 * 60_000;
/** How far before a range a counter query looks for the reading that opens a gap crossing its start. */
export const DEFAULT_GAP_LOOKBACK_MS = 7 * 86_400_000;

/** The counter parameters of a counter or summary query, validated. */
export function counterParams(what: string, q: { maxGapMs?: number; rolloverAt?: number }): CounterParams {
  const p: CounterParams = { maxGapMs: q.maxGapMs ?? DEFAULT_MAX_GAP_MS, rolloverAt: q.rolloverAt };
  if (!(p.maxGapMs > 0)) throw new StoreQueryError(`${what}: maxGapMs must be positive`);
  if (p.rolloverAt !== undefined && !(p.rolloverAt > 0 && Number.isFinite(p.rolloverAt))) {
    throw new StoreQueryError(`${what}: rolloverAt must be a positive finite number`);
  }
  return p;
}

/**
 * A rollup bucket can stand in for its raw samples only when nothing inside it depends on the query's
 * parameters: no inner spacing wider than maxGapMs (that stretch would be a gap) and, when a rollover value
 * is given, no inner drop (it might be a rollover rather than the reset the rollup assumed).
 */
export function needsRawSamples(items: Packed, o: number, p: CounterParams): boolean {
  return (
    (items[o + F_N] as number) > 1 &&
    ((items[o + F_MAX_GAP] as number) > p.maxGapMs ||
      ((items[o + F_DROPS] as number) > 0 && p.rolloverAt !== undefined))
  );
}

/**
 * Interval consumption from a counter (semantics: counter-acc.ts). An interval not fully covered has
 * increase null in the answers: a missing meter is a gap, never zero; the catch-up after a gap is reported
 * beside the intervals, never interpolated into them.
 */
export function counterColumns(
  items: Packed,
  spans: Spans,
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  p: CounterParams,
  before: EdgeSample | null,
  after: EdgeSample | null,
  cols?: ColumnSource,
): CounterColumns {
  const acc = counterAccumulator(spans, fromMs, toMs, intervalMs, offsetMs, p, before, cols);
  acc.items(packedItems(items));
  return acc.finish(after);
}

/** True when some bucket's answer depends on the query's parameters (needsRawSamples, over columns). */
export function columnsNeedRawSamples(c: BucketColumns, p: CounterParams): boolean {
  // Columns and parameters in locals: `c` is built by spreading (a dictionary-mode object), and a lookup per
  // bucket was a third of a fresh process's first overview (two months × 38 meters of quarter-hours).
  const { n, maxGap, drops } = c;
  const maxGapMs = p.maxGapMs;
  const rollover = p.rolloverAt !== undefined;
  for (let k = 0; k < n.length; k++) {
    if (
      (n[k] as number) > 1 &&
      ((maxGap[k] as number) > maxGapMs || ((drops[k] as number) > 0 && rollover))
    ) {
      return true;
    }
  }
  return false;
}

/** counterColumns over bucket columns (one rollup bucket per query interval, in time order). */
export function counterFromColumns(
  c: BucketColumns,
  spans: Spans,
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  p: CounterParams,
  before: EdgeSample | null,
  after: EdgeSample | null,
  cols?: ColumnSource,
): CounterColumns {
  const acc = counterAccumulator(spans, fromMs, toMs, intervalMs, offsetMs, p, before, cols);
  acc.items(columnItems(c));
  return acc.finish(after);
}

/** counterColumns as CounterInterval objects (the `counterIncrease()` answer). */
export function counterIntervals(
  items: Packed,
  spans: Spans,
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  p: CounterParams,
  before: EdgeSample | null,
  after: EdgeSample | null,
): CounterInterval[] {
  const c = counterColumns(items, spans, fromMs, toMs, intervalMs, offsetMs, p, before, after);
  const out: CounterInterval[] = new Array(spans.length);
  for (let k = 0; k < spans.length; k++) {
    const startMs = spans.startMs[k] as number;
    const endMs = spans.endMs[k] as number;
    const lenMs = endMs - startMs;
    const cov = c.coveredMs[k] as number;
    const gap = c.gapInc[k] as number;
    const gapFrom = c.gapFromMs[k] as number;
    out[k] = {
      startMs,
      endMs,
      increase: cov >= lenMs ? (c.inc[k] as number) : null,
      coverage: cov / lenMs,
      resets: c.resets[k] as number,
      rollovers: c.rollovers[k] as number,
      coveredIncrease: c.inc[k] as number,
      gapIncrease: Number.isNaN(gap) ? null : gap,
      gapFromMs: Number.isNaN(gapFrom) ? null : gapFrom,
      silentRunMs: c.silentRunMs[k] as number,
      flatRunMs: c.flatRunMs[k] as number,
    };
  }
  return out;
}
