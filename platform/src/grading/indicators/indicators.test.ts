import { describe, expect, it } from 'vitest';
import { computeFactoryOee } from '../../oee/index.js';
import { grid, L, machine, samples, snapshotWith } from '../../oee/test-support.js';
import type { RegistryDevice, RegistryMetric } from '../../registry/model.js';
import { computeIndicators } from './index.js';
import type { Indicator, IndicatorInputs, SeriesActivity } from './types.js';

const H = 3_600_000;
const D = '2024-03-04';
const T0 = L(D, '08:00');
const T1 = T0 + 10 * H;

const dev = (
  id: string,
  kind: RegistryDevice['kind'],
  assetPath: string,
  extra: Partial<RegistryDevice> = {},
): RegistryDevice => ({
  factoryId: 'F1',
  id,
  agentId: 'A1',
  kind,
  assetPath,
  production: false,
  online: true,
  firstSeenMs: T0 - 24 * H,
  lastSeenMs: T1,
  ...extra,
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
  kind: quantity === 'machineState' ? 'state' : quantity === 'goodCount' ? 'counter' : 'gauge',
  datatype: 'double',
  unit: '',
});
const series = (
  deviceId: string,
  metricKey: string,
  present: number,
  expected: number | null,
  lastTsMs: number | null,
  good = present,
  goodInForce = present > 0 ? [{ startMs: T0, endMs: T1 }] : [],
): SeriesActivity => ({
  deviceId,
  metric: metricKey,
  present,
  good,
  goodInForce,
  expected,
  expectedPeriodMs: expected === null ? null : 60_000,
  lastTsMs,
});

const snapshot = snapshotWith(
  {},
  {
    devices: [
      dev('M1', 'machine', 'WS1/L1/ST1'),
      dev('M2', 'machine', 'WS1/L1/ST2', { online: false }),
      dev('M3', 'machine', 'WS1/L2/ST1', { online: false, firstSeenMs: T0 + 5 * H, lastSeenMs: null }),
      dev('E1', 'meter', 'WS1/L1'),
      dev('S1', 'sensor', 'WS1'),
    ],
    metrics: [
      metric('M1', 'machineState', 'machineState', 0),
      metric('M1', 'goodCount', 'goodCount', 1),
      metric('M2', 'machineState', 'machineState', 2),
      metric('E1', 'activePower', 'activePower', 3),
      metric('S1', 'temperature', 'temperature', 4),
    ],
    onlineHistory: [
      { factoryId: 'F1', deviceId: 'M1', atMs: T0 - H, online: true, reason: 'birth' },
      { factoryId: 'F1', deviceId: 'M1', atMs: T0 + 2 * H, online: false, reason: 'death' },
      { factoryId: 'F1', deviceId: 'M1', atMs: T0 + 3 * H, online: true, reason: 'birth' },
      { factoryId: 'F1', deviceId: 'E1', atMs: T0 + 4 * H, online: false, reason: 'status' },
    ],
  },
);

/** The delivered-data definitions: the hand-computed values below were written for them. */
const delivered = {
  definitions: {
    'equipment-networking-rate': 'delivered-data',
    'state-fault-capture': 'delivered-data',
    'data-collection-coverage': 'delivered-data',
  },
};
const inputs: IndicatorInputs = {
  snapshot,
  fromMs: T0,
  toMs: T1,
  nowMs: T1,
  config: delivered,
  series: [
    series('M1', 'machineState', 5, null, T1 - H),
    series('M1', 'goodCount', 540, 600, T1 - 120_000),
    series('M2', 'machineState', 0, null, null),
    series('E1', 'activePower', 600, 600, T1 - 600_000),
    series('S1', 'temperature', 10, 600, T1),
  ],
};

const byId = (list: Indicator[], id: string) => list.find((i) => i.id === id) as Indicator;

