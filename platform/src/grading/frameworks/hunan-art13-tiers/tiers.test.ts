import { describe, expect, it } from 'vitest';
import { computeFactoryOee, type MachineOeeInput } from '../../../oee/index.js';
import { grid, L, machine, samples, snapshotWith } from '../../../oee/test-support.js';
import type { RegistryDevice, RegistryMetric } from '../../../registry/model.js';
import { buildContext, computeIndicators } from '../../indicators/index.js';
import type { SeriesActivity } from '../../indicators/types.js';
import { tierFramework } from '../index.js';
import type { AssetTier } from '../types.js';
import { loadTierRules } from './index.js';
import rulesData from './rules.json' with { type: 'json' };

const H = 3_600_000;
const T0 = L('2024-03-04', '08:00');
const T1 = T0 + 4 * H;
const dev = (id: string, kind: RegistryDevice['kind'], assetPath: string): RegistryDevice => ({
  factoryId: 'F1',
  id,
  agentId: 'A1',
  kind,
  assetPath,
  production: false,
  online: true,
  firstSeenMs: T0 - H,
  lastSeenMs: T1,
});
const metric = (
  deviceId: string,
  key: string,
  quantity: RegistryMetric['quantity'],
  i: number,
): RegistryMetric => ({
  factoryId: 'F1',
  agentId: 'A1',
  i,
  deviceId,
  key,
  quantity,
  kind: 'gauge',
  datatype: 'double',
  unit: '',
});

/** A factory: line L1 with two station assets and a line meter; line L2 with machines directly on it. */
function scenario(opts: {
  m2Ideal: boolean;
  m4Live: boolean;
  workshopMeter: boolean;
  cmmmLevel: number | null;
}) {
  const machines = ['M1', 'M2', 'M3', 'M4'];
  const devices = [
    dev('M1', 'machine', 'WS1/L1/ST1'),
    dev('M2', 'machine', 'WS1/L1/ST2'),
    dev('E1', 'meter', 'WS1/L1'),
    dev('M3', 'machine', 'WS1/L2'),
    dev('M4', 'machine', 'WS1/L2'),
    ...(opts.workshopMeter ? [dev('E2', 'meter', 'WS1')] : []),
  ];
  const metrics = [
    ...machines.flatMap((m, k) => [
      metric(m, 'machineState', 'machineState', 2 * k),
      metric(m, 'goodCount', 'goodCount', 2 * k + 1),
    ]),
    metric('E1', 'activePower', 'activePower', 20),
    metric('E2', 'activePower', 'activePower', 21),
  ];
  const live = (m: string) => m !== 'M4' || opts.m4Live;
  const series: SeriesActivity[] = [
    ...machines.flatMap((m) => [
      {
        deviceId: m,
        metric: 'machineState',
        present: live(m) ? 3 : 0,
        good: live(m) ? 3 : 0,
        goodInForce: live(m) ? [{ startMs: T0, endMs: T1 }] : [],
        expected: null,
        expectedPeriodMs: null,
        lastTsMs: live(m) ? T1 : null,
      },
      {
        deviceId: m,
        metric: 'goodCount',
        present: live(m) ? 240 : 0,
        good: live(m) ? 240 : 0,
        goodInForce: live(m) ? [{ startMs: T0, endMs: T1 }] : [],
        expected: 240,
        expectedPeriodMs: 60_000,
        lastTsMs: live(m) ? T1 : null,
      },
    ]),
    ...['E1', ...(opts.workshopMeter ? ['E2'] : [])].map((e) => ({
      deviceId: e,
      metric: 'activePower',
      present: 240,
      good: 240,
      goodInForce: [{ startMs: T0, endMs: T1 }],
      expected: 240,
      expectedPeriodMs: 60_000,
      lastTsMs: T1,
    })),
  ];
  const snapshot = snapshotWith(
    { name: '湘智机加厂' },
    {
      assets: [
        { factoryId: 'F1', path: 'WS1', level: 'workshop', name: '一车间' },
        { factoryId: 'F1', path: 'WS1/L1', level: 'line' },
        { factoryId: 'F1', path: 'WS1/L2', level: 'line' },
        { factoryId: 'F1', path: 'WS1/L1/ST1', level: 'station' },
        { factoryId: 'F1', path: 'WS1/L1/ST2', level: 'station' },
      ],
      devices,
      metrics,
    },
  );
  const inputsOf = (id: string, path: string): MachineOeeInput =>
    machine(id, path, {
      states: samples(live(id) ? [[T0, 3]] : []),
      counts: grid(T0, T1, H, () => (live(id) ? [100, 1] : [Number.NaN, Number.NaN])),
      ...(id !== 'M2' || opts.m2Ideal ? { defaultIdealCycleS: 30 } : {}),
    });
  const oee = computeFactoryOee({
    snapshot,
    machines: devices.filter((d) => d.kind === 'machine').map((d) => inputsOf(d.id, d.assetPath)),
    fromMs: T0,
    toMs: T1,
  });
  const ctx = buildContext({ snapshot, fromMs: T0, toMs: T1, nowMs: T1, series, oee });
  return tierFramework().classify({
    snapshot,
    indicatorsFor: (scope) => computeIndicators(ctx, scope),
    frameworkLevels: { 'cmmm-2020': opts.cmmmLevel },
  });
}

