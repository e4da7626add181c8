import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series } from '../test-support.js';
import { powerFactor } from './power-factor.js';

// One March Monday, constant 100 kW at PF 0.80 on the incomer (75 kvar), a feeder at 40 kW and PF 0.85.
function plant(price?: number) {
  const reg = registry([
    device('M0', 'meter', { meterRole: 'mainIncomer', name: '总进线' }),
    device('M1', 'meter', { meterRole: 'feeder', parentMeter: 'M0', name: '馈线1' }),
  ]);
  const tan = (pf: number) => Math.tan(Math.acos(pf));
  return input({
    registry: reg,
    days: 1,
    meters: [
      elecMeter('M0', MONDAY, PER_DAY, () => 100, {
        reactiveKvarh: series(MONDAY, PER_DAY, () => 75 * 0.25),
      }),
      elecMeter('M1', MONDAY, PER_DAY, () => 40, {
        reactiveKvarh: series(MONDAY, PER_DAY, () => 40 * tan(0.85) * 0.25),
      }),
    ],
    options: price ? { flatPriceCnyPerKwh: price } : {},
  });
}

describe('rule 4: power factor', () => {
  it('computes the incomer PF, the 215号 surcharge and the capacitor bank (hand-computed)', () => {
    const out = powerFactor.run(buildContext(plant(1)));
    const f = out.findings.find((x) => x.where.deviceId === 'M0')!;
    const figure = (k: string) => f.evidence.figures.find((x) => x.key === k)!.value!;
    // 2 400 kWh and 1 800 kvarh → PF 0.80; 0.90 standard: 10 steps × 0.5 % = +5 % → high.
    expect(figure('powerFactor')).toBe(0.8);
    expect(figure('adjustmentPct')).toBeCloseTo(5, 12);
    expect(f.severity).toBe('high');
    // Qc = 100 kW × (0.75 − tan(acos 0.95)) = 42.13 kvar; target 0.95 = the 0.90 table's credit cap.
    expect(figure('capacitorKvar')).toBeCloseTo(100 * (0.75 - Math.sqrt(0.0975) / 0.95), 9);
    expect(figure('targetPf')).toBe(0.95);
    // Energy charge at flat 1 ¥: 100 kW × (6·0.4 + 6 + 2·0.4 + 2 + 8·1.6) h = 2 400 ¥ → surcharge 120 ¥.
    expect(figure('surchargeCny')).toBeCloseTo(120, 9);
    // Saving: from +5 % to the −0.75 % credit = 5.75 % of 2 400 ¥ = 138 ¥ a day → ×365.
    expect(f.saving!.costCny).toBeCloseTo(138 * 365, 6);
    expect(f.saving!.energyKwh).toBe(0);
  });

  it('flags a feeder below the standard without a surcharge of its own', () => {
    const out = powerFactor.run(buildContext(plant()));
    const f = out.findings.find((x) => x.where.deviceId === 'M1')!;
    expect(f.severity).toBe('low');
    expect(f.evidence.figures.find((x) => x.key === 'powerFactor')!.value).toBe(0.85);
    expect(f.evidence.figures.find((x) => x.key === 'adjustmentPct')!.value).toBeNull();
    expect(f.saving!.costCny).toBeNull();
    expect(out.indicators!.map((i) => [i.where, i.value])).toEqual([
      ['M0', 0.8],
      ['M1', 0.85],
    ]);
  });

  it('applies the factory contract standard 0.85', () => {
    const inp = plant();
    inp.registry.factory.powerFactorStandard = 0.85;
    const out = powerFactor.run(buildContext(inp));
    // M1 at 0.85 is on the standard: no finding; M0 at 0.80: 5 steps × 0.5 % = 2.5 % → medium.
    expect(out.findings.map((f) => f.where.deviceId)).toEqual(['M0']);
    expect(out.findings[0]!.evidence.figures.find((x) => x.key === 'adjustmentPct')!.value).toBeCloseTo(
      2.5,
      12,
    );
    expect(out.findings[0]!.severity).toBe('medium');
  });
});