describe('digitalisation indicators (hand-computed, delivered-data definitions)', () => {
  const all = computeIndicators(inputs);

  it('digitisation and networking rates over machines and meters', () => {
    expect(byId(all, 'equipment-digitization-rate')).toMatchObject({
      value: 0.75,
      counts: { equipment: 4, digital: 3 },
    });
    expect(byId(all, 'equipment-digitization-rate').pullingDown.map((p) => p.ref)).toEqual(['M3']);
    const net = byId(all, 'equipment-networking-rate');
    expect(net).toMatchObject({ value: 0.5, counts: { equipment: 4, networked: 2, silent: 2 } });
    expect(net.pullingDown.map((p) => p.ref)).toEqual(['M2', 'M3']);
    expect(net.fromMs).toBe(T0);
    expect(net.formula.zh).toContain('生产设备');
    expect(net.formulaVersion).toBe('delivered-data/2');
    expect(net.definition).toEqual({ id: 'delivered-data', version: '2', default: false });
  });

  it('the production flag, when set, defines the equipment', () => {
    const flagged = {
      ...inputs,
      snapshot: {
        ...snapshot,
        devices: snapshot.devices.map((d) => ({ ...d, production: d.id === 'M1' || d.id === 'M2' })),
      },
    };
    expect(byId(computeIndicators(flagged), 'equipment-networking-rate')).toMatchObject({
      value: 0.5,
      counts: { equipment: 2, networked: 1 },
    });
  });

  it('online ratio is time-weighted from the online history', () => {
    const on = byId(all, 'equipment-online-ratio');
    // M1 9 h of 10, M2 0 of 10, M3 0 of 5 (registered at +5 h), E1 4 of 10 → 13 / 35
    expect(on.value).toBeCloseTo(13 / 35, 12);
    expect(on.counts).toMatchObject({ onlineHours: 13, registeredHours: 35 });
    expect(on.pullingDown.map((p) => p.ref)).toEqual(['M2', 'M3', 'E1', 'M1']);
  });

  it('data-collection coverage per series, per business link and per line', () => {
    const cov = byId(all, 'data-collection-coverage');
    // M1.state: on-change, M1 online 9 of 10 h → 0.9; M1.goodCount 0.9; M2.state 0; E1.activePower 1; S1 10/600
    expect(cov.value).toBeCloseTo((0.9 + 0.9 + 0 + 1 + 10 / 600) / 5, 12);
    const link = (k: string) => cov.breakdown?.find((b) => b.key === k)?.value;
    expect(link('link:equipment')).toBeCloseTo(0.45, 12);
    expect(link('link:productionControl')).toBeCloseTo(0.9, 12);
    expect(link('link:energy')).toBe(1);
    expect(cov.breakdown?.find((b) => b.key === 'asset:WS1/L1')?.value).toBeCloseTo(2.8 / 4, 12);
    const line1 = computeIndicators(inputs, { assetPath: 'WS1/L1' });
    expect(byId(line1, 'data-collection-coverage').value).toBeCloseTo(2.8 / 4, 12);
    // the store's per-hour capped ratio wins over present ÷ expected
    const capped = {
      ...inputs,
      series: inputs.series.map((s) => (s.metric === 'goodCount' ? { ...s, ratio: 0.5 } : s)),
    };
    expect(byId(computeIndicators(capped), 'data-collection-coverage').value).toBeCloseTo(
      (0.9 + 0.5 + 0 + 1 + 10 / 600) / 5,
      12,
    );
  });

  it('freshness judges periodic series against 3 × period (min 60 s)', () => {
    const fr = byId(all, 'data-freshness');
    // goodCount 120 s old ≤ 180 s fresh; activePower 600 s stale; temperature 0 s fresh
    expect(fr).toMatchObject({
      value: 2 / 3,
      counts: { periodicSeries: 3, fresh: 2, stale: 1, unchecked: 2 },
    });
    expect(fr.pullingDown[0]).toMatchObject({ ref: 'E1.activePower', value: 600 });
  });

  it('state/fault capture and the energy-metering proxy, by scope', () => {
    expect(byId(all, 'state-fault-capture')).toMatchObject({
      value: 1 / 3,
      counts: { machines: 3, withStateMetric: 2, captured: 1 },
    });
    expect(byId(all, 'energy-metering-coverage').value).toBeCloseTo(2 / 3, 12);
    expect(byId(computeIndicators(inputs, { assetPath: 'WS1/L1' }), 'energy-metering-coverage').value).toBe(
      1,
    );
    expect(
      byId(computeIndicators(inputs, { assetPath: 'WS1/L1/ST1' }), 'energy-metering-coverage').value,
    ).toBe(0);
    const ext = computeIndicators({
      ...inputs,
      energyMeteringCoverage: { value: 0.82, counts: { meters: 40 } },
    });
    expect(byId(ext, 'energy-metering-coverage')).toMatchObject({ value: 0.82, counts: { meters: 40 } });
  });

  it('OEE availability and OEE tracking from the OEE result', () => {
    const oee = computeFactoryOee({
      snapshot,
      machines: [
        machine('M1', 'WS1/L1/ST1', {
          states: samples([
            [T0, 3],
            [T0 + 8 * H, 1],
          ]),
          counts: grid(T0, T1, H, () => [100, 0]),
          defaultIdealCycleS: 30,
        }),
        machine('M2', 'WS1/L1/ST2', { states: samples([[T0, 3]]) }),
      ],
      fromMs: T0,
      toMs: T1,
    });
    const res = computeIndicators({ ...inputs, oee });
    // 24/7 (no calendar): M1 8 of 10 h, M2 10 of 10 h
    expect(byId(res, 'oee-availability').value).toBeCloseTo(18 / 20, 12);
    expect(byId(res, 'oee-availability').pullingDown.map((p) => p.ref)).toEqual(['M1']);
    expect(byId(res, 'oee-tracking')).toMatchObject({ value: 1 / 3, counts: { machines: 3, tracked: 1 } });
    expect(byId(all, 'oee-tracking').value).toBeNull();
  });
});