const station = (r: AssetTier[], path: string, deviceId?: string) =>
  r.find((x) => x.level === 'station' && x.assetPath === path && x.deviceId === deviceId);

describe('Article 13 tiers (default rule set)', () => {
  it('classifies stations, machines standing in for stations, lines, workshop and factory', () => {
    const r = scenario({ m2Ideal: false, m4Live: false, workshopMeter: false, cmmmLevel: null });
    expect(station(r, 'WS1/L1/ST1')?.tier).toBe('smartStation');
    const st2 = station(r, 'WS1/L1/ST2');
    expect(st2?.tier).toBeNull();
    expect(st2?.conditions.find((c) => c.indicatorId === 'oee-tracking')).toMatchObject({
      value: 0,
      passed: false,
    });
    // L2 has no station assets: its machines are its workstations
    expect(station(r, 'WS1/L2', 'M3')?.tier).toBe('smartStation');
    expect(station(r, 'WS1/L2', 'M4')?.tier).toBeNull();
    const l1 = r.find((x) => x.assetPath === 'WS1/L1' && x.level === 'line');
    expect(l1?.tier).toBeNull();
    expect(l1?.conditions.map((c) => [c.value, c.passed])).toEqual([
      [1, true], // networking: M1, M2, E1
      [1, true],
      [1, true],
      [0.5, false], // OEE tracked on M1 only
      [1, true], // line meter E1 covers both stations
      [0.5, false], // one of two stations smart
    ]);
    const factory = r.find((x) => x.level === 'factory');
    expect(factory).toMatchObject({ tier: null, name: '湘智机加厂' });
    expect(factory?.conditions.at(-1)).toMatchObject({ value: null, passed: false }); // no CMMM level yet
  });

  it('with every gap closed except line L2’s metering, L1, the workshop and the factory qualify', () => {
    const r = scenario({ m2Ideal: true, m4Live: true, workshopMeter: true, cmmmLevel: 2 });
    const level = (lv: AssetTier['level']) =>
      r.filter((x) => x.level === lv).map((x) => [x.assetPath, x.deviceId ?? '', x.tier]);
    expect(level('station')).toEqual([
      ['WS1/L1/ST1', '', 'smartStation'],
      ['WS1/L1/ST2', '', 'smartStation'],
      ['WS1/L2', 'M3', 'smartStation'],
      ['WS1/L2', 'M4', 'smartStation'],
    ]);
    expect(level('line')).toEqual([
      ['WS1/L1', '', 'smartLine'],
      ['WS1/L2', '', null], // the workshop meter sits above the line: it does not meter the line
    ]);
    expect(level('workshop')).toEqual([['WS1', '', 'smartWorkshop']]);
    expect(level('factory')).toEqual([['', '', 'smartFactory']]);
    const lower = scenario({ m2Ideal: true, m4Live: true, workshopMeter: true, cmmmLevel: 1 });
    expect(lower.find((x) => x.level === 'factory')?.tier).toBeNull();
  });

  it('a province replaces the rules by data; bad data is refused with the path', () => {
    const relaxed = structuredClone(rulesData);
    (relaxed.tiers[1]?.conditions[5] as { min: number }).min = 0.5;
    expect(loadTierRules(relaxed).tiers[1]?.conditions[5]).toMatchObject({ kind: 'childShare', min: 0.5 });
    const bad = structuredClone(rulesData) as { tiers: { conditions: { kind: string }[] }[] };
    (bad.tiers[0]?.conditions[0] as { kind: string }).kind = 'guess';
    expect(() => loadTierRules(bad)).toThrow(/tier rules at tiers\.0\.conditions\.0/);
    const dangling = structuredClone(rulesData);
    (dangling.tiers[1]?.conditions[5] as { childTier: string }).childTier = 'nope';
    expect(() => loadTierRules(dangling)).toThrow(/unknown tier nope/);
  });
});
