import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import type { Finding } from '../finding.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, states } from '../test-support.js';
import { offShiftBaseLoad } from './off-shift-base-load.js';

// Day shift 08:00–17:00 with a 12:00–13:00 break, Mon–Fri. Off-shift windows of a Mon–Tue period:
// Mon 00–08 (8 h), Mon 17 – Tue 08 (15 h), Tue 17–24 (7 h): 30 h.
const n = 2 * PER_DAY;
const kind = (h: number) => (h >= 8 && h < 17 ? (h === 12 ? 'break' : 'prod') : 'off');
const feederKw = (_: number, t: { hour: number }) => ({ prod: 40, break: 10, off: 20 })[kind(t.hour)];
const ownMainKw = (_: number, t: { hour: number }) => ({ prod: 5, break: 5, off: 3 })[kind(t.hour)];
const figure = (f: Finding | undefined, k: string) => f!.evidence.figures.find((x) => x.key === k)!.value;

function plant(feeder: Parameters<typeof device>[2] = {}) {
  const reg = registry([
    device('M0', 'meter', { meterRole: 'mainIncomer', name: '总进线' }),
    device('M1', 'meter', {
      meterRole: 'feeder',
      parentMeter: 'M0',
      name: '一车间',
      assetPath: 'WS1',
      ...feeder,
    }),
  ]);
  return input({
    registry: reg,
    days: 2,
    meters: [
      elecMeter('M0', MONDAY, n, (i, t) => feederKw(i, t) + ownMainKw(i, t)),
      elecMeter('M1', MONDAY, n, feederKw),
    ],
    options: { flatPriceCnyPerKwh: 0.6 },
  });
}

