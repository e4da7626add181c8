import { isGood } from '@xiang/protocol';
import { alignDown } from '../engine/align.js';
import {
  F_ALL,
  F_FIRST_ANY_TS,
  F_FIRST_TS,
  F_FIRST_V,
  F_LAST_ANY_TS,
  F_LAST_TS,
  F_LAST_V,
  F_MAX,
  F_MIN,
  F_N,
  F_START,
  F_SUM,
  F_USABLE,
  PACKED_FIELDS,
  type Packed,
} from './pack.js';

/** One stored point of one series, as the stores read it back. */
export type RawRow = { tsMs: number; value: number | null; status: number; text: string | null };

/**
 * What a rollup bucket keeps about the points in [startMs, startMs + width): enough to answer every
 * aggregate, counter increase and coverage query exactly, without the raw points.
 * Numeric fields cover Good points with a value only; when n = 0 they are meaningless (0).
 */
export type Summary = {
  startMs: number;
  n: number;
  sum: number;
  min: number;
  max: number;
  firstTs: number;
  firstV: number;
  lastTs: number;
  lastV: number;
  /** Counter increase over consecutive Good samples inside the bucket; a drop counts the new value from zero. */
  inc: number;
  /** Drops between consecutive Good samples inside the bucket (resets, or rollovers once rolloverAt is known). */
  drops: number;
  /** Largest spacing between consecutive Good samples inside the bucket. */
  maxGapMs: number;
  /** Good samples carrying a value or a text. */
  nUsable: number;
  /** Every stored sample, whatever its quality. */
  nAll: number;
  /** Times of the first and last stored sample, whatever its quality: where a held value ends / may carry on. */
  firstAnyTs: number;
  lastAnyTs: number;
  /**
   * Time-weighted integral inside the bucket (value · ms): each Good valued sample held until the next stored
   * sample of the bucket (any quality ends a hold). The last sample's hold crosses into later buckets and is
   * left to the query, which knows the staleness limit and where the next sample is.
   */
  twSum: number;
  /** The held time of twSum (ms). */
  twMs: number;
  /** Longest of those holds (ms): a query with a smaller staleness limit reads this bucket's raw samples. */
  maxHoldMs: number;
  /**
   * Flat runs of the Good valued samples (consecutive samples with equal values), in ms from the first to
   * the last sample of the run: the run that starts at the first sample, the one that ends at the last, and
   * the longest. A bucket whose samples are all equal has head = tail = max = lastTs − firstTs.
   */
  flatHeadMs: number;
  flatTailMs: number;
  flatMaxMs: number;
};

/** A drop from within this top share of the register to within this bottom share is a rollover. */
export const ROLLOVER_NEAR_FRACTION = 0.1;

export const STEP_NONE = 0;
export const STEP_RESET = 1;
export const STEP_ROLLOVER = 2;
export type StepKind = typeof STEP_NONE | typeof STEP_RESET | typeof STEP_ROLLOVER;

/**
 * How a counter moved from prev to cur. A drop is a rollover only when rolloverAt is known, prev sits in the
 * register's top 10 % and cur in its bottom 10 %; every other drop is a meter reset.
 */
export function stepKind(prev: number, cur: number, rolloverAt?: number): StepKind {
  if (cur >= prev) return STEP_NONE;
  if (
    rolloverAt !== undefined &&
    rolloverAt > 0 &&
    prev >= rolloverAt * (1 - ROLLOVER_NEAR_FRACTION) &&
    cur < rolloverAt * ROLLOVER_NEAR_FRACTION
  ) {
    return STEP_ROLLOVER;
  }
  return STEP_RESET;
}

/** Consumption between two consecutive samples: the plain difference, the wrapped difference, or (after a reset) the new value counted from zero. */
export function stepDelta(prev: number, cur: number, kind: StepKind, rolloverAt?: number): number {
  if (kind === STEP_NONE) return cur - prev;
  if (kind === STEP_ROLLOVER) return (rolloverAt as number) - prev + cur;
  return cur;
}

function isUsableGood(r: RawRow): boolean {
  return isGood(r.status) && (r.value !== null || r.text !== null);
}

