import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series } from '../test-support.js';
import { unitConsumption } from './unit-consumption.js';

const prod = (h: number) => h >= 8 && h < 17 && h !== 12; // 32 production quarter-hours a workday

describe('rule 10: energy per unit of product', () => {
  it('compares a clinker line with the national benchmark and baseline (hand-computed)', () => {
    const reg = registry(
      [
        device('ML', 'meter', { meterRole: 'equipment', assetPath: 'WS1/L1' }),
        device('MC', 'meter', { meterRole: 'utility', medium: 'coal', assetPath: 'WS1/L1' }),
      ],
      { products: [{ id: 'CLK', name: '熟料', unit: 't', benchmarkKey: 'cementClinker' }] },
    );
    // A day: 50 kW × 24 h = 1 200 kWh (× 0.1229 = 147.48 kgce) + 1.5 t raw coal (× 714.3 = 1 071.45 kgce); 10 t clinker.
    const coal = {
      deviceId: 'MC',
      medium: 'coal' as const,
      unit: 't' as const,
      consumption: series(MONDAY, PER_DAY, () => 1.5 / PER_DAY),
      consumptionSource: 'counter' as const,
      counterResets: 0,
      counterRollovers: 0,
    };
    const inp = input({
      registry: reg,
      days: 1,
      meters: [elecMeter('ML', MONDAY, PER_DAY, () => 50), coal],
      lines: [
        {
          assetPath: 'WS1/L1',
          productId: 'CLK',
          output: series(MONDAY, PER_DAY, (_, t) => (prod(t.hour) ? 10 / 32 : 0)),
          source: { deviceId: 'K1', metric: 'goodCount' },
        },
      ],
    });
    const out = unitConsumption.run(buildContext(inp));
    const f = out.findings[0]!;
    expect(f.evidence.figures.find((x) => x.key === 'secKgce')!.value).toBeCloseTo(121.893, 9);
    expect(f.severity).toBe('high'); // worse than the 117 kgce/t baseline
    expect(out.indicators![0]!.assessment).toBe('worse');
    // Down to the 100 kgce/t benchmark: 1 218.93 − 1 000 = 218.93 kgce a day → ×365 = 79.909 tce.
    expect(f.saving!.tce).toBeCloseTo(79.90945, 9);
    expect(f.saving!.energyKwh).toBeCloseTo((218.93 / 1218.93) * 1200 * 365, 6);
  });

  it('compares the last 7 production days with the median day when no benchmark applies', () => {
    const reg = registry([device('ML', 'meter', { meterRole: 'equipment', assetPath: 'WS1/L1' })], {
      products: [{ id: 'P', name: '轴', unit: 'pcs' }],
    });
    // Two weeks: weekdays 100 pcs; week 1 at 1 000 kWh/day (10 kWh/pc), week 2 at 2 000 kWh/day (20 kWh/pc).
    const inp = input({
      registry: reg,
      days: 14,
      meters: [
        elecMeter('ML', MONDAY, 14 * PER_DAY, (_, t) =>
          t.weekday > 5 ? 5 : t.day < 7 ? 1000 / 24 : 2000 / 24,
        ),
      ],
      lines: [
        {
          assetPath: 'WS1/L1',
          productId: 'P',
          output: series(MONDAY, 14 * PER_DAY, (_, t) => (t.weekday <= 5 && prod(t.hour) ? 100 / 32 : 0)),
          source: { deviceId: 'K1', metric: 'goodCount' },
        },
      ],
    });
    const f = unitConsumption.run(buildContext(inp)).findings[0]!;
    const figure = (k: string) => f.evidence.figures.find((x) => x.key === k)!.value!;
    expect(figure('medianDaySec')).toBeCloseTo(15, 9); // (10 + 20) / 2
    expect(figure('last7Sec')).toBeCloseTo(12_000 / 700, 9); // Thu, Fri of week 1 + week 2
    expect(f.severity).toBe('low');
    // (17.142857 − 15) × 700 = 1 500 kWh over Thu (day 3) … Fri (day 11) = 9 days = 216 h.
    expect(f.saving!.observedKwh).toBeCloseTo(1500, 9);
    expect(f.saving!.energyKwh).toBeCloseTo((1500 * 8760) / 216, 6);
  });

  it('is skipped without line output and notes a line without a meter', () => {
    const reg = registry([]);
    expect(
      unitConsumption.run(buildContext(input({ registry: reg, days: 1, meters: [] }))).skipped?.en,
    ).toMatch(/no line output/);
    const out = unitConsumption.run(
      buildContext(
        input({
          registry: reg,
          days: 1,
          meters: [],
          lines: [
            {
              assetPath: 'WS9/L9',
              output: series(MONDAY, PER_DAY, () => 1),
              source: { deviceId: 'K', metric: 'goodCount' },
            },
          ],
        }),
      ),
    );
    expect(out.notes!.map((n) => n.code)).toEqual(['lineWithoutMeter']);
  });

  it('leaves days cut by the period out of the energy per unit (a period starting at noon)', () => {
    const reg = registry([device('ML', 'meter', { meterRole: 'equipment', assetPath: 'WS1/L1' })], {
      products: [{ id: 'P', name: '轴', unit: 'pcs' }],
    });
    // 10 kW fixed load all day + 1 kWh per piece made in production; 100 pcs per workday. The period starts
    // Monday 12:00: Monday afternoon carries 13 h of fixed load but 56 pcs.
    const from = MONDAY + 12 * 3_600_000;
    const n = 2.5 * PER_DAY;
    const out = (_: number, t: { hour: number; weekday: number }) =>
      t.weekday <= 5 && prod(t.hour) ? 100 / 32 : 0;
    const inp = input({
      registry: reg,
      fromMs: from,
      days: 2.5,
      meters: [elecMeter('ML', from, n, (i, t) => 10 + out(i, t) * 4)],
      lines: [
        {
          assetPath: 'WS1/L1',
          productId: 'P',
          output: series(from, n, out),
          source: { deviceId: 'K1', metric: 'goodCount' },
        },
      ],
    });
    const f = unitConsumption.run(buildContext(inp)).indicators![0]!;
    // Whole days Tue, Wed only: (2 × 240 kWh + 200 kWh) ÷ 200 pcs = 3.4 kWh/pc.
    expect(f.value).toBeCloseTo(3.4, 12);
  });
});
