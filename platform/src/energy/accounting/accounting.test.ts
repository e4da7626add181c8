import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { CoefficientBook } from '../data/coefficients.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series } from '../test-support.js';
import type { MeterSeries } from '../types.js';
import { aggregate } from './aggregate.js';
import { fuelEmissionFactor, gridFactor, kgceFactor } from './conversion.js';
import { accountEnergy } from './index.js';

const utility = (
  id: string,
  medium: MeterSeries['medium'],
  unit: MeterSeries['unit'],
  perDay: number,
): MeterSeries => ({
  deviceId: id,
  medium,
  unit,
  consumption: series(MONDAY, PER_DAY, () => perDay / PER_DAY),
  consumptionSource: 'counter',
  counterResets: 0,
  counterRollovers: 0,
});

function plant(options: object = {}) {
  const reg = registry([
    device('E0', 'meter', { meterRole: 'mainIncomer' }),
    device('E1', 'meter', { meterRole: 'feeder', parentMeter: 'E0', assetPath: 'WS1' }),
    device('G0', 'meter', { meterRole: 'utility', medium: 'naturalGas' }),
    device('W0', 'meter', { meterRole: 'utility', medium: 'water' }),
    device('A0', 'meter', { meterRole: 'utility', medium: 'compressedAir' }),
  ]);
  // E0: 10 000 kWh in a day (416.67 kW); E1 7 200 kWh; gas 1 000 m³; water 100 t; compressed air 5 000 m³.
  return input({
    registry: reg,
    days: 1,
    meters: [
      elecMeter('E0', MONDAY, PER_DAY, () => 10_000 / 24),
      elecMeter('E1', MONDAY, PER_DAY, () => 300),
      utility('G0', 'naturalGas', 'm3', 1000),
      utility('W0', 'water', 't', 100),
      utility('A0', 'compressedAir', 'm3', 5000),
    ],
    options,
  });
}

