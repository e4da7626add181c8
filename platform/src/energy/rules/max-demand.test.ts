import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry } from '../test-support.js';
import { maxDemand, slidingMedian } from './max-demand.js';

// Base: 100 kW in production (08–12, 13–17), 50 kW in the 12–13 break, 20 kW off-shift.
const base = (h: number) => (h >= 8 && h < 17 ? (h === 12 ? 50 : 100) : 20);
/** A 60 kW spike between two local times (minutes of the day), integrated into the fixed quarter-hours. */
const withSpike = (fromMin: number, toMin: number) => (_i: number, t: { hour: number; minute: number }) => {
  const a = t.hour * 60 + t.minute;
  const overlap = Math.max(0, Math.min(a + 15, toMin) - Math.max(a, fromMin));
  return base(t.hour) + (60 * overlap) / 15;
};

function plant(spike: ReturnType<typeof withSpike>, contractDemandKw?: number) {
  const reg = registry(
    [device('M0', 'meter', { meterRole: 'mainIncomer', name: '总进线' })],
    contractDemandKw ? { contractDemandKw } : {},
  );
  return input({
    registry: reg,
    days: 1,
    meters: [elecMeter('M0', MONDAY, PER_DAY, spike)],
    options: { demandPriceCnyPerKwMonth: 40 },
  });
}

describe('rule 5: maximum demand', () => {
  it('finds the peaks that set the demand, the shave, and the >105 % contract penalty (hand-computed)', () => {
    const out = maxDemand.run(buildContext(plant(withSpike(600, 630), 150)));
    const f = out.findings[0]!;
    const figure = (k: string) => f.evidence.figures.find((x) => x.key === k)!.value!;
    expect(figure('maxDemandKw')).toBeCloseTo(160, 9);
    expect(figure('sustainedKw')).toBeCloseTo(100, 9); // median of 09:00–11:00: 7 × 100, 2 × 160
    expect(figure('shaveKw')).toBeCloseTo(60, 9);
    expect(figure('utilisationPct')).toBeCloseTo((160 / 150) * 100, 9);
    expect(f.severity).toBe('high'); // 160 > 1.05 × 150 = 157.5
    expect(f.evidence.table!.rows).toEqual([
      ['2026-03-02 10:00', 160, 100],
      ['2026-03-02 10:15', 160, 100],
    ]);
    // Month: 60 kW × 40 ¥ + the double-billed 2.5 kW above 157.5 kW (2.5 × 40 × (2 − 1)) = 2 500 ¥ → ×12.
    expect(figure('savingCny')).toBeCloseTo(2500, 9);
    expect(f.saving!.costCny).toBeCloseTo(30_000, 6);
    expect(f.saving!.energyKwh).toBe(0);
    const lf = out.indicators!.find((i) => i.key.startsWith('loadFactor'))!;
    // Mean demand: (8 h × 100 + 1 h × 50 + 15 h × 20 + 0.5 h × 60) / 24 = 49.1667 kW ÷ 160.
    expect(lf.value).toBeCloseTo((800 + 50 + 300 + 30) / 24 / 160, 9);
  });

  it('measures demand in fixed quarter-hour windows: a 10:05–10:20 spike splits across two windows', () => {
    const f = maxDemand.run(buildContext(plant(withSpike(605, 620)))).findings[0]!;
    // 10:00–10:15 gets 10 of the 15 spike minutes (+40 kW), 10:15–10:30 gets 5 (+20 kW).
    expect(f.evidence.figures.find((x) => x.key === 'maxDemandKw')!.value).toBeCloseTo(140, 9);
    expect(f.evidence.table!.rows.map((r) => r[1])).toEqual([140, 120]);
    expect(f.severity).toBe('low'); // no contract: a shave of 40 kW (28.6 %) is worth a measure
  });

  it('stays silent on a flat profile', () => {
    expect(maxDemand.run(buildContext(plant((_, t) => base(t.hour)))).findings).toEqual([]);
  });

  it('computes a NaN-skipping sliding median', () => {
    const m = slidingMedian(Float64Array.from([1, 9, 2, Number.NaN, 3]), 1);
    expect(Array.from(m)).toEqual([5, 2, 5.5, 2.5, 3]);
  });
});
