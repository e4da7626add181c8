import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series } from '../test-support.js';
import { compressedAirLeak } from './compressed-air-leak.js';

// Production (08–12, 13–17 on workdays): air flow alternates 2 and 4 m³/min, power = 10 kW unloaded +
// 7 kW/(m³/min) × flow → 24 and 38 kW. Outside production a 0.5 m³/min leak: 0.5 kW standby + 3.5 kW.
const n = 2 * PER_DAY;
const prod = (h: number) => h >= 8 && h < 17 && h !== 12;
const flow = (i: number, t: { hour: number }) => (prod(t.hour) ? (i % 2 ? 4 : 2) : 0.5);
const kw = (i: number, t: { hour: number }) => (prod(t.hour) ? 10 + 7 * flow(i, t) : 0.5 + 7 * 0.5);

function plant(withFlowMeter: boolean) {
  const reg = registry([
    device('MC', 'meter', {
      meterRole: 'equipment',
      name: '空压机电表',
      assetPath: 'WS1/AIR',
      standbyPowerKw: 0.5,
    }),
    device('MA', 'meter', {
      meterRole: 'utility',
      medium: 'compressedAir',
      name: '压缩空气流量计',
      assetPath: 'WS1/AIR',
    }),
  ]);
  const air = {
    deviceId: 'MA',
    medium: 'compressedAir' as const,
    unit: 'm3' as const,
    consumption: series(MONDAY, n, (i, t) => flow(i, t) * 15),
    consumptionSource: 'counter' as const,
    counterResets: 0,
    counterRollovers: 0,
  };
  return input({
    registry: reg,
    days: 2,
    meters: [elecMeter('MC', MONDAY, n, kw), ...(withFlowMeter ? [air] : [])],
  });
}

describe('rule 2: compressed-air leakage', () => {
  it('prices the leak flow at the marginal specific power when flow is metered', () => {
    const ctx = buildContext(plant(true));
    expect(ctx.compressors).toEqual([{ meterId: 'MC', airMeterId: 'MA', standbyPowerKw: 0.5 }]);
    const out = compressedAirLeak.run(ctx);
    const leak = out.findings.find((f) => f.id === 'compressedAirLeak:MC')!;
    const figure = (k: string) => leak.evidence.figures.find((x) => x.key === k)!.value!;
    expect(figure('marginalSpecificPower')).toBeCloseTo(7, 9);
    expect(figure('fitR2')).toBeCloseTo(1, 9);
    expect(figure('leakFlowM3Min')).toBeCloseTo(0.5, 12);
    expect(figure('leakKw')).toBeCloseTo(3.5, 9);
    expect(figure('noProductionKw')).toBeCloseTo(4, 12);
    expect(figure('productionKw')).toBeCloseTo(31, 12);
    // 2 days × (15 off-shift + 1 break) h = 32 h with no production: 3.5 kW × 32 h = 112 kWh.
    expect(figure('noProductionHours')).toBe(32);
    expect(leak.saving!.observedKwh).toBeCloseTo(112, 9);
    expect(leak.saving!.energyKwh).toBeCloseTo(112 * 182.5, 6);
    // 3.5 / 31 = 11.3 % of the production load → low (10 %–20 %).
    expect(leak.severity).toBe('low');
    // Mean specific power 31 kW ÷ 3 m³/min = 10.33 > 8: reported, but not graded (GB 19153 table missing).
    const sp = out.findings.find((f) => f.id === 'compressorSpecificPower:MC')!;
    expect(sp.evidence.figures.find((x) => x.key === 'specificPowerKwPerM3Min')!.value).toBeCloseTo(
      31 / 3,
      9,
    );
    expect(sp.severity).toBe('info');
    expect(sp.what.en).toMatch(/grade table missing/);
  });

  it('falls back to power above standby without a flow meter', () => {
    const out = compressedAirLeak.run(buildContext(plant(false)));
    const leak = out.findings.find((f) => f.id === 'compressedAirLeak:MC')!;
    expect(leak.evidence.figures.find((x) => x.key === 'leakKw')!.value).toBeCloseTo(3.5, 12);
    expect(leak.evidence.figures.find((x) => x.key === 'marginalSpecificPower')!.value).toBeNull();
  });

  it('does not count time when a production machine executes as leak time', () => {
    const reg = registry([
      device('MC', 'meter', {
        meterRole: 'equipment',
        name: '空压机电表',
        assetPath: 'WS1/AIR',
        standbyPowerKw: 0.5,
      }),
      device('CNC1', 'machine', { assetPath: 'WS1/L1/CNC1' }),
    ]);
    // CNC1 executes Monday 17:00–21:00 (overtime): those 4 h are not leak time → 28 h remain.
    const inp = input({
      registry: reg,
      days: 2,
      meters: [elecMeter('MC', MONDAY, n, kw)],
      machines: [
        {
          deviceId: 'CNC1',
          states: {
            tMs: Float64Array.from([MONDAY, MONDAY + 17 * 3.6e6, MONDAY + 21 * 3.6e6]),
            state: Uint8Array.from([0, 3, 0]),
          },
        },
      ],
    });
    const leak = compressedAirLeak.run(buildContext(inp)).findings[0]!;
    expect(leak.evidence.figures.find((x) => x.key === 'noProductionHours')!.value).toBe(28);
  });
});
