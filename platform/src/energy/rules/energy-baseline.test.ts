import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series } from '../test-support.js';
import { energyBaseline } from './energy-baseline.js';

// 20 days of output P and metered electricity E; expected figures from numpy.linalg.lstsq on the same
// daily data (independent of this code), t(0.95, 10) = 1.812461123 from the t table.
const P = [100, 120, 90, 110, 130, 95, 105, 125, 115, 85, 100, 120, 110, 100, 130, 90, 120, 105, 95, 115];
function plant(energyOfDay: (d: number) => number, options: object = {}) {
  const n = 20 * PER_DAY;
  return input({
    registry: registry([device('M0', 'meter', { meterRole: 'mainIncomer' })]),
    days: 20,
    meters: [elecMeter('M0', MONDAY, n, (_, t) => (energyOfDay(t.day) / PER_DAY) * 4)],
    lines: [
      {
        assetPath: 'WS1/L1',
        output: series(MONDAY, n, (_, t) => P[t.day]! / PER_DAY),
        source: { deviceId: 'K', metric: 'goodCount' },
      },
    ],
    options,
  });
}

describe('rule 11: energy baseline and savings verification', () => {
  it('verifies a measure: 12 baseline days, 8 reporting days at 90 % of the model', () => {
    const e = (d: number) => (d < 12 ? 500 + 2 * P[d]! + (d % 2 ? -10 : 10) : 0.9 * (500 + 2 * P[d]!));
    const measure = { id: 'VSD', name: '空压机变频改造', dateMs: MONDAY + 12 * 86_400_000 };
    const out = energyBaseline.run(buildContext(plant(e, { measures: [measure] })));
    const v = out.verification![0]!;
    expect(v.model.n).toBe(12);
    expect(v.model.coefficients[0]).toBeCloseTo(507.12190651, 6);
    expect(v.model.coefficients[1]).toBeCloseTo(1.9340055, 7);
    // G14 criteria out of sample (blocked 5-fold cross-validation over the 12 days; figures from a plain
    // Python re-implementation): the in-sample NMBE of OLS with an intercept is 0 and proves nothing.
    expect(v.model.cvRmsePct).toBeCloseTo(1.7464596694956496, 9);
    expect(v.model.nmbePct).toBeCloseTo(0.004104084749017223, 9);
    expect(v.model.inSampleCvRmsePct).toBeCloseTo(1.5239824309888916, 9);
    expect(v.model.evaluation).toBe('blocked k-fold cross-validation');
    expect(v.model.passes).toBe(true);
    expect(v.reportingDays).toBe(8);
    expect(v.savedKwh).toBeCloseTo(572.89000917, 6);
    expect(v.savedFraction).toBeCloseTo(0.09998272362, 9);
    // Residual lag-1 autocorrelation is negative (−0.92): no inflation; U = t · s · √(m + gᵀ(XᵀX)⁻¹g).
    expect(v.uncertaintyKwh).toBeCloseTo(72.2021032566, 5);
    expect(v.confidence).toBe(0.9);
  });

  it('raises a CUSUM drift alarm when consumption steps 60 kWh/day above the baseline', () => {
    const e = (d: number) => (d < 10 ? 500 + 2 * P[d]! + (d % 2 ? -5 : 5) : 500 + 2 * P[d]! + 60);
    const out = energyBaseline.run(buildContext(plant(e)));
    const f = out.findings.find((x) => x.id === 'energyBaseline:drift')!;
    // Baseline on the first 10 days (σ = 5.587), alarm on day 10; excess over days 10–19 = 599.88 kWh.
    expect(f.when.fromMs).toBe(MONDAY + 10 * 86_400_000);
    expect(f.evidence.figures.find((x) => x.key === 'excessKwh')!.value).toBeCloseTo(599.8787878788, 6);
    expect(f.evidence.figures.find((x) => x.key === 'residualSigmaKwh')!.value).toBeCloseTo(
      5.586780934681554,
      9,
    );
    expect(f.severity).toBe('low'); // 599.9 / 7 170.1 = 8.4 %
    expect(f.saving!.energyKwh).toBeCloseTo((599.8787878788 * 8760) / 240, 5);
    expect(out.indicators!.find((i) => i.key === 'baseline:cvRmse')!.assessment).toBe('within');
  });

  it('fails the G14 check out of sample when the model does not predict (in sample it always "passes" NMBE)', () => {
    // Consumption that does not follow output at all: a level shift halfway. In sample, OLS still has NMBE 0.
    const e = (d: number) => (d < 6 ? 400 : 900) + (d % 3) * 5;
    const measure = { id: 'M', name: 'x', dateMs: MONDAY + 12 * 86_400_000 };
    const v = energyBaseline.run(buildContext(plant(e, { measures: [measure] }))).verification![0]!;
    expect(v.model.nmbePct).not.toBeCloseTo(0, 1);
    expect(v.model.cvRmsePct!).toBeGreaterThan(30);
    expect(v.model.passes).toBe(false);
  });

  it('is skipped without a relevant variable', () => {
    const inp = plant(() => 500);
    inp.lines = [];
    expect(energyBaseline.run(buildContext(inp)).skipped?.en).toMatch(/no output or temperature/);
  });
});
