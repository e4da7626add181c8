import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series } from '../test-support.js';
import { powerFactor } from './power-factor.js';

/**
 * Rule 4 beyond the constant-load plant of power-factor.test.ts — cases found missing by mutation testing
 * (stryker.rules.conf.mjs): a load that differs between production and the rest of the day (the capacitor is
 * sized on the production-time mean), the demand charge in the adjustment base, gaps, a billing point found
 * as the tree's root when no meter is the main incomer, the month rows and the indicators. All expectations
 * are computed by hand below.
 *
 * One March Monday, the calendar's day shift (08:00–12:00, 13:00–17:00 local: 32 production quarter-hours).
 * M0: 100 kW in production, 20 kW otherwise, reactive 0.75 × active throughout (PF 0.80 every slot).
 */
const tan95 = Math.sqrt(1 - 0.95 ** 2) / 0.95; // tan(acos 0.95)
const inProduction = (h: number) => (h >= 8 && h < 12) || (h >= 13 && h < 17);

function plant(o: { role?: 'mainIncomer' | 'feeder'; gapSlot?: number; options?: object } = {}) {
  const reg = registry([
    device('M0', 'meter', { meterRole: o.role ?? 'mainIncomer', name: '总进线' }),
    // A feeder at PF 0.96 (within) and one without reactive energy (not judged).
    device('M1', 'meter', { meterRole: 'feeder', parentMeter: 'M0', name: '馈线1' }),
    device('M2', 'meter', { meterRole: 'feeder', parentMeter: 'M0', name: '馈线2' }),
  ]);
  const kw = (i: number, t: { hour: number; minute: number }) =>
    i === o.gapSlot ? null : inProduction(t.hour) ? 100 : 20;
  const tan96 = Math.sqrt(1 - 0.96 ** 2) / 0.96;
  return input({
    registry: reg,
    days: 1,
    meters: [
      elecMeter('M0', MONDAY, PER_DAY, kw, {
        reactiveKvarh: series(MONDAY, PER_DAY, (_i, t) => (inProduction(t.hour) ? 100 : 20) * 0.75 * 0.25),
      }),
      elecMeter('M1', MONDAY, PER_DAY, () => 40, {
        reactiveKvarh: series(MONDAY, PER_DAY, () => 40 * tan96 * 0.25),
      }),
      elecMeter('M2', MONDAY, PER_DAY, () => 10),
    ],
    options: { flatPriceCnyPerKwh: 1, ...o.options },
  });
}
const fig = (f: { evidence: { figures: { key: string; value: number | null }[] } }, k: string) =>
  f.evidence.figures.find((x) => x.key === k)?.value;

describe('rule 4: power factor — production-time sizing, demand charge, gaps, billing point', () => {
  it('sizes the capacitor on the production-time mean load, and states the month', () => {
    const out = powerFactor.run(buildContext(plant()));
    expect(out.findings.map((f) => f.id)).toEqual(['powerFactor:M0']);
    const f = out.findings[0]!;
    // 100·8 + 20·16 = 1 120 kWh, 840 kvarh → PF = 1 120 / 1 400 = 0.80; +5 % on the 0.90 table → high.
    expect(fig(f, 'powerFactor')).toBe(0.8);
    expect(fig(f, 'adjustmentPct')).toBeCloseTo(5, 12);
    expect(f.severity).toBe('high');
    // Production-time mean 100 kW (not the day's 46.67 kW): Qc = 100 × (0.75 − tan φ(0.95)).
    expect(fig(f, 'meanProductionKw')).toBeCloseTo(100, 12);
    expect(fig(f, 'capacitorKvar')).toBeCloseTo(100 * (0.75 - tan95), 9);
    expect(fig(f, 'standard')).toBe(0.9);
    // Energy charge 1 120 ¥ at 1 ¥/kWh; surcharge 5 % = 56 ¥.
    expect(fig(f, 'surchargeCny')).toBeCloseTo(56, 9);
    // The month row: 2026-03, kWh, kvarh, PF, adjustment, kvar (1 decimal).
    expect(f.evidence.table?.rows).toEqual([['2026-03', 1120, 840, 0.8, 5, 42.1]]);
    expect(f.when).toEqual({ fromMs: MONDAY, toMs: MONDAY + 86_400_000, label: '2026-03' });
    expect(f.what.en).toBe(
      '1 month(s) below the 0.90 standard, lowest 0.80 (2026-03): the adjustment adds 5 %; reaching 0.95 needs about 42.1 kvar.',
    );
  });

  it('indicators: M0 worse, M1 within; a meter without reactive energy has none', () => {
    const out = powerFactor.run(buildContext(plant()));
    expect(out.indicators!.map((i) => [i.key, i.value, i.assessment])).toEqual([
      ['powerFactor:M0:2026-03', 0.8, 'worse'],
      ['powerFactor:M1:2026-03', 0.96, 'within'],
    ]);
    expect(out.skipped).toBeUndefined();
  });

  it('adds the demand charge (¥/kW·month × the month maximum kW) to the adjustment base', () => {
    const out = powerFactor.run(buildContext(plant({ options: { demandPriceCnyPerKwMonth: 30 } })));
    const f = out.findings[0]!;
    // Base = 1 120 ¥ + 30 × 100 kW = 4 120 ¥: surcharge 5 % = 206 ¥; saving (5 + 0.75) % = 236.9 ¥ a day.
    expect(fig(f, 'surchargeCny')).toBeCloseTo(206, 9);
    expect(f.saving!.costCny).toBeCloseTo(236.9 * 365, 6);
  });

  it('a quarter-hour without active energy is left out of the month (not read as zero)', () => {
    // Slot 40 = 10:00–10:15, in production: 1 095 kWh, reactive 840 − 18.75 = 821.25 kvarh (the pair is dropped).
    const out = powerFactor.run(buildContext(plant({ gapSlot: 40 })));
    const f = out.findings[0]!;
    expect(f.evidence.table?.rows[0]?.slice(0, 3)).toEqual(['2026-03', 1095, 821.3]);
    // 1 095 ¥ energy charge → surcharge 5 % = 54.75 ¥; production mean over the 31 known slots: 100 kW.
    expect(fig(f, 'surchargeCny')).toBeCloseTo(54.75, 9);
    expect(fig(f, 'meanProductionKw')).toBeCloseTo(100, 12);
  });

  it('without a main incomer the root of the tree is the billing point', () => {
    const out = powerFactor.run(buildContext(plant({ role: 'feeder' })));
    const f = out.findings.find((x) => x.id === 'powerFactor:M0')!;
    expect(f.severity).toBe('high');
    expect(fig(f, 'adjustmentPct')).toBeCloseTo(5, 12);
    expect(fig(f, 'surchargeCny')).toBeCloseTo(56, 9);
  });

  it('no reactive energy anywhere: the rule says why it is skipped', () => {
    const reg = registry([device('M0', 'meter', { meterRole: 'mainIncomer' })]);
    const out = powerFactor.run(
      buildContext(input({ registry: reg, days: 1, meters: [elecMeter('M0', MONDAY, PER_DAY, () => 50)] })),
    );
    expect(out.findings).toEqual([]);
    expect(out.skipped?.en).toBe('no reactive-energy data');
  });
});