describe('networked = connected and answering with Good quality (online-time, the default; issue 10)', () => {
  // One shift day, 10 h: M1 online all the time, its state Good in force all day (a holiday: no sample at
  // all), M2 online but its only sample in the period is BadNoCommunication at +4 h (Good before, from the
  // value in force), M3 online with a 1-h dropout (Bad +2 h … +3 h), E1 a meter whose constant tag never
  // changes (Good in force, no sample in the period).
  const devs = ['M1', 'M2', 'M3', 'E1'].map((id) =>
    dev(id, id === 'E1' ? 'meter' : 'machine', `WS1/L1/${id}`, { production: true }),
  );
  const snap = snapshotWith(
    {},
    {
      devices: devs,
      metrics: [
        metric('M1', 'machineState', 'machineState', 0),
        metric('M2', 'machineState', 'machineState', 1),
        metric('M3', 'machineState', 'machineState', 2),
        metric('E1', 'ratedPower', 'activePower', 3),
      ],
      onlineHistory: devs.map((d) => ({
        factoryId: 'F1',
        deviceId: d.id,
        atMs: T0 - H,
        online: true,
        reason: 'birth',
      })),
    },
  );
  const on = (a: number, b: number) => ({ startMs: T0 + a * H, endMs: T0 + b * H });
  const quiet: IndicatorInputs = {
    snapshot: snap,
    fromMs: T0,
    toMs: T1,
    nowMs: T1 + H,
    series: [
      series('M1', 'machineState', 0, null, T0 - H, 0, [on(0, 10)]),
      series('M2', 'machineState', 1, null, T0 + 4 * H, 0, [on(0, 4)]),
      series('M3', 'machineState', 2, null, T0 + 3 * H, 1, [on(0, 2), on(3, 10)]),
      series('E1', 'ratedPower', 0, null, T0 - 24 * H, 0, [on(0, 10)]),
    ],
  };

  it('holidays and constant tags count while the device is online; a dropout counts against', () => {
    const net = byId(computeIndicators(quiet), 'equipment-networking-rate');
    expect(net.definition).toEqual({ id: 'online-time', version: '1', default: true });
    expect(net.formulaVersion).toBe('online-time/1');
    // (10 + 4 + 9 + 10) of 40 device-hours
    expect(net.value).toBeCloseTo(33 / 40, 12);
    expect(net.counts).toMatchObject({ equipment: 4, networked: 4, networkedWholePeriod: 2, silent: 0 });
    expect(net.pullingDown.map((p) => [p.ref, p.value])).toEqual([
      ['M2', 0.4],
      ['M3', 0.9],
    ]);
    const cap = byId(computeIndicators(quiet), 'state-fault-capture');
    expect(cap.value).toBeCloseTo(23 / 30, 12);
    const cov = byId(computeIndicators(quiet), 'data-collection-coverage');
    expect(cov.value).toBeCloseTo((1 + 0.4 + 0.9 + 1) / 4, 12);
  });

  it('delivered-data/2: a single BadNoCommunication sample is not delivered data (v1 counted it)', () => {
    const d = byId(computeIndicators({ ...quiet, config: delivered }), 'equipment-networking-rate');
    // Only M3 sent a Good sample in the period (its return at +3 h); M2's lone sample was Bad.
    expect(d.counts).toMatchObject({ equipment: 4, networked: 1, silent: 3 });
    expect(d.pullingDown.map((p) => p.ref)).toEqual(['E1', 'M1', 'M2']);
  });

  it('the device is networked only while the registry has it online', () => {
    const offline: IndicatorInputs = {
      ...quiet,
      snapshot: {
        ...snap,
        onlineHistory: [
          ...snap.onlineHistory,
          { factoryId: 'F1', deviceId: 'M1', atMs: T0 + 5 * H, online: false, reason: 'death' },
        ],
      },
    };
    const net = byId(computeIndicators(offline), 'equipment-networking-rate');
    expect(net.pullingDown.find((p) => p.ref === 'M1')?.value).toBe(0.5);
  });

  it('history before the first birth (replayed, backfilled, simulated time) is judged by its data alone', () => {
    const later: IndicatorInputs = {
      ...quiet,
      snapshot: {
        ...snap,
        // The registry first heard of the devices after the period (a replay's birth carries "now").
        onlineHistory: devs.map((d) => ({
          factoryId: 'F1',
          deviceId: d.id,
          atMs: T1 + 100 * H,
          online: true,
          reason: 'birth',
        })),
      },
    };
    expect(byId(computeIndicators(later), 'equipment-networking-rate').value).toBeCloseTo(33 / 40, 12);
  });

  it('an unknown definition is refused with the known ones named', () => {
    expect(() =>
      computeIndicators({ ...quiet, config: { definitions: { 'equipment-networking-rate': 'pings' } } }),
    ).toThrow(/no definition "pings" \(known: online-time, delivered-data\)/);
  });

  it('coverage: the share of the period inside the data span; below the minimum it is flagged', () => {
    const ind = computeIndicators({ ...quiet, dataSpan: { startMs: T0 + 6 * H, endMs: T1 } });
    const net = byId(ind, 'equipment-networking-rate');
    expect(net.coverage).toBeCloseTo(0.4, 12);
    expect(net.lowCoverage).toBe(true);
    expect(byId(ind, 'equipment-digitization-rate').coverage).toBeNull();
  });
});
