import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series } from '../test-support.js';
import { loadRate } from './load-rate.js';

// 1 000 kVA transformer, P0 = 1.5 kW, Pk = 10 kW: β_econ = √0.15 = 0.3873, best zone from 1.33 × 0.15 = 0.1995.
const tr = { id: 'T1', ratedKva: 1000, noLoadLossKw: 1.5, loadLossKw: 10, meterDeviceId: 'M0' };

function plant(pKw: number, qKvar: number) {
  const reg = registry([device('M0', 'meter', { meterRole: 'mainIncomer' })], { transformers: [tr] });
  return input({
    registry: reg,
    days: 1,
    meters: [
      elecMeter('M0', MONDAY, PER_DAY, () => pKw, {
        reactiveKvarh: series(MONDAY, PER_DAY, () => qKvar * 0.25),
      }),
    ],
  });
}

describe('rule 8: load rate', () => {
  it('flags a lightly loaded transformer with hand-computed losses', () => {
    // S = √(120² + 90²) = 150 kVA → β = 0.15 < 0.1995.
    const out = loadRate.run(buildContext(plant(120, 90)));
    const f = out.findings[0]!;
    const figure = (k: string) => f.evidence.figures.find((x) => x.key === k)!.value!;
    expect(figure('meanLoadRate')).toBeCloseTo(0.15, 12);
    expect(figure('economicLoadRate')).toBeCloseTo(Math.sqrt(0.15), 12);
    expect(figure('bestZoneLow')).toBeCloseTo(1.33 * 0.15, 12);
    // Losses: (1.5 + 0.15² × 10) kW × 24 h = 41.4 kWh.
    expect(figure('lossKwh')).toBeCloseTo(41.4, 9);
    expect(f.severity).toBe('low');
    expect(f.title.en).toMatch(/lightly loaded/);
  });

  it('flags overload above 0.85 and stays quiet in the economic zone', () => {
    const over = loadRate.run(buildContext(plant(720, 540))).findings[0]!; // S = 900 kVA → 0.9
    expect(over.severity).toBe('medium');
    expect(over.evidence.figures.find((x) => x.key === 'maxLoadRate')!.value).toBeCloseTo(0.9, 12);
    const ok = loadRate.run(buildContext(plant(400, 300))); // β = 0.5
    expect(ok.findings).toEqual([]);
    expect(ok.indicators![0]!.assessment).toBe('within');
  });

  it('rates a machine drive against its nameplate: 9 kW running on 30 kW is uneconomic', () => {
    const reg = registry([
      device('MM', 'meter', { meterRole: 'equipment', assetPath: 'WS1/L1/P1' }),
      device('P1', 'machine', { assetPath: 'WS1/L1/P1', ratedPowerKw: 30, name: '水泵' }),
    ]);
    const inp = input({
      registry: reg,
      days: 1,
      meters: [elecMeter('MM', MONDAY, PER_DAY, (_, t) => (t.hour >= 8 && t.hour < 16 ? 9 : 0.5))],
    });
    const f = loadRate.run(buildContext(inp)).findings[0]!;
    expect(f.where.deviceId).toBe('P1');
    expect(f.evidence.figures.find((x) => x.key === 'loadRate')!.value).toBeCloseTo(0.3, 12);
    expect(f.evidence.figures.find((x) => x.key === 'runningHours')!.value).toBe(8); // 0.5 kW < 5 % of 30 kW is not running
  });

  it('counts only the time a machine executes as running: standby and idling do not make a drive "oversized"', () => {
    // 7 kW-rated drive: 5 kW (71 %) while executing 08–16, 2.5 kW idle 16–17, 1 kW standby otherwise.
    const reg = registry([
      device('MM', 'meter', { meterRole: 'equipment', assetPath: 'WS1/L1/D1', measures: ['D1'] }),
      device('D1', 'machine', { assetPath: 'WS1/L1/D1', ratedPowerKw: 7, standbyPowerKw: 1 }),
    ]);
    const kw = (_: number, t: { hour: number }) => (t.hour >= 8 && t.hour < 16 ? 5 : t.hour === 16 ? 2.5 : 1);
    const inp = input({
      registry: reg,
      days: 1,
      meters: [elecMeter('MM', MONDAY, PER_DAY, kw)],
      machines: [
        {
          deviceId: 'D1',
          states: {
            tMs: Float64Array.from([MONDAY, MONDAY + 8 * 3.6e6, MONDAY + 16 * 3.6e6, MONDAY + 17 * 3.6e6]),
            state: Uint8Array.from([0, 3, 2, 0]),
          },
        },
      ],
    });
    const out = loadRate.run(buildContext(inp));
    // On main every quarter-hour above 5 % of 7 kW counted: (8 × 5 + 2.5 + 15 × 1) / 24 h = 2.4 kW → 34 % → "low".
    expect(out.findings).toEqual([]);
    expect(out.indicators!.find((i) => i.key === 'equipmentLoad:D1')!.value).toBeCloseTo(5 / 7, 12);
  });
});
