import { describe, expect, it } from 'vitest';
import type { DiagnosisInput } from '../../energy/types.js';
import { tariffSettingsSchema } from '../../registry/factory-settings.js';
import { factoryProfileSchema, type RegistryDevice } from '../../registry/model.js';
import { buildFlow } from './flow.js';
import { accountPeriod, periodsAt } from './inputs.js';
import { buildMeterLoad } from './meter-load.js';
import { resolveTariff, touBands } from './tariff.js';

const Q = 900_000;
const T0 = Date.parse('2025-03-03T00:00:00+08:00'); // a Monday
const dev = (id: string, parentMeter?: string): RegistryDevice => ({
  factoryId: 'F',
  id,
  agentId: 'A',
  kind: 'meter',
  assetPath: '',
  name: id,
  medium: 'electricity',
  ...(parentMeter ? { parentMeter } : {}),
  production: false,
  online: true,
  firstSeenMs: 0,
  lastSeenMs: null,
});

function input(
  n: number,
  series: Record<string, (i: number) => number>,
  parents: Record<string, string>,
): DiagnosisInput {
  const ids = Object.keys(series);
  return {
    registry: {
      factory: factoryProfileSchema.parse({ id: 'F' }),
      assets: [],
      devices: ids.map((id) => dev(id, parents[id])),
      metrics: [],
      lines: [],
      onlineHistory: [],
    },
    period: { fromMs: T0, toMs: T0 + n * Q },
    meters: ids.map((id) => ({
      deviceId: id,
      medium: 'electricity' as const,
      unit: 'kWh' as const,
      consumption: {
        startMs: T0,
        intervalMs: Q,
        values: Float64Array.from({ length: n }, (_, i) => series[id]!(i)),
      },
      consumptionSource: 'counter' as const,
      counterResets: 0,
      counterRollovers: 0,
    })),
    machines: [],
    lines: [],
    generatedAtMs: T0,
  };
}

describe('tariff from the factory settings', () => {
  it('a monthly agency-purchase price wins for its month, the flat price applies to the others', () => {
    const r = resolveTariff(
      tariffSettingsSchema.parse({
        flatPriceCnyPerKwh: 0.65,
        monthlyPrices: [{ month: '2025-03', flatPriceCnyPerKwh: 0.7 }],
      }),
    );
    // March, Hunan 385: 00–06 valley (×0.4), 06–12 flat.
    const march = touBands(r, T0, T0 + 86_400_000, 480);
    expect(march[0]).toMatchObject({ type: 'valley', endMs: T0 + 6 * 3_600_000 });
    expect(march[0]!.priceCnyPerKwh).toBeCloseTo(0.28, 12);
    expect(march[1]!.priceCnyPerKwh).toBeCloseTo(0.7, 12);
    const april = Date.parse('2025-04-01T00:00:00+08:00');
    expect(touBands(r, april + 6 * 3_600_000, april + 7 * 3_600_000, 480)[0]!.priceCnyPerKwh).toBeCloseTo(
      0.65,
      12,
    );
    expect(r.source.prices).toContain('2025-03 0.7');
  });
  it('without any price nothing is priced; "none" is one flat band at the flat price', () => {
    expect(resolveTariff(tariffSettingsSchema.parse({})).hasAnyPrice).toBe(false);
    const flat = resolveTariff(
      tariffSettingsSchema.parse({ touScheduleId: 'none', flatPriceCnyPerKwh: 0.6 }),
    );
    expect(touBands(flat, T0, T0 + 86_400_000, 480)).toEqual([
      { startMs: T0, endMs: T0 + 86_400_000, type: 'flat', priceCnyPerKwh: 0.6 },
    ]);
  });
  it('refuses a custom schedule without its table and a month given twice', () => {
    expect(tariffSettingsSchema.safeParse({ touScheduleId: 'custom' }).success).toBe(false);
    const twice = [
      { month: '2025-03', flatPriceCnyPerKwh: 0.7 },
      { month: '2025-03', flatPriceCnyPerKwh: 0.8 },
    ];
    expect(tariffSettingsSchema.safeParse({ monthlyPrices: twice }).success).toBe(false);
  });
});

