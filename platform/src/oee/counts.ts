import type { Interval } from './timeline.js';
import type { CountIncrements, IdealCycleSamples, OeeTotals } from './types.js';

/**
 * Good/reject counts of one bucket. Counter increases come per interval (the store's counterIncrease);
 * an interval straddling the bucket edge is prorated by overlap, so shift and day totals add up to the period.
 * Each piece is valued at the ideal cycle time in force at the interval's midpoint (it changes with the product).
 * A gap interval (NaN) adds to countGapMs and never to the counts.
 */
export function accumulateCounts(
  t: OeeTotals,
  counts: CountIncrements | undefined,
  ideal: IdealCycleSamples | undefined,
  defaultIdealCycleS: number | undefined,
  startupWindows: Interval[],
  bucketStartMs: number,
  bucketEndMs: number,
): void {
  if (!counts) return;
  const n = counts.startMs.length;
  let i = firstEndingAfter(counts.endMs, bucketStartMs);
  const idealAt = idealLookup(ideal, defaultIdealCycleS);
  let w = 0;
  for (; i < n; i++) {
    const s = counts.startMs[i] as number;
    const e = counts.endMs[i] as number;
    if (s >= bucketEndMs) break;
    const len = e - s;
    const a = Math.max(s, bucketStartMs);
    const b = Math.min(e, bucketEndMs);
    if (len <= 0 || b <= a) continue;
    const g = counts.good[i] as number;
    const rj = counts.reject[i] as number;
    if (Number.isNaN(g) || Number.isNaN(rj)) {
      t.countGapMs += b - a;
      continue;
    }
    const frac = (b - a) / len;
    const gf = g * frac;
    const rf = rj * frac;
    t.goodCount += gf;
    t.rejectCount += rf;
    const ictS = idealAt((s + e) / 2);
    // Start-up rejects: the part of this interval inside a post-setup window.
    while (w < startupWindows.length && (startupWindows[w] as Interval).endMs <= a) w++;
    let inWindowMs = 0;
    for (let k = w; k < startupWindows.length; k++) {
      const win = startupWindows[k] as Interval;
      if (win.startMs >= b) break;
      inWindowMs += Math.max(0, Math.min(win.endMs, b) - Math.max(win.startMs, a));
    }
    const startupRejects = rj * (inWindowMs / len);
    t.startupRejectCount += startupRejects;
    if (ictS === null) {
      t.piecesWithoutIdealCycle += gf + rf;
      continue;
    }
    const ictMs = ictS * 1000;
    t.idealOutputMs += (gf + rf) * ictMs;
    t.goodIdealMs += gf * ictMs;
    t.rejectIdealMs += rf * ictMs;
    t.startupRejectIdealMs += startupRejects * ictMs;
  }
}

/** Step-function lookup, called with non-decreasing times (a moving pointer keeps it linear). */
function idealLookup(
  ideal: IdealCycleSamples | undefined,
  defaultS: number | undefined,
): (tMs: number) => number | null {
  const fallback = defaultS !== undefined && defaultS > 0 ? defaultS : null;
  if (!ideal || ideal.tsMs.length === 0) return () => fallback;
  let j = -1;
  const ts = ideal.tsMs;
  return (tMs: number) => {
    if (j >= 0 && (ts[j] as number) > tMs) j = -1; // restarted for a new bucket
    while (j + 1 < ts.length && (ts[j + 1] as number) <= tMs) j++;
    const v = j >= 0 ? (ideal.seconds[j] as number) : Number.NaN;
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
}

function firstEndingAfter(ends: Float64Array, t: number): number {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ends[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
