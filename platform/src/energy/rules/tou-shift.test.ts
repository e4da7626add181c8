import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry } from '../test-support.js';
import { touShift } from './tou-shift.js';

// A March day under Hunan 385号: valley 00–06 & 12–14, flat 06–12 & 14–16, peak 16–24 (no critical in March).
const kw = (_: number, t: { hour: number }) => (t.hour >= 16 ? 200 : 100);
function plant(options: object = {}) {
  const reg = registry([
    device('M0', 'meter', { meterRole: 'mainIncomer' }),
    device('M1', 'meter', { meterRole: 'feeder', parentMeter: 'M0' }),
  ]);
  return input({
    registry: reg,
    days: 1,
    meters: [
      elecMeter('M0', MONDAY, PER_DAY, kw),
      elecMeter('M1', MONDAY, PER_DAY, (_, t) => (t.hour >= 16 ? 50 : 0)),
    ],
    options: { flatPriceCnyPerKwh: 1, ...options },
  });
}

describe('rule 6: time-of-use shifting', () => {
  it('computes the peak share and the assumed-shift saving (hand-computed)', () => {
    const f = touShift.run(buildContext(plant())).findings[0]!;
    const figure = (k: string) => f.evidence.figures.find((x) => x.key === k)!.value!;
    // Peak 8 h × 200 = 1 600 kWh of 3 200 kWh = 50 % while peak is 8 of 24 h = 33.3 %.
    expect(figure('peakKwh')).toBeCloseTo(1600, 9);
    expect(figure('valleyKwh')).toBeCloseTo(800, 9);
    expect(figure('flatKwh')).toBeCloseTo(800, 9);
    expect(figure('peakShare')).toBeCloseTo(50, 9);
    expect(figure('peakTimeShare')).toBeCloseTo(100 / 3, 9);
    // The shift potential rests on an assumed 10 % (no flexible load declared): information only.
    expect(f.severity).toBe('info');
    // 10 % of 1 600 kWh moved: 160 kWh × (1.6 − 0.4) ¥ = 192 ¥ a day → ×365.
    expect(figure('shiftedKwh')).toBeCloseTo(160, 9);
    expect(f.saving!.costCny).toBeCloseTo(192 * 365, 6);
    expect(f.saving!.energyKwh).toBe(0);
  });

  it('uses the declared flexible loads instead of the assumption', () => {
    const f = touShift.run(buildContext(plant({ flexibleLoads: [{ meterId: 'M1', shiftableShare: 0.5 }] })))
      .findings[0]!;
    // M1: 8 h × 50 kW = 400 kWh in peak, half movable: 200 kWh × 1.2 ¥ = 240 ¥.
    expect(f.evidence.figures.find((x) => x.key === 'shiftedKwh')!.value).toBeCloseTo(200, 9);
    expect(f.saving!.costCny).toBeCloseTo(240 * 365, 6);
    expect(f.saving!.assumptions[0]!.en).toMatch(/M1 50 %/);
  });

  it('stays informational for a load only slightly concentrated in peak hours', () => {
    // 115 kW in peak hours, 100 kW otherwise: 920 / 2 520 kWh = 36.5 % < 1.1 × 33.3 %.
    const reg = registry([device('M0', 'meter', { meterRole: 'mainIncomer' })]);
    const inp = input({
      registry: reg,
      days: 1,
      meters: [elecMeter('M0', MONDAY, PER_DAY, (_, t) => (t.hour >= 16 ? 115 : 100))],
    });
    const f = touShift.run(buildContext(inp)).findings[0]!;
    expect(f.evidence.figures.find((x) => x.key === 'peakShare')!.value).toBeCloseTo((920 / 2520) * 100, 9);
    expect(f.severity).toBe('info');
    expect(f.saving!.costCny).toBeNull(); // no price configured
  });
});