describe('energy flow', () => {
  it("shows each parent's remainder as losses and unmetered loads, from the quarter-hours all meters have", () => {
    const gap = (i: number) => (i === 3 ? Number.NaN : 10);
    const f = buildFlow(
      'F',
      input(8, { P: () => 100, A: () => 60, B: gap }, { A: 'P', B: 'P' }),
      'electricity',
      {},
    );
    const node = (id: string) => f.nodes.find((n) => n.id === id)!;
    expect(node('P').quantity).toBe(800);
    expect(node('B').quantity).toBe(70);
    expect(node('B').coverage).toBe(7 / 8);
    // Remainder over the 7 quarter-hours where P, A and B all have data: 7 × (100 − 60 − 10).
    expect(node('P~remainder')).toMatchObject({ kind: 'remainder', quantity: 210 });
    expect(f.links).toContainEqual({ source: 'P', target: 'P~remainder', value: 210 });
  });
  it('children above their parent are an inconsistency, never a negative flow', () => {
    const f = buildFlow('F', input(4, { P: () => 50, A: () => 60 }, { A: 'P' }), 'electricity', {});
    expect(f.nodes.find((n) => n.id === 'P~excess')?.quantity).toBe(40);
    expect(f.links.every((l) => l.value > 0)).toBe(true);
    expect(f.notes).toEqual(['excess:P']);
  });
});

describe('meter load', () => {
  it('hourly mean kW over local hours and a weekday × hour heat map of the hours with data', () => {
    // Two days, 15-min consumption i mod 4 + 1 kWh → each hour 10 kWh = 10 kW mean.
    const l = buildMeterLoad('F', input(96 * 2, { P: (i) => (i % 4) + 1 }, {}), 'P', 'P', {});
    expect(l.intervalMs).toBe(Q);
    const long = buildMeterLoad('F', input(96 * 5, { P: (i) => (i % 4) + 1 }, {}), 'P', 'P', {});
    expect(long.intervalMs).toBe(3_600_000);
    expect(long.curve.every((c) => c.kw === 10)).toBe(true);
    const monday8 = long.heatmap.find((c) => c.weekday === 1 && c.hour === 8)!;
    expect(monday8).toEqual({ weekday: 1, hour: 8, mean: 10, hours: 1 });
    expect(long.heatmap.find((c) => c.weekday === 7)!.mean).toBeNull(); // no Sunday in the data
  });
});

describe('periods', () => {
  it('local days and months at UTC+8, "now" rounded up to the quarter-hour', () => {
    const p = periodsAt(Date.parse('2025-03-01T00:10:00+08:00'), 480);
    expect(p.nowMs).toBe(Date.parse('2025-03-01T00:15:00+08:00'));
    expect(p.todayStart).toBe(Date.parse('2025-03-01T00:00:00+08:00'));
    expect(p.monthStart).toBe(p.todayStart);
    expect(p.lastMonthStart).toBe(Date.parse('2025-02-01T00:00:00+08:00'));
    expect(p.monthBeforeStart).toBe(Date.parse('2025-01-01T00:00:00+08:00'));
  });
});

describe('monitoring reads quarter-hours only', () => {
  it('accounts a period the same with or without minute consumption (so the monitoring read skips it)', () => {
    const n = 2 * 96;
    const rate = (q: number) => 10 + (q % 7) + (q % 96 > 40 ? 5 : 0);
    const plain = input(n, { M: rate }, {});
    // A minute series that disagrees with the quarter-hours: if it were used, the figures would move.
    const minuteKwh = {
      startMs: T0,
      intervalMs: 60_000,
      values: Float64Array.from({ length: n * 15 }, (_, k) => (k % 15 === 0 ? 3 * rate(k / 15) : 0)),
    };
    const fine: DiagnosisInput = { ...plain, meters: plain.meters.map((m) => ({ ...m, minuteKwh })) };
    for (const [from, to] of [
      [T0, T0 + n * Q],
      [T0 + 96 * Q, T0 + 130 * Q],
    ] as const) {
      const a = accountPeriod(plain, from, to, {});
      const b = accountPeriod(fine, from, to, {});
      expect(b.accounting).toEqual(a.accounting);
      expect(b.input.meters).toEqual(a.input.meters);
      expect(buildFlow('F', fine, 'electricity', {})).toEqual(buildFlow('F', plain, 'electricity', {}));
    }
  });
});
