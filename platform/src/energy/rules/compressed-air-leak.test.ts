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
      equipment: { class: 'airCompressor', role: 'lead', standbyPowerKw: 0.5 },
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
    expect(ctx.compressors).toEqual([
      {
        meterId: 'MC',
        airMeterId: 'MA',
        standbyPowerKw: 0.5,
        standbyDeclared: true,
        role: 'lead',
        source: 'declared',
        machineIds: [],
      },
    ]);
    const out = compressedAirLeak.run(ctx);
    const leak = out.findings.find((f) => f.id === 'compressedAirLeak:MC')!;
    const figure = (k: string) => leak.evidence.figures.find((x) => x.key === k)!.value!;
    expect(figure('marginalSpecificPower')).toBeCloseTo(7, 9);
    expect(figure('fitR2')).toBeCloseTo(1, 9);
    expect(figure('leakFlowM3Min')).toBeCloseTo(0.5, 12);
    expect(figure('leakKw')).toBeCloseTo(3.5, 9); // declared standby 0.5 kW off 4 kW
    expect(figure('flowMethodLeakKw')).toBeCloseTo(3.5, 9); // 0.5 m³/min × 7 kW/(m³/min)
    expect(figure('noProductionKw')).toBeCloseTo(4, 12);
    expect(figure('productionKw')).toBeCloseTo(31, 12);
    // Sized on windows of ≥ 2 h with no production: Mon 00–08, Mon 17 – Tue 08, Tue 17–24 = 30 h; the leak
    // also runs in the two 1-h lunch breaks: 3.5 kW × 32 h = 112 kWh.
    expect(figure('noProductionHours')).toBe(30);
    expect(leak.saving!.observedKwh).toBeCloseTo(112, 9);
    expect(leak.saving!.energyKwh).toBeCloseTo(112 * 182.5, 6);
    expect(leak.reliesOn?.find((r) => r.fact === 'class')).toEqual({
      deviceId: 'MC',
      fact: 'class',
      value: 'airCompressor',
      source: 'declared',
    });
    // 3.5 / 31 = 11.3 % of the production load → low (10 %–20 %).
    expect(leak.severity).toBe('low');
    // Specific power while loaded 31 kW ÷ 3 m³/min = 10.33 > 8: reported, not graded (GB 19153 table missing).
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
        equipment: { class: 'airCompressor', standbyPowerKw: 0.5 },
      }),
      device('CNC1', 'machine', { assetPath: 'WS1/L1/CNC1' }),
    ]);
    // CNC1 executes Monday 17:00–21:00 (overtime): those 4 h are not leak time → 26 h remain.
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
    expect(leak.evidence.figures.find((x) => x.key === 'noProductionHours')!.value).toBe(26);
  });

  it('takes no switchboard for a compressor because its name says 空压: only a declared class counts', () => {
    const reg = registry([
      device('SB', 'meter', { meterRole: 'feeder', name: '空压站配电柜', assetPath: 'WS1/AIR' }),
      device('MC', 'meter', {
        meterRole: 'equipment',
        parentMeter: 'SB',
        name: '1#空压机',
        assetPath: 'WS1/AIR',
        equipment: { class: 'airCompressor', standbyPowerKw: 0.5 },
      }),
    ]);
    const inp = input({
      registry: reg,
      days: 2,
      meters: [elecMeter('SB', MONDAY, n, (i, t) => kw(i, t) + 6), elecMeter('MC', MONDAY, n, kw)],
    });
    const ctx = buildContext(inp);
    // On main the name pattern made SB a compressor too, and its "leak" counted the child's again.
    expect(ctx.compressors.map((c) => c.meterId)).toEqual(['MC']);
    expect(compressedAirLeak.run(ctx).findings.map((f) => f.id)).toEqual(['compressedAirLeak:MC']);
  });

  it('gives a lag compressor that idles unloaded no specific power of thousands', () => {
    const reg = registry([
      device('LAG', 'meter', {
        meterRole: 'equipment',
        name: '2#空压机',
        equipment: { class: 'airCompressor', role: 'lag', standbyPowerKw: 0.5 },
      }),
      device('LA', 'meter', {
        meterRole: 'utility',
        medium: 'compressedAir',
        name: '2#排气',
        parentMeter: 'LAG',
      }),
    ]);
    // In production it runs unloaded at 35 kW delivering 0.01 m³/min, loaded (90 kW, 14 m³/min) 1 h a day.
    const lagKw = (_: number, t: { hour: number }) => (prod(t.hour) ? (t.hour === 9 ? 90 : 35) : 0.5);
    const lagFlow = (_: number, t: { hour: number }) => (prod(t.hour) ? (t.hour === 9 ? 14 : 0.01) : 0);
    const air = {
      deviceId: 'LA',
      medium: 'compressedAir' as const,
      unit: 'm3' as const,
      consumption: series(MONDAY, n, (i, t) => lagFlow(i, t) * 15),
      consumptionSource: 'counter' as const,
      counterResets: 0,
      counterRollovers: 0,
    };
    const out = compressedAirLeak.run(
      buildContext(input({ registry: reg, days: 2, meters: [elecMeter('LAG', MONDAY, n, lagKw), air] })),
    );
    // On main: Σ kW ÷ Σ flow over production = 2 300 kW/(m³/min)-ish figures. Loaded hours only: 90 ÷ 14.
    expect(
      out.findings.filter((f) => f.rule === 'compressedAirLeak' && f.id.startsWith('compressedAirLeak')),
    ).toEqual([]);
    const sp = out.findings.find((f) => f.id === 'compressorSpecificPower:LAG');
    expect(sp).toBeUndefined(); // 6.43 kW/(m³/min) is inside the sanity range
  });
});
