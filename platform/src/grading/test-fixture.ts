import { computeFactoryOee, type MachineOeeInput } from '../oee/index.js';
import { calendar, grid, L, machine, samples, snapshotWith } from '../oee/test-support.js';
import type { RegistryDevice, RegistryMetric } from '../registry/model.js';
import type { IndicatorInputs, SeriesActivity } from './indicators/types.js';

/**
 * A small machining plant for grading tests (used by *.test.ts only): two workshops, three lines, eight
 * machines (one silent, one without counters), three meters, one day shift on 2024-03-04.
 */
export const FIXTURE_DAY = '2024-03-04';
const T0 = L(FIXTURE_DAY, '08:00');
const T1 = L(FIXTURE_DAY, '16:00');
const H = 3_600_000;

export function demoFactory(): IndicatorInputs {
  const dev = (
    id: string,
    kind: RegistryDevice['kind'],
    assetPath: string,
    name: string,
  ): RegistryDevice => ({
    factoryId: 'F1',
    id,
    agentId: 'edge1',
    kind,
    assetPath,
    name,
    production: kind === 'machine' || kind === 'meter',
    online: id !== 'CNC8',
    firstSeenMs: T0 - 24 * H,
    lastSeenMs: id === 'CNC8' ? null : T1,
  });
  const machines = [
    ['CNC1', 'WS1/L1/ST1'],
    ['CNC2', 'WS1/L1/ST2'],
    ['CNC3', 'WS1/L1/ST3'],
    ['CNC4', 'WS1/L2/ST1'],
    ['CNC5', 'WS1/L2/ST2'],
    ['WELD1', 'WS2/L3/ST1'],
    ['WELD2', 'WS2/L3/ST2'],
    ['CNC8', 'WS2/L3/ST3'],
  ] as const;
  const meters = [
    ['MAIN', ''],
    ['FEED1', 'WS1'],
    ['FEED2', 'WS2'],
  ] as const;
  const devices = [
    ...machines.map(([id, p]) => dev(id, 'machine', p, `${id} 加工中心`)),
    ...meters.map(([id, p]) => ({
      ...dev(id, 'meter', p, `${id} 电表`),
      meterRole: id === 'MAIN' ? ('mainIncomer' as const) : ('feeder' as const),
    })),
  ];
  let i = 0;
  const metric = (
    deviceId: string,
    key: string,
    quantity: RegistryMetric['quantity'],
    samplingIntervalMs?: number,
  ): RegistryMetric => ({
    factoryId: 'F1',
    agentId: 'edge1',
    i: i++,
    deviceId,
    key,
    quantity,
    kind:
      quantity === 'goodCount' || quantity === 'rejectCount' || quantity === 'activeEnergyImport'
        ? 'counter'
        : quantity === 'machineState'
          ? 'state'
          : 'gauge',
    datatype: 'double',
    unit: '',
    ...(samplingIntervalMs ? { samplingIntervalMs } : {}),
  });
  const metrics = [
    ...machines.flatMap(([id]) => [
      metric(id, 'machineState', 'machineState'),
      metric(id, 'operationMode', 'operationMode'),
      ...(id === 'WELD2'
        ? []
        : [metric(id, 'goodCount', 'goodCount', 60_000), metric(id, 'rejectCount', 'rejectCount', 60_000)]),
    ]),
    ...meters.flatMap(([id]) => [
      metric(id, 'activePower', 'activePower', 60_000),
      metric(id, 'energyImport', 'activeEnergyImport', 60_000),
    ]),
  ];
  const live = (id: string) => id !== 'CNC8';
  const series: SeriesActivity[] = metrics.map((m) => ({
    deviceId: m.deviceId,
    metric: m.key,
    present: !live(m.deviceId) ? 0 : m.samplingIntervalMs ? (m.deviceId === 'FEED2' ? 432 : 480) : 6,
    good: !live(m.deviceId) ? 0 : m.samplingIntervalMs ? (m.deviceId === 'FEED2' ? 432 : 480) : 6,
    goodInForce: live(m.deviceId) ? [{ startMs: T0, endMs: T1 }] : [],
    expected: m.samplingIntervalMs ? 480 : null,
    expectedPeriodMs: m.samplingIntervalMs ?? null,
    lastTsMs: live(m.deviceId) ? T1 - 30_000 : null,
  }));
  const snapshot = snapshotWith(
    {
      name: '湘中精密机械有限公司',
      industry: 'discrete',
      calendar: calendar({
        shifts: [{ name: '白班', start: '08:00', end: '16:00', breaks: [{ start: '12:00', end: '12:30' }] }],
      }),
    },
    {
      assets: [
        { factoryId: 'F1', path: 'WS1', level: 'workshop', name: '机加一车间' },
        { factoryId: 'F1', path: 'WS2', level: 'workshop', name: '焊装车间' },
        { factoryId: 'F1', path: 'WS1/L1', level: 'line', name: '缸体线' },
        { factoryId: 'F1', path: 'WS1/L2', level: 'line', name: '缸盖线' },
        { factoryId: 'F1', path: 'WS2/L3', level: 'line', name: '焊接线' },
      ],
      devices,
      metrics,
      lines: [
        {
          factoryId: 'F1',
          path: 'WS1/L1',
          idealCycleTimeS: 30,
          outputCounter: { deviceId: 'CNC3', metric: 'goodCount' },
        },
      ],
      onlineHistory: [{ factoryId: 'F1', deviceId: 'CNC8', atMs: T0 - H, online: false, reason: 'will' }],
    },
  );
  const oeeInputs: MachineOeeInput[] = machines
    .filter(([id]) => live(id))
    .map(([id, p], k) =>
      machine(id, p, {
        states: samples([
          [T0, 3],
          [T0 + (2 + k / 4) * H, 1],
          [T0 + (2.5 + k / 4) * H, 3],
        ]),
        ...(id === 'WELD2' ? {} : { counts: grid(T0, T1, H, () => [100, 2]) }),
        defaultIdealCycleS: 30,
      }),
    );
  const oee = computeFactoryOee({ snapshot, machines: oeeInputs, fromMs: T0, toMs: T1 });
  return {
    snapshot,
    fromMs: T0,
    toMs: T1,
    nowMs: T1,
    series,
    oee,
    energyMeteringCoverage: { value: 0.92, counts: { requiredMeters: 25, liveMeters: 23 } },
  };
}