describe('rule 1: off-shift base load', () => {
  it('sizes the excess over the declared standby per window, with the hand-computed annual saving', () => {
    const out = offShiftBaseLoad.run(buildContext(plant({ equipment: { standbyPowerKw: 4 } })));
    expect(out.findings.map((f) => f.where.deviceId)).toEqual(['M1']);
    const f = out.findings[0];
    expect(figure(f, 'productionKw')).toBeCloseTo(40, 10);
    expect(figure(f, 'offShiftKw')).toBeCloseTo(20, 10);
    expect(figure(f, 'targetKw')).toBeCloseTo(4, 10);
    expect(figure(f, 'excessKw')).toBeCloseTo(16, 10);
    expect(figure(f, 'offShiftHours')).toBe(30);
    // 16 kW × 30 h in the windows + 16 kW × 2 h of lunch breaks inside its active span = 512 kWh.
    expect(figure(f, 'wasteKwh')).toBeCloseTo(512, 9);
    // 16 kW is 35.6 % of the plant's 45 kW production load → high (≥ 5 %).
    expect(f!.severity).toBe('high');
    // Annualised over the 48 covered hours ×8760/48 = 182.5: 93 440 kWh, ×0.1229 kgce/kWh, ×0.4976 kgCO₂/kWh.
    expect(f!.saving!.energyKwh).toBeCloseTo(93_440, 6);
    expect(f!.saving!.tce).toBeCloseTo(93_440 * 0.1229e-3, 9);
    expect(f!.saving!.tco2).toBeCloseTo(93_440 * 0.4976e-3, 9);
    // Cost: per kW-day 0.6 × (6 h valley × 0.4 + 2 h flat + 7 h peak × 1.6) = 9.36 ¥ → 16 kW × 2 d = 299.52 ¥,
    // + the 12–13 breaks (valley): 16 kW × 2 h × 0.6 × 0.4 = 7.68 ¥.
    expect(f!.saving!.costCny).toBeCloseTo((299.52 + 7.68) * 182.5, 6);
    expect(f!.reliesOn).toEqual([{ deviceId: 'M1', fact: 'standbyPowerKw', value: 4, source: 'declared' }]);
    expect(f!.coverage).toEqual({ coveredHours: 48, periodHours: 48 });
  });

  it('recognises the incomer’s own load as losses + unmetered load, never standby waste', () => {
    const out = offShiftBaseLoad.run(buildContext(plant({ equipment: { standbyPowerKw: 20 } })));
    // On main the incomer's own 3 kW (losses) against 10 % × 5 kW was reported "medium".
    expect(out.findings).toEqual([]);
    expect(out.notes?.map((x) => [x.code, x.deviceId])).toEqual([['incomerOwnLoad', 'M0']]);
  });

  it('does not call a declared always-on process load waste (a clean-room air handler)', () => {
    const out = offShiftBaseLoad.run(
      buildContext(plant({ equipment: { operatingProfile: 'alwaysOn', class: 'cleanroomHvac' } })),
    );
    expect(out.findings).toEqual([]);
    expect(out.notes?.map((x) => x.code)).toContain('alwaysOnLoad');
  });

  it('without a declaration, a load present all period is information only (it may be a need)', () => {
    const [f] = offShiftBaseLoad.run(buildContext(plant())).findings;
    expect(f!.severity).toBe('info');
    expect(f!.saving).toBeUndefined();
    expect(f!.reliesOn).toEqual([{ deviceId: 'M1', fact: 'standbyPowerKw', value: null, source: 'missing' }]);
  });

  it('keeps a real 4 kW night load that starts mid-period, sized where it runs (relative + absolute thresholds)', () => {
    // Mon–Fri, a 100 kW line meter with 10 kW off shift; from Wednesday 17:00 a 4 kW load stays on at night.
    const days = 5;
    const wed17 = (2 * 24 + 17) * 4;
    const reg = registry([
      device('L1', 'meter', { meterRole: 'equipment', name: '产线', assetPath: 'WS1/L1' }),
    ]);
    const kw = (i: number, t: { hour: number }) =>
      kind(t.hour) === 'prod' ? 100 : kind(t.hour) === 'break' ? 30 : 10 + (i >= wed17 ? 4 : 0);
    const inp = input({ registry: reg, days, meters: [elecMeter('L1', MONDAY, days * PER_DAY, kw)] });
    const [f] = offShiftBaseLoad.run(buildContext(inp)).findings;
    // On main: averaged over all 75 off-shift hours (+1.97 kW) against 10 % of 100 kW, then dropped as info.
    expect(f!.severity).toBe('medium'); // 4 kW = 4 % of this one-meter plant's production load
    expect(figure(f, 'excessKw')).toBeCloseTo(4, 10);
    expect(figure(f, 'targetKw')).toBeCloseTo(10, 10);
    expect(figure(f, 'offShiftHours')).toBe(15 + 15 + 7); // Wed 17 – Thu 08, Thu 17 – Fri 08, Fri 17–24
    expect(figure(f, 'wasteKwh')).toBeCloseTo(4 * (37 + 2), 9); // + Thursday's and Friday's lunch breaks
    expect(f!.when.fromMs).toBe(MONDAY + wed17 * 900_000);
    // 1.5 kW on the same meter is under the relative threshold (2 % of 100 kW): not reported.
    const small = (i: number, t: { hour: number }) =>
      kw(i, t) - (i >= wed17 && kind(t.hour) === 'off' ? 2.5 : 0);
    const quiet = input({ registry: reg, days, meters: [elecMeter('L1', MONDAY, days * PER_DAY, small)] });
    expect(offShiftBaseLoad.run(buildContext(quiet)).findings.filter((x) => x.severity !== 'info')).toEqual(
      [],
    );
  });

  it('sums the standby of the machines a shared meter measures, and leaves idle quarter-hours to the idle rule', () => {
    const reg = registry([
      device('MM', 'meter', {
        meterRole: 'equipment',
        assetPath: 'WS1/L1',
        name: '产线表',
        measures: ['CNC1', 'CNC2'],
      }),
      device('CNC1', 'machine', { assetPath: 'WS1/L1/CNC1', name: '数控1', standbyPowerKw: 1 }),
      device('CNC2', 'machine', { assetPath: 'WS1/L1/CNC2', name: '数控2', standbyPowerKw: 1.5 }),
    ]);
    // Off-shift 9 kW, except Monday 17:00–19:00 where CNC1 idles and the meter reads 12 kW.
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
    expect(f!.where.deviceId).toBe('MM');
    expect(figure(f, 'targetKw')).toBeCloseTo(2.5, 10); // 1 + 1.5: summed, not one machine's
    expect(figure(f, 'offShiftKw')).toBeCloseTo(9, 10); // the 2 idle hours are excluded
    expect(figure(f, 'offShiftHours')).toBe(28);
    // 6.5 kW × 28 h in the windows, counted at that size in the two lunch breaks of its span too.
    expect(figure(f, 'wasteKwh')).toBeCloseTo(6.5 * 30, 9);
    expect(f!.saving!.costCny).toBeNull(); // no price configured
    expect(f!.reliesOn?.map((r) => [r.deviceId, r.value])).toEqual([
      ['CNC1', 1],
      ['CNC2', 1.5],
    ]);
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
