import { SLOT_H } from './types.js';

/**
 * Off-production windows and what a load does in them (issue 9 §3): a load is judged per window — a night, a
 * weekend — so a load that starts mid-period, or runs only some nights, is sized where it runs instead of
 * being averaged over the whole period and dropped.
 */
export type Window = { start: number; end: number };
export type WindowMean = Window & {
  /** Mean power over the window's quarter-hours with data, kW (NaN when coverage is too low). */
  kw: number;
  hours: number;
  coveredHours: number;
};

/** Maximal runs of slots with `candidate[i] === 1`, at least `minSlots` long. */
export function windowsOf(candidate: Uint8Array, minSlots: number): Window[] {
  const out: Window[] = [];
  let a = -1;
  for (let i = 0; i <= candidate.length; i++) {
    const on = i < candidate.length && candidate[i] === 1;
    if (on && a < 0) a = i;
    if (!on && a >= 0) {
      if (i - a >= minSlots) out.push({ start: a, end: i });
      a = -1;
    }
  }
  return out;
}

/** Mean kW of `n` known quarter-hours summing to `sumKwh` in `len` slots; NaN when coverage is too low. */
function meanKw(sumKwh: number, n: number, len: number, minCoverage: number): number {
  return n > 0 && n / len >= minCoverage ? sumKwh / n / SLOT_H : Number.NaN;
}

/** meanKw over [start, end), summed from start forward (the order every caller's figures rest on). */
function forwardMeanKw(kwh: Float64Array, start: number, end: number, minCoverage: number): number {
  let sum = 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const v = kwh[i]!;
    if (Number.isNaN(v)) continue;
    sum += v;
    n++;
  }
  return meanKw(sum, n, end - start, minCoverage);
}

/**
 * Mean kW of a per-slot energy series (kWh per quarter-hour) in each window. The result is built field by
 * field, not by spreading the window: a year has ≈ 50 000 windows over 200 meters, and V8's object spread
 * cost more than the sums.
 */
export function windowMeans(kwh: Float64Array, windows: Window[], minCoverage: number): WindowMean[] {
  return windows.map((w) => {
    let sum = 0;
    let n = 0;
    for (let i = w.start; i < w.end; i++) {
      const v = kwh[i]!;
      if (Number.isNaN(v)) continue;
      sum += v;
      n++;
    }
    const len = w.end - w.start;
    return {
      start: w.start,
      end: w.end,
      kw: meanKw(sum, n, len, minCoverage),
      hours: len * SLOT_H,
      coveredHours: n * SLOT_H,
    };
  });
}

/** Robust σ of values: 1.4826 × median absolute deviation. */
export function robustSigma(values: number[]): number {
  if (values.length < 2) return 0;
  const s = [...values].sort((a, b) => a - b);
  const med = s[s.length >> 1]!;
  const dev = s.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
  return 1.4826 * dev[dev.length >> 1]!;
}

export type ElevatedStretch = {
  /** Indices into the window list: [from, to). */
  from: number;
  to: number;
  insideKw: number;
  outsideKw: number;
  outsideHours: number;
  /** (inside − outside) ÷ robust σ of the window means outside. */
  score: number;
};

/**
 * The contiguous stretch of windows whose hour-weighted mean stands highest above the rest (an "epidemic"
 * change: a load that starts, and maybe stops, inside the period). Windows with NaN are skipped. Requires some
 * windows outside the stretch; returns null when there are fewer than 3 usable windows.
 */
export function elevatedStretch(means: WindowMean[], minOutsideHours: number): ElevatedStretch | null {
  const w = means.filter((m) => !Number.isNaN(m.kw));
  if (w.length < 3) return null;
  const n = w.length;
  const ps = new Float64Array(n + 1);
  const ph = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    ps[i + 1] = ps[i]! + w[i]!.kw * w[i]!.coveredHours;
    ph[i + 1] = ph[i]! + w[i]!.coveredHours;
  }
  let best: { a: number; b: number; diff: number } | null = null;
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b <= n; b++) {
      const hIn = ph[b]! - ph[a]!;
      const hOut = ph[n]! - hIn;
      if (hOut < minOutsideHours || hIn <= 0 || (a === 0 && b === n)) continue;
      const diff = (ps[b]! - ps[a]!) / hIn - (ps[n]! - (ps[b]! - ps[a]!)) / hOut;
      if (!best || diff > best.diff) best = { a, b, diff };
    }
  if (!best) return null;
  const outside = [...w.slice(0, best.a), ...w.slice(best.b)];
  const inside = w.slice(best.a, best.b);
  const sigma = Math.max(robustSigma(outside.map((x) => x.kw)), robustSigma(inside.map((x) => x.kw)), 0.02);
  const hIn = ph[best.b]! - ph[best.a]!;
  const hOut = ph[n]! - hIn;
  const insideKw = (ps[best.b]! - ps[best.a]!) / hIn;
  const outsideKw = (ps[n]! - (ps[best.b]! - ps[best.a]!)) / hOut;
  // Map back to indices of the full list.
  const from = means.indexOf(w[best.a]!);
  const to = means.indexOf(w[best.b - 1]!) + 1;
  return { from, to, insideKw, outsideKw, outsideHours: hOut, score: (insideKw - outsideKw) / sigma };
}

/**
 * A load that starts (stops) inside its first (last) elevated window: the slot where it steps up (down) —
 * the split that best separates a part at the reference level from a part above it. Returns the window
 * with its start (end) moved there, or unchanged when no clear step exists.
 */
export function trimWindow(
  kwh: Float64Array,
  w: WindowMean,
  refKw: number,
  thrKw: number,
  edge: 'start' | 'end',
  minCoverage: number,
): WindowMean {
  let best = -1;
  let bestDiff = Number.NEGATIVE_INFINITY;
  // The part before k grows by one slot per k: a running sum adds the same values in the same order as
  // windowMeans would, so the means are bit-identical, without a quadratic rescan or an object per split.
  let sumA = 0;
  let nA = 0;
  for (let k = w.start + 1; k < w.end; k++) {
    const v = kwh[k - 1]!;
    if (!Number.isNaN(v)) {
      sumA += v;
      nA++;
    }
    const a = meanKw(sumA, nA, k - w.start, minCoverage);
    if (Number.isNaN(a)) continue;
    const b = forwardMeanKw(kwh, k, w.end, minCoverage);
    if (Number.isNaN(b)) continue;
    const diff = edge === 'start' ? b - a : a - b;
    if (diff > bestDiff) {
      bestDiff = diff;
      best = k;
    }
  }
  if (best < 0) return w;
  const quiet = windowMeans(
    kwh,
    [edge === 'start' ? { start: w.start, end: best } : { start: best, end: w.end }],
    minCoverage,
  )[0]!;
  const loud = windowMeans(
    kwh,
    [edge === 'start' ? { start: best, end: w.end } : { start: w.start, end: best }],
    minCoverage,
  )[0]!;
  if (!(quiet.kw - refKw < thrKw / 2 && loud.kw - refKw >= thrKw)) return w;
  return loud;
}
