import type { BucketColumns } from '../rollup/columns.js';
import {
  F_ALL as F_ALL_,
  F_FIRST_ANY_TS as F_FIRST_ANY_TS_,
  F_FIRST_TS as F_FIRST_TS_,
  F_FIRST_V as F_FIRST_V_,
  F_LAST_ANY_TS as F_LAST_ANY_TS_,
  F_LAST_TS as F_LAST_TS_,
  F_LAST_V as F_LAST_V_,
  F_MAX_HOLD as F_MAX_HOLD_,
  F_N as F_N_,
  F_TW_MS as F_TW_MS_,
  F_TW_SUM as F_TW_SUM_,
  PACKED_FIELDS as PACKED_FIELDS_,
  type Packed,
} from '../rollup/pack.js';
import { alignDown, type Spans, StoreQueryError } from './align.js';

// Packed field offsets as module constants: V8 folds these in the hot loops below, imported live bindings
// it does not.
const F_ALL = F_ALL_;
const F_FIRST_ANY_TS = F_FIRST_ANY_TS_;
const F_FIRST_TS = F_FIRST_TS_;
const F_FIRST_V = F_FIRST_V_;
const F_LAST_ANY_TS = F_LAST_ANY_TS_;
const F_LAST_TS = F_LAST_TS_;
const F_LAST_V = F_LAST_V_;
const F_MAX_HOLD = F_MAX_HOLD_;
const F_N = F_N_;
const F_TW_MS = F_TW_MS_;
const F_TW_SUM = F_TW_SUM_;
const PACKED_FIELDS = PACKED_FIELDS_;

/** A Good valued sample whose value is still in force (no later sample yet), e.g. the one before a range. */
export type HeldSample = { tsMs: number; v: number };

/** The staleness limit of a time-weighted or step query, validated. */
export function holdLimit(what: string, maxHoldMs: number | undefined): number {
  if (maxHoldMs === undefined) throw new StoreQueryError(`${what}: maxHoldMs (staleness limit) is required`);
  if (!(Number.isSafeInteger(maxHoldMs) && maxHoldMs > 0)) {
    throw new StoreQueryError(`${what}: maxHoldMs must be a positive integer number of milliseconds`);
  }
  return maxHoldMs;
}

/** A rollup bucket holds a hold longer than the limit: its inner integral would count stale time. */
export function needsRawForHold(items: Packed, o: number, maxHoldMs: number): boolean {
  return (items[o + F_ALL] as number) > 1 && (items[o + F_MAX_HOLD] as number) > maxHoldMs;
}

export function columnsNeedRawForHold(c: BucketColumns, maxHoldMs: number): boolean {
  const { all, maxHold } = c; // locals: see columnsNeedRawSamples
  for (let k = 0; k < all.length; k++) {
    if ((all[k] as number) > 1 && (maxHold[k] as number) > maxHoldMs) return true;
  }
  return false;
}

/**
 * Per query interval: the time-weighted integral (value · ms) and the time a value was in force (ms), the
 * value in force at the interval start (NaN where none) and the Good valued samples in the interval.
 */
export type HeldColumns = { sum: Float64Array; ms: Float64Array; edge: Float64Array; n: Float64Array };

/**
 * The step function of a gauge reported on change, folded into query intervals. A Good valued sample's value
 * is in force from its time until — not including — the next stored sample of the series (any quality: a Bad
 * or value-less sample ends it) or its time + maxHoldMs, whichever comes first; any other time is unknown and
 * neither counts nor averages in. Items (rollup summaries or single points, oldest first, each inside one
 * query interval) give their inner integral (rollup/summary.ts twSum/twMs); the holds that cross from one
 * item into the next — and across interval edges — are added here, where the staleness limit is known.
 */
export function heldAccumulator(
  spans: Spans,
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  maxHoldMs: number,
  before: HeldSample | null,
): HeldAccumulator {
  return new HeldAccumulator(spans, fromMs, toMs, intervalMs, offsetMs, maxHoldMs, before);
}

/** State in fields, not captured variables: see CounterAccumulator (a timestamp there is a fresh heap number). */
export class HeldAccumulator {
  private readonly sum: Float64Array;
  private readonly ms: Float64Array;
  private readonly n: Float64Array;
  private readonly edge: Float64Array;
  private readonly startMs: Float64Array;
  private readonly endMs: Float64Array;
  private readonly base: number;
  private readonly last: number;
  private carryTs: number;
  private carryV: number;
  private carry: boolean;

