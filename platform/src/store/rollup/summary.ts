import { isGood } from '@xiang/protocol';
import { alignDown } from '../engine/align.js';
import {
  F_ALL,
  F_FIRST_TS,
  F_FIRST_V,
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
  };
  for (let i = i0; i < i1; i++) {
    const r = rows[i] as RawRow;
    s.nAll++;
    if (isUsableGood(r)) s.nUsable++;
    const v = r.value;
    if (v === null || !isGood(r.status)) continue;
    if (s.n === 0) {
      s.min = v;
      s.max = v;
      s.firstTs = r.tsMs;
      s.firstV = v;
    } else {
      if (v < s.min) s.min = v;
      if (v > s.max) s.max = v;
      const kind = stepKind(s.lastV, v);
      if (kind !== STEP_NONE) s.drops++;
      s.inc += stepDelta(s.lastV, v, kind);
      const gap = r.tsMs - s.lastTs;
      if (gap > s.maxGapMs) s.maxGapMs = gap;
    }
    s.n++;
    s.sum += v;
    s.lastTs = r.tsMs;
    s.lastV = v;
  }
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
  }
  return f;
}
