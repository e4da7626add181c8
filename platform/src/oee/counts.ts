import type { PlacedCounts } from './gap-counts.js';
import type { Interval } from './timeline.js';
import type { IdealCycleSamples, OeeTotals } from './types.js';

/**
 * Good/reject counts per bucket. Counter increases come per interval (the store's counterIncrease, step
 * events, after-gap jumps spread over running time); an interval straddling a bucket edge is prorated by
 * overlap, so shift and day totals add up to the period. Each piece is valued at the ideal cycle time in force
 * at its interval's midpoint (it changes with the product); a gap interval (NaN) adds to countGapMs, never to
 * the counts; an unattributed interval (pieces made in a gap of unknown state) adds to the unattributed counts
 * only; rejects inside a post-setup window are start-up rejects.
 *
 * The cumulative totals at every bucket edge (period, days, shifts) are computed once per machine; a bucket is
 * the difference of its two edges. Each interval adds its full contribution to the edges at or after its end
 * (a difference array, summed once) and its partial contribution to the few edges inside it, so intervals may
 * come in any order and overlap (spread pieces lie beside step events).
 */
const NF = 11; // good, reject, startup, ideal, goodIdeal, rejectIdeal, startupIdeal, noIdeal, gap, unattrG, unattrR

export type BucketCounts = { edges: Float64Array; cumulative: Float64Array };

export function countsAtEdges(
  counts: PlacedCounts | undefined,
  ideal: IdealCycleSamples | undefined,
  defaultIdealCycleS: number | undefined,
  windows: Interval[],
  buckets: Interval[],
): BucketCounts | null {
  if (!counts) return null;
  const edges = Float64Array.from(new Set(buckets.flatMap((b) => [b.startMs, b.endMs]))).sort();
  const nE = edges.length;
  const full = new Float64Array((nE + 1) * NF);
  const cumulative = new Float64Array(nE * NF);
  const part = new Float64Array(NF);
  const fallback =
    defaultIdealCycleS !== undefined && defaultIdealCycleS > 0 ? defaultIdealCycleS : Number.NaN;
  const n = counts.startMs.length;
  for (let i = 0; i < n; i++) {
    const s = counts.startMs[i] as number;
    const e = counts.endMs[i] as number;
    if (!(e > s)) continue;
    const v = ideal ? idealAt(ideal, (s + e) / 2) : Number.NaN;
    const ict = v > 0 && v < Number.POSITIVE_INFINITY ? v : fallback;
    const w = firstEndingAfter(windows, s);
    contribution(part, counts, i, s, e, ict, windows, w);
    const kEnd = lowerBound(edges, e); // edges ≥ e see the whole interval
    for (let f = 0; f < NF; f++) full[kEnd * NF + f] = (full[kEnd * NF + f] as number) + (part[f] as number);
    // Edges strictly inside (s, e) see only the part before them.
    for (let k = upperBound(edges, s); k < kEnd; k++) {
      contribution(part, counts, i, s, edges[k] as number, ict, windows, w);
      for (let f = 0; f < NF; f++)
        cumulative[k * NF + f] = (cumulative[k * NF + f] as number) + (part[f] as number);
    }
  }
  const run = new Float64Array(NF);
  for (let k = 0; k < nE; k++)
    for (let f = 0; f < NF; f++) {
      run[f] = (run[f] as number) + (full[k * NF + f] as number);
      cumulative[k * NF + f] = (cumulative[k * NF + f] as number) + (run[f] as number);
    }
  return { edges, cumulative };
}

/** Writes the fields of increment i over [a, b) ⊆ its interval into `row`. */
function contribution(
  row: Float64Array,
  c: PlacedCounts,
  i: number,
  a: number,
  b: number,
  ictS: number,
  windows: Interval[],
  firstWindow: number,
): void {
  row.fill(0);
  const len = (c.endMs[i] as number) - (c.startMs[i] as number);
  if (len <= 0 || b <= a) return;
  const g = c.good[i] as number;
  const r = c.reject[i] as number;
  if (Number.isNaN(g) || Number.isNaN(r)) {
    row[8] = b - a;
    return;
  }
  const frac = (b - a) / len;
  const gf = frac === 1 ? g : g * frac;
  const rf = frac === 1 ? r : r * frac;
  if (c.unattributed[i] === 1) {
    row[9] = gf;
    row[10] = rf;
    return;
  }
  let inWindowMs = 0;
  for (let k = firstWindow; k < windows.length; k++) {
    const win = windows[k] as Interval;
    if (win.startMs >= b) break;
    inWindowMs += Math.max(0, Math.min(win.endMs, b) - Math.max(win.startMs, a));
  }
  const sr = inWindowMs > 0 ? (r * inWindowMs) / len : 0;
  row[0] = gf;
  row[1] = rf;
  row[2] = sr;
  if (Number.isNaN(ictS)) {
    row[7] = gf + rf;
    return;
  }
  const ictMs = ictS * 1000;
  row[3] = (gf + rf) * ictMs;
  row[4] = gf * ictMs;
  row[5] = rf * ictMs;
  row[6] = sr * ictMs;
}

/** Adds one bucket's counts (difference of the cumulative totals at its two edges). */
export function accumulateCounts(
  t: OeeTotals,
  p: BucketCounts | null,
  bucketStartMs: number,
  bucketEndMs: number,
): void {
  if (!p) return;
  const a = edgeIndex(p.edges, bucketStartMs) * NF;
  const b = edgeIndex(p.edges, bucketEndMs) * NF;
  const d = (f: number) => (p.cumulative[b + f] as number) - (p.cumulative[a + f] as number);
  t.goodCount += d(0);
  t.rejectCount += d(1);
  t.startupRejectCount += d(2);
  t.idealOutputMs += d(3);
  t.goodIdealMs += d(4);
  t.rejectIdealMs += d(5);
  t.startupRejectIdealMs += d(6);
  t.piecesWithoutIdealCycle += d(7);
  t.countGapMs += d(8);
  t.unattributedGoodCount += d(9);
  t.unattributedRejectCount += d(10);
}

/** The ideal cycle time in force at t (latest sample at or before t), NaN before the first. */
function idealAt(ideal: IdealCycleSamples, t: number): number {
  const k = upperBound(ideal.tsMs, t) - 1;
  return k >= 0 ? (ideal.seconds[k] as number) : Number.NaN;
}

/** Index of the first window whose end is after t (windows sorted, not overlapping). */
function firstEndingAfter(windows: Interval[], t: number): number {
  let lo = 0;
  let hi = windows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((windows[mid] as Interval).endMs <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with a[i] ≥ t. */
function lowerBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with a[i] > t. */
function upperBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function edgeIndex(edges: Float64Array, t: number): number {
  const k = lowerBound(edges, t);
  if (edges[k] !== t) throw new Error(`internal: ${t} is not a bucket edge`);
  return k;
}
