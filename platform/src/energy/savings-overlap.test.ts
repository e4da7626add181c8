import { describe, expect, it } from 'vitest';
import { buildContext } from './context.js';
import type { Finding } from './finding.js';
import { withoutDoubleCounting } from './savings-overlap.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry } from './test-support.js';

// M0 (incomer) → ML (line meter) → MM (machine meter); MC (compressor) directly under M0.
const ctx = buildContext(
  input({
    registry: registry([
      device('M0', 'meter', { meterRole: 'mainIncomer' }),
      device('ML', 'meter', { meterRole: 'feeder', parentMeter: 'M0', assetPath: 'WS1/L1' }),
      device('MM', 'meter', { meterRole: 'equipment', parentMeter: 'ML', assetPath: 'WS1/L1' }),
      device('MC', 'meter', { meterRole: 'equipment', parentMeter: 'M0' }),
    ]),
    days: 1,
    meters: ['M0', 'ML', 'MM', 'MC'].map((id) => elecMeter(id, MONDAY, PER_DAY, () => 10)),
  }),
);

function f(
  id: string,
  rule: string,
  deviceId: string | undefined,
  kwh: number,
  series: string[] = [],
): Finding {
  return {
    id,
    rule,
    category: 'energyEfficiency',
    severity: 'low',
    title: { zh: id, en: id },
    what: { zh: '', en: '' },
    where: deviceId ? { deviceId } : {},
    when: { fromMs: 0, toMs: 1 },
    evidence: {
      series: series.map((d) => ({ deviceId: d, metric: 'activeEnergyImport', fromMs: 0, toMs: 1 })),
      figures: [],
    },
    saving: {
      energyKwh: kwh,
      tce: kwh * 0.1229e-3,
      tco2: kwh * 0.5e-3,
      costCny: kwh * 0.6,
      observedKwh: kwh / 10,
      observedHours: 876,
      assumptions: [],
      investmentCny: null,
      paybackYears: null,
    },
    recommendation: { zh: '', en: '' },
    basis: [],
  };
}

describe('savings are never counted twice (metering-tree aware)', () => {
  it('an aggregate keeps only what the specific findings inside its part of the tree do not already claim', () => {
    const out = withoutDoubleCounting(ctx, [
      f('offShiftBaseLoad:MM', 'offShiftBaseLoad', 'MM', 1000),
      f('compressedAirLeak:MC', 'compressedAirLeak', 'MC', 2000),
      f('unitConsumption:WS1/L1', 'unitConsumption', undefined, 1500, ['ML']),
      f('energyBaseline:drift', 'energyBaseline', undefined, 5000, ['M0']),
    ]);
    const by = Object.fromEntries(out.map((x) => [x.id, x.saving!]));
    expect(by['offShiftBaseLoad:MM']!.energyKwh).toBe(1000);
    expect(by['compressedAirLeak:MC']!.energyKwh).toBe(2000);
    // The line's 1 500 kWh contain MM's 1 000.
    expect(by['unitConsumption:WS1/L1']!.energyKwh).toBeCloseTo(500, 9);
    expect(by['unitConsumption:WS1/L1']!.costCny).toBeCloseTo(300, 9);
    // The plant's drift of 5 000 contains all three: 5 000 − 1 000 − 2 000 − 500.
    expect(by['energyBaseline:drift']!.energyKwh).toBeCloseTo(1500, 9);
    const total = out.reduce((a, x) => a + x.saving!.energyKwh, 0);
    expect(total).toBeCloseTo(5000, 9); // what the plant really would save, counted once
  });

  it('never lets an aggregate go negative', () => {
    const out = withoutDoubleCounting(ctx, [
      f('offShiftBaseLoad:MM', 'offShiftBaseLoad', 'MM', 1000),
      f('unitConsumption:WS1/L1', 'unitConsumption', undefined, 400, ['ML']),
    ]);
    expect(out[1]!.saving!.energyKwh).toBe(0);
    expect(out[1]!.saving!.assumptions.at(-1)!.en).toMatch(/offShiftBaseLoad:MM/);
  });
});
