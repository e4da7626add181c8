import { describe, expect, it } from 'vitest';
import { cvRmsePct, lag1Autocorrelation, nmbePct, tabularCusum } from './fit-metrics.js';
import { ols, predict } from './regression.js';
import { tCdf, tQuantile } from './student-t.js';

const f64 = (a: number[]) => Float64Array.from(a);

describe('ordinary least squares and ASHRAE Guideline 14 fit metrics', () => {
  it('reproduces the hand-computed textbook line y = 2.2 + 0.6x', () => {
    // x = 1..5, y = 2,4,5,4,5: x̄ = 3, ȳ = 4, Sxy = 6, Sxx = 10 → b = 0.6, a = 2.2.
    // ŷ = 2.8 3.4 4.0 4.6 5.2; residuals −0.8 0.6 1.0 −0.6 −0.2; SSE = 2.4; SST = 6.
    const fit = ols([f64([1, 2, 3, 4, 5])], f64([2, 4, 5, 4, 5]))!;
    expect(fit.beta[0]).toBeCloseTo(2.2, 12);
    expect(fit.beta[1]).toBeCloseTo(0.6, 12);
    expect(fit.sse).toBeCloseTo(2.4, 12);
    expect(fit.r2).toBeCloseTo(0.6, 12);
    expect(fit.s).toBeCloseTo(Math.sqrt(0.8), 12);
    // CV(RMSE) = 100·√(2.4/(5−2))/4 = 22.3607 %; NMBE = 0 with an intercept.
    expect(cvRmsePct([2, 4, 5, 4, 5], fit.fitted, 2)).toBeCloseTo(22.360679775, 8);
    expect(nmbePct([2, 4, 5, 4, 5], fit.fitted, 2)).toBeCloseTo(0, 10);
    // (XᵀX)⁻¹ = [[55, −15], [−15, 5]] / 50.
    expect(fit.xtxInv[0]![0]).toBeCloseTo(1.1, 12);
    expect(fit.xtxInv[0]![1]).toBeCloseTo(-0.3, 12);
    expect(fit.xtxInv[1]![1]).toBeCloseTo(0.1, 12);
  });

  it('matches an independent numpy.linalg.lstsq fit of 12 months of energy vs production', () => {
    // Figures computed with numpy 2.4 (lstsq) from the same data, outside this code base.
    const P = f64([120, 135, 150, 110, 160, 170, 145, 130, 155, 165, 140, 125]);
    const E = f64([5300, 5800, 6200, 5050, 6500, 6900, 6050, 5600, 6350, 6700, 5950, 5500]);
    const fit = ols([P], E)!;
    expect(fit.beta[0]).toBeCloseTo(1691.71597633, 6);
    expect(fit.beta[1]).toBeCloseTo(30.26358257, 7);
    expect(fit.sse).toBeCloseTo(12022.59279182, 5);
    expect(fit.r2).toBeCloseTo(0.99662207648, 9);
    expect(cvRmsePct(E, fit.fitted, 2)).toBeCloseTo(0.578697257908, 9);
    expect(Math.abs(nmbePct(E, fit.fitted, 2)!)).toBeLessThan(1e-9);
    // Reporting months P = 150, 160, 140 with metered 5 900, 6 100, 5 500 kWh: savings = Σŷ − Σy.
    const predicted = [150, 160, 140].map((p) => predict(fit, [p]));
    expect(predicted.reduce((a, b) => a + b, 0) - 17_500).toBeCloseTo(1193.76008607, 5);
    // Standard error of the summed savings: s·√(m + gᵀ(XᵀX)⁻¹g), g = Σ reporting rows.
    const g = [3, 450];
    const quad = g.reduce((s, gi, i) => s + gi * g.reduce((t, gj, j) => t + fit.xtxInv[i]![j]! * gj, 0), 0);
    expect(fit.s * Math.sqrt(3 + quad)).toBeCloseTo(68.4366329329, 6);
  });

  it('refuses a fit with no degrees of freedom or a singular design', () => {
    expect(ols([f64([1, 2])], f64([1, 2]))).toBeNull();
    expect(ols([f64([3, 3, 3, 3])], f64([1, 2, 3, 4]))).toBeNull();
  });
});

describe("Student's t", () => {
  it('gives the table quantiles', () => {
    expect(tQuantile(0.95, 1)).toBeCloseTo(6.313751515, 6);
    expect(tQuantile(0.95, 10)).toBeCloseTo(1.812461123, 7);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.042272456, 7);
    expect(tQuantile(0.05, 10)).toBeCloseTo(-1.812461123, 7);
    expect(tCdf(0, 7)).toBeCloseTo(0.5, 12);
  });
});

describe('drift statistics', () => {
  it('raises a tabular CUSUM alarm at the hand-computed step', () => {
    // σ = 1, k = 0.5, h = 5: residuals 0,0,0 then +2 each: C⁺ grows by 1.5 per step → 1.5, 3, 4.5, 6 → alarm at index 6.
    const r = [0, 0, 0, 2, 2, 2, 2, 2];
    const c = tabularCusum(r, 1, 0.5, 5);
    expect(c.alarmIndex).toBe(6);
    expect(c.direction).toBe('up');
    expect(c.runStartIndex).toBe(3);
    expect(Array.from(c.cumulative)).toEqual([0, 0, 0, 2, 4, 6, 8, 10]);
    expect(tabularCusum([0.4, -0.4, 0.4, -0.4], 1, 0.5, 5).alarmIndex).toBe(-1);
  });

  it('computes the lag-1 autocorrelation', () => {
    // mean 0: num = (1·−1)·3 = −3, den = 4 → −0.75
    expect(lag1Autocorrelation([1, -1, 1, -1])).toBeCloseTo(-0.75, 12);
  });
});

describe('quantile', () => {
  it('interpolates between closest ranks (type 7), skips NaN and honours a mask', async () => {
    const { quantile } = await import('../series.js');
    const v = Float64Array.from([5, 1, Number.NaN, 4, 2, 3]);
    expect(quantile(v, 0)).toBe(1);
    expect(quantile(v, 1)).toBe(5);
    expect(quantile(v, 0.5)).toBe(3);
    expect(quantile(v, 0.95)).toBeCloseTo(4.8, 12); // pos 3.8 between 4 and 5
    expect(quantile(v, 0.5, Uint8Array.from([1, 1, 1, 0, 0, 0]))).toBe(3); // {5, 1} → 3
    expect(quantile(Float64Array.from([Number.NaN]), 0.5)).toBeNaN();
    // A large skewed sample agrees with a full sort.
    const big = Float64Array.from({ length: 10_001 }, (_, i) => ((i * 7919) % 10_001) ** 2);
    const sorted = Float64Array.from(big).sort();
    expect(quantile(big, 0.95)).toBe(sorted[9500]);
    expect(quantile(big, 0.5)).toBe(sorted[5000]);
    // pos = 0.25 × 10 000 = 2 500 exactly; 0.00015 × 10 000 = 1.5 → halfway between ranks 1 and 2.
    expect(quantile(big, 0.25)).toBe(sorted[2500]);
    expect(quantile(big, 0.00015)).toBeCloseTo((sorted[1]! + sorted[2]!) / 2, 6);
  });
});
