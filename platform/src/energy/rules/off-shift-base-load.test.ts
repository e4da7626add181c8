import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, states } from '../test-support.js';
import { offShiftBaseLoad } from './off-shift-base-load.js';

// Day shift 08:00–17:00 with a 12:00–13:00 break, Mon–Tue: 15 off-shift hours a day, 30 in total.
const n = 2 * PER_DAY;
const kind = (h: number) => (h >= 8 && h < 17 ? (h === 12 ? 'break' : 'prod') : 'off');
const feederKw = (_: number, t: { hour: number }) => ({ prod: 40, break: 10, off: 20 })[kind(t.hour)];
const ownMainKw = (_: number, t: { hour: number }) => ({ prod: 5, break: 5, off: 0.4 })[kind(t.hour)];

function plant(extra: { options?: object } = {}) {
  const reg = registry([
    device('M0', 'meter', { meterRole: 'mainIncomer', name: '总进线' }),
    device('M1', 'meter', { meterRole: 'feeder', parentMeter: 'M0', name: '一车间', assetPath: 'WS1' }),
  ]);
  return input({
    registry: reg,
    days: 2,
    meters: [
      elecMeter('M0', MONDAY, n, (i, t) => feederKw(i, t) + ownMainKw(i, t)),
      elecMeter('M1', MONDAY, n, feederKw),
    ],
    options: { flatPriceCnyPerKwh: 0.6, ...extra.options },
  });
}

describe('rule 1: off-shift base load', () => {
  it('flags the feeder with the hand-computed excess and annual saving', () => {
    const out = offShiftBaseLoad.run(buildContext(plant()));
    // M0's own load (0.4 kW off vs target 10 % × 5 kW) is below target: only M1 is reported.
    expect(out.findings.map((f) => f.where.deviceId)).toEqual(['M1']);
    const f = out.findings[0]!;
    const figure = (k: string) => f.evidence.figures.find((x) => x.key === k)!.value;
    expect(figure('productionKw')).toBeCloseTo(40, 10);
    expect(figure('offShiftKw')).toBeCloseTo(20, 10);
    expect(figure('targetKw')).toBeCloseTo(4, 10); // 10 % of 40 kW
    expect(figure('excessKw')).toBeCloseTo(16, 10);
    expect(figure('offShiftHours')).toBe(30);
    expect(figure('wasteKwh')).toBeCloseTo(480, 9); // 16 kW × 30 h
    // 16 kW is 40 % of the feeder's own production load → medium (40 %–60 %); 35.6 % of the plant's 45 kW.
    expect(f.severity).toBe('medium');
    // Annualised ×8760/48 = 182.5: 87 600 kWh, ×0.1229 kgce/kWh, ×0.4976 kgCO₂/kWh (Hunan 2023).
    expect(f.saving!.energyKwh).toBeCloseTo(87_600, 6);
    expect(f.saving!.tce).toBeCloseTo(10.76604, 9);
    expect(f.saving!.tco2).toBeCloseTo(43.58976, 9);
    // Cost: per kW-day 0.6 × (6 h valley × 0.4 + 2 h flat + 7 h peak × 1.6) = 9.36 ¥ → 16 kW × 2 d = 299.52 ¥.
    expect(f.saving!.costCny).toBeCloseTo(299.52 * 182.5, 6);
    expect(f.category).toBe('energyEfficiency');
  });

  it('uses a registered standby power as the target and leaves idle quarter-hours to the idle rule', () => {
    const reg = registry([
      device('MM', 'meter', { meterRole: 'equipment', assetPath: 'WS1/L1/CNC1', name: '数控表' }),
      device('CNC1', 'machine', { assetPath: 'WS1/L1/CNC1', name: '数控1', standbyPowerKw: 1 }),
    ]);
    // Off-shift 9 kW, except Monday 17:00–19:00 where the machine idles at 12 kW (the idle rule's).
    const kw = (i: number, t: { hour: number }) =>
      kind(t.hour) === 'prod' ? 20 : i >= 68 && i < 76 ? 12 : kind(t.hour) === 'break' ? 2 : 9;
    const inp = input({
      registry: reg,
      days: 2,
      meters: [elecMeter('MM', MONDAY, n, kw)],
      machines: [
        {
          deviceId: 'CNC1',
          states: states(MONDAY, [
            [0, 0],
            [17, 2],
            [19, 0],
          ]),
        },
      ],
    });
    const [f] = offShiftBaseLoad.run(buildContext(inp)).findings;
    const figure = (k: string) => f!.evidence.figures.find((x) => x.key === k)!.value;
    expect(f!.where.deviceId).toBe('CNC1');
    expect(figure('targetKw')).toBe(1);
    expect(figure('offShiftKw')).toBeCloseTo(9, 10); // the 2 idle hours are excluded
    expect(figure('offShiftHours')).toBe(28);
    expect(figure('wasteKwh')).toBeCloseTo(8 * 28, 9);
    expect(f!.severity).toBe('medium'); // 8 kW of 20 kW
    expect(f!.saving!.costCny).toBeNull(); // no price configured
  });

  it('leaves building base loads below a quarter of the own production load informational', () => {
    // Feeder at 40 kW in production and 12 kW off-shift: 8 kW above target = 20 % of its own load.
    const reg = registry([device('M1', 'meter', { meterRole: 'feeder' })]);
    const inp = input({
      registry: reg,
      days: 2,
      meters: [elecMeter('M1', MONDAY, n, (_, t) => (kind(t.hour) === 'prod' ? 40 : 12))],
    });
    expect(offShiftBaseLoad.run(buildContext(inp)).findings).toEqual([]);
  });

  it('is skipped without a shift calendar', () => {
    const reg = registry([device('M0', 'meter', { meterRole: 'mainIncomer' })], {}, null);
    const out = offShiftBaseLoad.run(
      buildContext(input({ registry: reg, days: 1, meters: [elecMeter('M0', MONDAY, PER_DAY, () => 5)] })),
    );
    expect(out.findings).toEqual([]);
    expect(out.skipped?.en).toMatch(/no shift calendar/);
  });
});