/** Summary of rows[i0..i1) (sorted by time), all inside the bucket starting at startMs. */
export function summarize(rows: readonly RawRow[], i0: number, i1: number, startMs: number): Summary {
  const s: Summary = {
    startMs,
    n: 0,
    sum: 0,
    min: 0,
    max: 0,
    firstTs: 0,
    firstV: 0,
    lastTs: 0,
    lastV: 0,
    inc: 0,
    drops: 0,
    maxGapMs: 0,
    nUsable: 0,
    nAll: 0,
    firstAnyTs: 0,
    lastAnyTs: 0,
    twSum: 0,
    twMs: 0,
    maxHoldMs: 0,
    flatHeadMs: 0,
    flatTailMs: 0,
    flatMaxMs: 0,
  };
  // The value held since the previous stored sample (null: none — a non-Good sample ended it).
  let heldTs = 0;
  let heldV: number | null = null;
  // The flat run in progress starts at this Good sample; headOpen while it is the run of the first sample.
  let flatStart = 0;
  let headOpen = true;
  for (let i = i0; i < i1; i++) {
    const r = rows[i] as RawRow;
    if (s.nAll === 0) s.firstAnyTs = r.tsMs;
    s.nAll++;
    s.lastAnyTs = r.tsMs;
    if (isUsableGood(r)) s.nUsable++;
    if (heldV !== null) {
      const holdMs = r.tsMs - heldTs;
      s.twSum += heldV * holdMs;
      s.twMs += holdMs;
      if (holdMs > s.maxHoldMs) s.maxHoldMs = holdMs;
    }
    const v = r.value;
    if (v === null || !isGood(r.status)) {
      heldV = null;
      continue;
    }
    heldTs = r.tsMs;
    heldV = v;
    if (s.n === 0) {
      s.min = v;
      s.max = v;
      s.firstTs = r.tsMs;
      s.firstV = v;
      flatStart = r.tsMs;
    } else {
      if (v < s.min) s.min = v;
      if (v > s.max) s.max = v;
      const kind = stepKind(s.lastV, v);
      if (kind !== STEP_NONE) s.drops++;
      s.inc += stepDelta(s.lastV, v, kind);
      const gap = r.tsMs - s.lastTs;
      if (gap > s.maxGapMs) s.maxGapMs = gap;
      if (v !== s.lastV) {
        headOpen = false;
        flatStart = r.tsMs;
      } else {
        const run = r.tsMs - flatStart;
        if (headOpen) s.flatHeadMs = run;
        if (run > s.flatMaxMs) s.flatMaxMs = run;
      }
    }
    s.n++;
    s.sum += v;
    s.lastTs = r.tsMs;
    s.lastV = v;
  }
  if (s.n > 0) s.flatTailMs = s.lastTs - flatStart;
  return s;
}

/** Summaries per epoch-aligned bucket of widthMs over sorted rows; buckets without rows are absent. */
export function summarizeByBucket(rows: readonly RawRow[], widthMs: number): Summary[] {
  const out: Summary[] = [];
  let i0 = 0;
  while (i0 < rows.length) {
    const start = alignDown((rows[i0] as RawRow).tsMs, widthMs);
    const end = start + widthMs;
    let i1 = i0 + 1;
    while (i1 < rows.length && (rows[i1] as RawRow).tsMs < end) i1++;
    out.push(summarize(rows, i0, i1, start));
    i0 = i1;
  }
  return out;
}

/** Raw points as packed degenerate summaries (one per point); goodOnly=false lets Uncertain/Bad values count. */
export function packedPoints(rows: readonly RawRow[], goodOnly = true): Packed {
  const f = new Float64Array(rows.length * PACKED_FIELDS);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as RawRow;
    const o = i * PACKED_FIELDS;
    const counts = r.value !== null && (!goodOnly || isGood(r.status));
    const v = counts ? (r.value as number) : 0;
    f[o + F_START] = r.tsMs;
    f[o + F_N] = counts ? 1 : 0;
    f[o + F_SUM] = v;
    f[o + F_MIN] = v;
    f[o + F_MAX] = v;
    f[o + F_FIRST_TS] = counts ? r.tsMs : 0;
    f[o + F_FIRST_V] = v;
    f[o + F_LAST_TS] = counts ? r.tsMs : 0;
    f[o + F_LAST_V] = v;
    f[o + F_USABLE] = isUsableGood(r) ? 1 : 0;
    f[o + F_ALL] = 1;
    f[o + F_FIRST_ANY_TS] = r.tsMs;
    f[o + F_LAST_ANY_TS] = r.tsMs;
  }
  return f;
}