describe('energy accounting', () => {
  it('converts to kgce (GB/T 2589, equivalent value) and CO₂ (Hunan 2023 grid + GB/T 32150 gas) exactly', () => {
    const a = accountEnergy(buildContext(plant()));
    const m = Object.fromEntries(a.media.map((x) => [x.medium, x]));
    expect(m.electricity!.quantity).toBeCloseTo(10_000, 9); // root only; E1 is inside E0
    expect(m.electricity!.kgce).toBeCloseTo(1229, 9); // × 0.1229
    expect(m.electricity!.co2Kg).toBeCloseTo(4976, 9); // × 0.4976
    expect(m.naturalGas!.kgce).toBeCloseTo(1214.3, 9); // × 1.2143
    // One heat content for tce and CO₂: NCV = 1.2143 kgce/m³ × 29 307.6 kJ/kgce = 35.5882 MJ/m³ (GB/T 2589);
    // EF = 0.0355882 GJ × 0.0153 tC/GJ × 0.99 × 44/12 = 1.976534 kg/m³.
    const gasEf = ((1.2143 * 29_307.6) / 1e6) * 0.0153 * 0.99 * (44 / 12) * 1000;
    expect(m.naturalGas!.co2Kg).toBeCloseTo(1000 * gasEf, 9);
    expect(m.water!.kgce).toBeCloseTo(8.57, 9); // × 0.0857 kgce/t
    expect(m.water!.co2Kg).toBe(0);
    expect(m.compressedAir!.countedInComprehensive).toBe(false); // made in-house: its electricity is already counted
    expect(a.comprehensive.kgce).toBeCloseTo(1229 + 1214.3 + 8.57, 9);
    expect(a.comprehensive.tce).toBeCloseTo(2.45187, 12);
    expect(a.comprehensive.co2T).toBeCloseTo(4.976 + gasEf, 9);
  });

  it('switches electricity to equal value and records an override', () => {
    const a = accountEnergy(buildContext(plant({ electricityBasis: 'equal' })));
    expect(a.media.find((x) => x.medium === 'electricity')!.kgce).toBeCloseTo(2807.8, 9); // × 0.28078
    const ctx = buildContext(
      plant({
        electricityBasis: 'equal',
        coefficientOverrides: [{ id: 'electricity.equal', value: 0.3, reason: 'sector standard figure' }],
      }),
    );
    expect(accountEnergy(ctx).media.find((x) => x.medium === 'electricity')!.kgce).toBeCloseTo(3000, 9);
    expect(ctx.book.usedRecords().find((r) => r.id === 'electricity.equal')!.override!.originalValue).toBe(
      0.28078,
    );
  });

  it('balances the tree and breaks down time-of-use energy and cost', () => {
    const a = accountEnergy(buildContext(plant({ flatPriceCnyPerKwh: 0.5 })));
    const b = a.balance.find((r) => r.parentId === 'E0')!;
    expect(b.lossQuantity).toBeCloseTo(2800, 9);
    expect(b.lossShare).toBeCloseTo(0.28, 12);
    // March day: 8 h valley, 8 h flat, 8 h peak at 416.67 kW; cost 0.5 × (0.4 + 1 + 1.6) × 8 h × 416.67 kW = 5 000 ¥.
    expect(a.tou.map((r) => r.share)).toEqual([1 / 3, 1 / 3, 1 / 3, 0].map((x) => expect.closeTo(x, 12)));
    expect(a.comprehensive.costCny).toBeCloseTo(5000, 9);
    expect(a.monthly).toEqual([
      expect.objectContaining({ month: '2026-03', electricityKwh: expect.closeTo(10_000, 9) }),
    ]);
  });

  it('keeps gaps as gaps in hour, day, month and shift totals', () => {
    const inp = plant();
    inp.meters[0] = elecMeter('E0', MONDAY, PER_DAY, (i) => (i === 5 ? null : 4));
    const ctx = buildContext(inp);
    const v = ctx.meterById.get('E0')!.consumption.values;
    const hours = aggregate(v, ctx.grid, 'hour');
    expect(hours).toHaveLength(24);
    expect(hours[0]).toMatchObject({ label: '2026-03-02T00', value: 4, gapSlots: 0 });
    expect(hours[1]).toMatchObject({ value: null, known: 3, gapSlots: 1 });
    expect(aggregate(v, ctx.grid, 'day')[0]).toMatchObject({ label: '2026-03-02', value: null, known: 95 });
    const shifts = aggregate(v, ctx.grid, 'shift');
    // Day shift 08–17 (incl. the break) = 36 slots; the gap at 01:15 is off-shift.
    expect(shifts).toEqual([
      { label: 'day', startMs: null, value: 36, known: 36, gapSlots: 0 },
      { label: 'offShift', startMs: null, value: null, known: 59, gapSlots: 1 },
    ]);
  });
});

describe('coefficient lookups', () => {
  const book = CoefficientBook.withOverrides();
  it('looks up the grid factor province → region → national for the same data year', () => {
    expect(gridFactor(book, '湖南', 'province', 2023)).toMatchObject({ value: 0.4976, scope: 'province' });
    expect(gridFactor(book, '湖南', 'region', 2023)).toMatchObject({ value: 0.5271, area: '华中' });
    expect(gridFactor(book, '湖南', 'national', 2022)).toMatchObject({ value: 0.5366 });
    expect(gridFactor(book, '广东', 'province', 2023)).toMatchObject({
      value: 0.5306,
      scope: 'national',
      fallbackFrom: 'grid.province.广东.2023',
    });
    expect(gridFactor(book, '湖南', 'national', 2021)).toBeNull(); // 2021 national value not captured
  });

  it('converts meter units to coefficient units', () => {
    expect(kgceFactor(book, 'diesel', 't', 'equivalent').perUnit).toBeCloseTo(1457.1, 9);
    expect(kgceFactor(book, 'steam', 't', 'equivalent').perUnit).toBeCloseTo(128.6, 9);
    expect(kgceFactor(book, 'water', 'm3', 'equivalent')).toMatchObject({
      perUnit: 0.0857,
      note: 'water metered in m³ is taken as 1 t/m³',
    });
    expect(kgceFactor(book, 'heat', 'kWh', 'equal').perUnit).toBeNull(); // no figure in the reference
    // Diesel: NCV from GB/T 2589 (1.4571 kgce/kg → 42.7041 GJ/t), CC/OF of the sector guideline.
    expect(fuelEmissionFactor(book, 'diesel', 't').perUnit).toBeCloseTo(
      ((1457.1 * 29_307.6) / 1e6) * 0.0202 * 0.98 * (44 / 12) * 1000,
      9,
    );
  });
});
