/**
 * Goodness-of-fit and drift statistics for energy baselines, as ASHRAE Guideline 14-2014 defines them
 * (n − p in the denominators):
 *   CV(RMSE) = 100 · √(Σ(yᵢ − ŷᵢ)² / (n − p)) / ȳ
 *   NMBE     = 100 · Σ(yᵢ − ŷᵢ) / ((n − p) · ȳ)
 * and a tabular (Page) CUSUM of residuals for drift from the baseline (ISO 50006 / SPC practice).
 */
export function cvRmsePct(y: ArrayLike<number>, yHat: ArrayLike<number>, p: number): number | null {
  const n = y.length;
  if (n <= p) return null;
  let sse = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sse += (y[i]! - yHat[i]!) ** 2;
    sum += y[i]!;
  }
  const mean = sum / n;
  return mean === 0 ? null : (100 * Math.sqrt(sse / (n - p))) / mean;
}

export function nmbePct(y: ArrayLike<number>, yHat: ArrayLike<number>, p: number): number | null {
  const n = y.length;
  if (n <= p) return null;
  let bias = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    bias += y[i]! - yHat[i]!;
    sum += y[i]!;
  }
  const mean = sum / n;
  return mean === 0 ? null : (100 * bias) / ((n - p) * mean);
}

/** Lag-1 autocorrelation of residuals (for the effective number of observations). */
export function lag1Autocorrelation(r: ArrayLike<number>): number {
  const n = r.length;
  if (n < 3) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += r[i]!;
  mean /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    den += (r[i]! - mean) ** 2;
    if (i > 0) num += (r[i]! - mean) * (r[i - 1]! - mean);
  }
  return den > 0 ? num / den : 0;
}

export type CusumResult = {
  /** Index of the first alarm, −1 when none. */
  alarmIndex: number;
  direction: 'up' | 'down' | null;
  /** Index where the run that raised the alarm started (last time the statistic was 0). */
  runStartIndex: number;
  /** Plain cumulative sum of residuals (the CUSUM chart of ISO 50006 practice). */
  cumulative: Float64Array;
};

/** Tabular CUSUM: C⁺ = max(0, C⁺ + r − kσ), C⁻ = max(0, C⁻ − r − kσ); alarm when either exceeds hσ. */
export function tabularCusum(residuals: ArrayLike<number>, sigma: number, k: number, h: number): CusumResult {
  const n = residuals.length;
  const cumulative = new Float64Array(n);
  let cp = 0;
  let cm = 0;
  let startUp = 0;
  let startDown = 0;
  let acc = 0;
  let alarmIndex = -1;
  let direction: CusumResult['direction'] = null;
  let runStartIndex = -1;
  for (let i = 0; i < n; i++) {
    const r = residuals[i]!;
    acc += r;
    cumulative[i] = acc;
    if (alarmIndex >= 0 || !(sigma > 0)) continue;
    if (cp === 0) startUp = i;
    if (cm === 0) startDown = i;
    cp = Math.max(0, cp + r - k * sigma);
    cm = Math.max(0, cm - r - k * sigma);
    if (cp > h * sigma) {
      alarmIndex = i;
      direction = 'up';
      runStartIndex = startUp;
    } else if (cm > h * sigma) {
      alarmIndex = i;
      direction = 'down';
      runStartIndex = startDown;
    }
  }
  return { alarmIndex, direction, runStartIndex, cumulative };
}
