import { ValidationError } from '@xiang/protocol';
import { SLOT_MS } from './slots.js';
import type { IntervalSeries } from './types.js';

/**
 * Typed-array helpers over quarter-hour series. NaN is a gap: sums skip it but count it, so a total built
 * over a gap is reported as incomplete rather than as a smaller number.
 */

export function seriesFrom(
  startMs: number,
  values: ArrayLike<number | null>,
  intervalMs = SLOT_MS,
): IntervalSeries {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? Number.NaN : v;
  }
  return { startMs, intervalMs, values: out };
}

/** JSON form: gaps as null. */
export function toNullable(values: Float64Array): (number | null)[] {
  return Array.from(values, (v) => (Number.isNaN(v) ? null : v));
}

/** Throws a clear error when a series is not on the run's grid (the adapter's job). */
export function assertOnGrid(s: IntervalSeries, fromMs: number, n: number, what: string): void {
  const problems: string[] = [];
  if (s.intervalMs !== SLOT_MS) problems.push(`${what}: intervalMs ${s.intervalMs}, expected ${SLOT_MS}`);
  if (s.startMs !== fromMs)
    problems.push(`${what}: starts at ${s.startMs}, expected the period start ${fromMs}`);
  if (s.values.length !== n) problems.push(`${what}: ${s.values.length} values, expected ${n}`);
  if (problems.length) throw new ValidationError('diagnosis input', problems);
}

/** A series at most as coarse as the grid: starts at the period start and covers the period in whole intervals. */
export function assertFineSeries(s: IntervalSeries, fromMs: number, spanMs: number, what: string): void {
  const problems: string[] = [];
  if (!(s.intervalMs > 0 && s.intervalMs <= SLOT_MS) || spanMs % s.intervalMs !== 0)
    problems.push(`${what}: intervalMs ${s.intervalMs} is not a whole part of the period (≤ ${SLOT_MS} ms)`);
  if (s.startMs !== fromMs)
    problems.push(`${what}: starts at ${s.startMs}, expected the period start ${fromMs}`);
  else if (s.values.length * s.intervalMs !== spanMs)
    problems.push(`${what}: ${s.values.length} values of ${s.intervalMs} ms do not cover the period`);
  if (problems.length) throw new ValidationError('diagnosis input', problems);
}

export type GroupSums = { sum: Float64Array; gaps: Uint32Array; slots: Uint32Array };

/** Sums per group (day, month, shift…) in one pass; `gaps` counts NaN slots, `slots` all slots per group. */
export function sumByGroup(
  values: Float64Array,
  group: ArrayLike<number>,
  nGroups: number,
  mask?: Uint8Array,
): GroupSums {
  const sum = new Float64Array(nGroups);
  const gaps = new Uint32Array(nGroups);
  const slots = new Uint32Array(nGroups);
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] === 0) continue;
    const g = group[i]!;
    if (g < 0) continue;
    slots[g]!++;
    const v = values[i]!;
    if (Number.isNaN(v)) gaps[g]!++;
    else sum[g]! += v;
  }
  return { sum, gaps, slots };
}

export type Stats = { sum: number; n: number; gaps: number; min: number; max: number };

/** Sum/count/min/max over the slots where `mask[i] === code` (all slots when mask is undefined). */
export function statsWhere(values: Float64Array, mask?: Uint8Array, code = 1): Stats {
  let sum = 0;
  let n = 0;
  let gaps = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] !== code) continue;
    const v = values[i]!;
    if (Number.isNaN(v)) {
      gaps++;
      continue;
    }
    sum += v;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { sum, n, gaps, min, max };
}

export const meanOf = (s: Stats): number => (s.n > 0 ? s.sum / s.n : Number.NaN);

/** a − Σ b, slot by slot; NaN when any operand is NaN. */
export function subtract(a: Float64Array, bs: Float64Array[]): Float64Array {
  const out = Float64Array.from(a);
  for (const b of bs) for (let i = 0; i < out.length; i++) out[i] = out[i]! - b[i]!;
  return out;
}

/** Element-wise sum with NaN propagation. */
export function addAll(arrays: Float64Array[], n: number): Float64Array {
  const out = new Float64Array(n);
  for (const a of arrays) for (let i = 0; i < n; i++) out[i] = out[i]! + a[i]!;
  return out;
}

/**
 * Quantile of the non-NaN values (linear interpolation between closest ranks, the common "type 7"), exact,
 * in O(n): a histogram pass finds the bin holding the wanted rank, and only that bin's values are sorted.
 * Returns NaN when there are no values.
 */
export function quantile(values: Float64Array, q: number, mask?: Uint8Array, code = 1): number {
  let m = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] !== code) continue;
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    m++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (m === 0) return Number.NaN;
  if (min === max) return min;
  const bins = Math.min(4096, m);
  const scale = bins / (max - min);
  const counts = new Uint32Array(bins);
  const bin = (v: number) => Math.min(bins - 1, Math.floor((v - min) * scale));
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] !== code) continue;
    const v = values[i]!;
    if (!Number.isNaN(v)) counts[bin(v)]!++;
  }
  // The k-th smallest value; the last bin sorted is kept, since the (k+1)-th most often lies in it too and
  // each bin costs a pass over the whole series.
  let sorted: { b: number; inBin: Float64Array } | null = null;
  const kth = (k: number): number => {
    let b = 0;
    let before = 0;
    while (before + counts[b]! <= k) before += counts[b++]!;
    if (sorted?.b === b) return sorted.inBin[k - before]!;
    const inBin = new Float64Array(counts[b]!);
    let j = 0;
    for (let i = 0; i < values.length; i++) {
      if (mask && mask[i] !== code) continue;
      const v = values[i]!;
      if (!Number.isNaN(v) && bin(v) === b) inBin[j++] = v;
    }
    inBin.sort();
    sorted = { b, inBin };
    return inBin[k - before]!;
  };
  const pos = q * (m - 1);
  const lo = Math.floor(pos);
  const a = kth(lo);
  if (pos === lo) return a;
  return a + (kth(lo + 1) - a) * (pos - lo);
}

/** Longest run of consecutive NaN slots. */
export function longestGap(values: Float64Array): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i]!)) {
      run++;
      if (run > best) best = run;
    } else run = 0;
  }
  return best;
}
