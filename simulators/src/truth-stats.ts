/**
 * Plain, slow, obviously-correct statistics for the ground truth — written apart from the platform's
 * implementations (energy/series.ts, the demand rule) so a bug there cannot hide in both.
 */

/** The q-quantile by full sort, linear interpolation between closest ranks (Hyndman–Fan type 7). */
export function quantileBySort(values: readonly number[], q: number): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(v.length - 1, lo + 1);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

/** Means of consecutive blocks of `per` values (only whole blocks). */
export function blockMeans(values: readonly number[], per: number): number[] {
  const out: number[] = [];
  for (let a = 0; a + per <= values.length; a += per) {
    let s = 0;
    for (let k = a; k < a + per; k++) s += values[k]!;
    out.push(s / per);
  }
  return out;
}

/**
 * 15-min sliding demand (滑差): mean power of every window of `windowTicks` ticks starting every `stepTicks`
 * ticks; `powerKw[k]` is the mean power of tick interval k. Returns [start index, kW] per window.
 */
export function slidingDemand(
  powerKw: readonly number[],
  windowTicks: number,
  stepTicks: number,
): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a + windowTicks <= powerKw.length; a += stepTicks) {
    let s = 0;
    for (let k = a; k < a + windowTicks; k++) s += powerKw[k]!;
    out.push([a, s / windowTicks]);
  }
  return out;
}
