import type { Interval } from './timeline.js';
import type { CountIncrements, IdealCycleSamples, OeeTotals } from './types.js';

/**
 * Good/reject counts per bucket. Counter increases come per interval (the store's counterIncrease); an
 * interval straddling a bucket edge is prorated by overlap, so shift and day totals add up to the period.
 * Each piece is valued at the ideal cycle time in force at its interval's midpoint (it changes with the
 * product); a gap interval (NaN) adds to countGapMs, never to the counts; rejects inside a post-setup window
 * are start-up rejects.
 *
 * One forward pass per machine computes the cumulative totals at every bucket edge (period, days, shifts);
 * a bucket is the difference of its two edges. Linear in the number of intervals, no per-interval arrays.
 */
const NF = 9; // good, reject, startup, ideal, goodIdeal, rejectIdeal, startupIdeal, noIdeal, gap

export type BucketCounts = { edges: Float64Array; cumulative: Float64Array };

export function countsAtEdges(
  counts: CountIncrements | undefined,
  ideal: IdealCycleSamples | undefined,
  defaultIdealCycleS: number | undefined,
  windows: Interval[],
  buckets: Interval[],
): BucketCounts | null {
  if (!counts) return null;
  const edges = Float64Array.from(new Set(buckets.flatMap((b) => [b.startMs, b.endMs]))).sort();
  const nE = edges.length;
  const cumulative = new Float64Array(nE * NF);
  const run = new Float64Array(NF);
  const part = new Float64Array(NF);
  const fallback =
    defaultIdealCycleS !== undefined && defaultIdealCycleS > 0 ? defaultIdealCycleS : Number.NaN;
  const { startMs, endMs } = counts;
  const n = startMs.length;
  let j = -1;
  let w = 0;
  let k = 0;
  const store = (src: Float64Array, extra: Float64Array | null) => {
    for (let f = 0; f < NF; f++)
      cumulative[k * NF + f] = (src[f] as number) + (extra ? (extra[f] as number) : 0);
    k++;
  };
  for (let i = 0; i < n; i++) {
    const s = startMs[i] as number;
    const e = endMs[i] as number;
    while (k < nE && (edges[k] as number) <= s) store(run, null);
    if (ideal) {
      const mid = (s + e) / 2;
      while (j + 1 < ideal.tsMs.length && (ideal.tsMs[j + 1] as number) <= mid) j++;
    }
    const v = ideal && j >= 0 ? (ideal.seconds[j] as number) : Number.NaN;
    const ict = v > 0 && v < Number.POSITIVE_INFINITY ? v : fallback;
    while (w < windows.length && (windows[w] as Interval).endMs <= s) w++;
    // Edges inside this interval see only its part before the edge.
    while (k < nE && (edges[k] as number) < e) {
      contribution(part, counts, i, s, edges[k] as number, ict, windows, w, false);
      store(run, part);
    }
    contribution(run, counts, i, s, e, ict, windows, w, true);
  }
  while (k < nE) store(run, null);
  return { edges, cumulative };
}

/** Adds the fields of increment i over [a, b) ⊆ its interval to `row` (accumulate) or writes them (reset). */
function contribution(
  row: Float64Array,
  c: CountIncrements,
  i: number,
  a: number,
  b: number,
  ictS: number,
  windows: Interval[],
  firstWindow: number,
  accumulate: boolean,
): void {
  if (!accumulate) row.fill(0);
  const len = (c.endMs[i] as number) - (c.startMs[i] as number);
  if (len <= 0 || b <= a) return;
  const g = c.good[i] as number;
  const r = c.reject[i] as number;
  if (Number.isNaN(g) || Number.isNaN(r)) {
    row[8] = (row[8] as number) + (b - a);
    return;
  }
  const frac = (b - a) / len;
  let inWindowMs = 0;
  for (let k = firstWindow; k < windows.length; k++) {
    const win = windows[k] as Interval;
    if (win.startMs >= b) break;
    inWindowMs += Math.max(0, Math.min(win.endMs, b) - Math.max(win.startMs, a));
  }
  const gf = frac === 1 ? g : g * frac;
  const rf = frac === 1 ? r : r * frac;
  const sr = inWindowMs > 0 ? (r * inWindowMs) / len : 0;
  row[0] = (row[0] as number) + gf;
  row[1] = (row[1] as number) + rf;
  row[2] = (row[2] as number) + sr;
  if (Number.isNaN(ictS)) {
    row[7] = (row[7] as number) + gf + rf;
    return;
  }
  const ictMs = ictS * 1000;
  row[3] = (row[3] as number) + (gf + rf) * ictMs;
  row[4] = (row[4] as number) + gf * ictMs;
  row[5] = (row[5] as number) + rf * ictMs;
  row[6] = (row[6] as number) + sr * ictMs;
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
}

function edgeIndex(edges: Float64Array, t: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((edges[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  if (edges[lo] !== t) throw new Error(`internal: ${t} is not a bucket edge`);
  return lo;
}