  constructor(
    spans: Spans,
    private readonly fromMs: number,
    private readonly toMs: number,
    private readonly intervalMs: number,
    offsetMs: number,
    private readonly maxHoldMs: number,
    before: HeldSample | null,
  ) {
    const nS = spans.length;
    this.startMs = spans.startMs;
    this.endMs = spans.endMs;
    this.sum = new Float64Array(nS);
    this.ms = new Float64Array(nS);
    this.n = new Float64Array(nS);
    this.edge = new Float64Array(nS).fill(Number.NaN);
    this.base = alignDown(fromMs, intervalMs, offsetMs);
    this.last = nS - 1;
    this.carryTs = before?.tsMs ?? 0;
    this.carryV = before?.v ?? 0;
    this.carry = before !== null;
  }

  private idx(t: number): number {
    return Math.floor((t - this.base) / this.intervalMs);
  }

  /** v in force over [a, c), clipped to the range and shared out over the intervals it overlaps. */
  private hold(a: number, v: number, c: number): void {
    const { sum, ms, edge, startMs, endMs } = this;
    const a1 = Math.max(a, this.fromMs);
    const c1 = Math.min(c, this.toMs);
    if (!(c1 > a1)) return;
    const k1 = Math.min(this.last, this.idx(c1 - 1));
    for (let k = Math.max(0, this.idx(a1)); k <= k1; k++) {
      const s0 = startMs[k] as number;
      const ov = Math.min(c1, endMs[k] as number) - Math.max(a1, s0);
      if (ov <= 0) continue;
      sum[k] = (sum[k] as number) + v * ov;
      ms[k] = (ms[k] as number) + ov;
      if (s0 >= a1) edge[k] = v;
    }
  }

  item(
    firstAnyTs: number,
    firstTs: number,
    firstV: number,
    count: number,
    lastTs: number,
    lastV: number,
    lastAnyTs: number,
    twSum: number,
    twMs: number,
  ): void {
    if (this.carry) this.hold(this.carryTs, this.carryV, Math.min(firstAnyTs, this.carryTs + this.maxHoldMs));
    const k = this.idx(firstAnyTs);
    if (k >= 0 && k <= this.last) {
      this.n[k] = (this.n[k] as number) + count;
      this.sum[k] = (this.sum[k] as number) + twSum;
      this.ms[k] = (this.ms[k] as number) + twMs;
      // A sample exactly on the interval start sets the value in force there.
      if (count > 0 && firstTs === firstAnyTs && this.startMs[k] === firstTs) this.edge[k] = firstV;
    }
    this.carry = count > 0 && lastTs === lastAnyTs;
    this.carryTs = lastTs;
    this.carryV = lastV;
  }

  finish(): HeldColumns {
    if (this.carry) this.hold(this.carryTs, this.carryV, this.carryTs + this.maxHoldMs);
    this.carry = false;
    return { sum: this.sum, ms: this.ms, edge: this.edge, n: this.n };
  }
}

/** heldAccumulator over packed items. */
export function heldColumns(
  items: Packed,
  spans: Spans,
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  maxHoldMs: number,
  before: HeldSample | null,
): HeldColumns {
  const acc = heldAccumulator(spans, fromMs, toMs, intervalMs, offsetMs, maxHoldMs, before);
  for (let o = 0; o < items.length; o += PACKED_FIELDS) {
    if (items[o + F_ALL] === 0) continue;
    acc.item(
      items[o + F_FIRST_ANY_TS] as number,
      items[o + F_FIRST_TS] as number,
      items[o + F_FIRST_V] as number,
      items[o + F_N] as number,
      items[o + F_LAST_TS] as number,
      items[o + F_LAST_V] as number,
      items[o + F_LAST_ANY_TS] as number,
      items[o + F_TW_SUM] as number,
      items[o + F_TW_MS] as number,
    );
  }
  return acc.finish();
}

/** heldAccumulator over bucket columns (one rollup bucket per query interval, in time order). */
export function heldFromColumns(
  c: BucketColumns,
  spans: Spans,
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  maxHoldMs: number,
  before: HeldSample | null,
): HeldColumns {
  const acc = heldAccumulator(spans, fromMs, toMs, intervalMs, offsetMs, maxHoldMs, before);
  const { all, firstAnyTs, firstTs, first, n, lastTs, last, lastAnyTs, twSum, twMs } = c;
  for (let k = 0; k < all.length; k++) {
    if (all[k] === 0) continue;
    acc.item(
      firstAnyTs[k] as number,
      firstTs[k] as number,
      first[k] as number,
      n[k] as number,
      lastTs[k] as number,
      last[k] as number,
      lastAnyTs[k] as number,
      twSum[k] as number,
      twMs[k] as number,
    );
  }
  return acc.finish();
}
