import type { Birth, DataBatch, Metric } from '@xiang/protocol';

/**
 * A small factory as an agent describes it in a birth: main incomer → workshop feeder → equipment meter,
 * one machine on a line station. Used by the platform's unit and integration suites.
 */
export const FACTORY = 'F1';
export const AGENT = 'A1';
export const T0 = Date.UTC(2024, 0, 8, 0, 0, 0); // Monday 08:00 in UTC+8

export const fixtureMetrics: Metric[] = [
  {
    i: 0,
    deviceId: 'M0',
    key: 'activePower',
    quantity: 'activePower',
    kind: 'gauge',
    datatype: 'double',
    unit: 'kW',
  },
  {
    i: 1,
    deviceId: 'M0',
    key: 'energyImport',
    quantity: 'activeEnergyImport',
    kind: 'counter',
    datatype: 'double',
    unit: 'kWh',
  },
  {
    i: 2,
    deviceId: 'M1',
    key: 'activePower',
    quantity: 'activePower',
    kind: 'gauge',
    datatype: 'double',
    unit: 'kW',
  },
  {
    i: 3,
    deviceId: 'M2',
    key: 'activePower',
    quantity: 'activePower',
    kind: 'gauge',
    datatype: 'double',
    unit: 'kW',
  },
  { i: 4, deviceId: 'C1', key: 'state', quantity: 'machineState', kind: 'state', datatype: 'int', unit: '1' },
  { i: 5, deviceId: 'C1', key: 'alarm', quantity: 'other', kind: 'state', datatype: 'bool', unit: '' },
  {
    i: 6,
    deviceId: 'C1',
    key: 'product',
    quantity: 'currentProduct',
    kind: 'text',
    datatype: 'string',
    unit: '',
  },
  {
    i: 7,
    deviceId: 'C1',
    key: 'goodCount',
    quantity: 'goodCount',
    kind: 'counter',
    datatype: 'int',
    unit: '1',
  },
];

export function fixtureBirth(
  sessionId: string,
  opts: { metrics?: Metric[]; timestamp?: number } = {},
): Birth {
  return {
    sessionId,
    seq: 0,
    timestamp: opts.timestamp ?? T0,
    agent: { version: '0.1.0', hostname: 'edge-1' },
    assets: [
      { path: 'WS1', level: 'workshop', name: '机加车间' },
      { path: 'WS1/L1', level: 'line', name: '缸体线' },
      { path: 'WS1/L1/ST1', level: 'station', name: 'OP10' },
    ],
    devices: [
      { id: 'M0', kind: 'meter', assetPath: '', medium: 'electricity', meterRole: 'feeder', name: '总进线' },
      {
        id: 'M1',
        kind: 'meter',
        assetPath: 'WS1',
        medium: 'electricity',
        meterRole: 'feeder',
        parentMeter: 'M0',
      },
      {
        id: 'M2',
        kind: 'meter',
        assetPath: 'WS1/L1/ST1',
        medium: 'electricity',
        meterRole: 'equipment',
        parentMeter: 'M1',
        ratedPowerKw: 22,
      },
      { id: 'C1', kind: 'machine', assetPath: 'WS1/L1/ST1', ratedPowerKw: 15 },
    ],
    metrics: opts.metrics ?? fixtureMetrics,
  };
}

/** A live batch with one point per metric index given, at tsMs. */
export function fixtureBatch(
  sessionId: string,
  seq: number,
  points: DataBatch['points'],
  historical = false,
): DataBatch {
  return { sessionId, seq, historical, points };
}

/** The fixture's birth with agent n's own device ids (`M0n1`…: a device belongs to the agent that declared it). */
export function fixtureBirthOwnDevices(n: number, sessionId: string): Birth {
  const id = (x: string) => `${x}n${n}`;
  const b = fixtureBirth(sessionId);
  return {
    ...b,
    devices: b.devices.map((d) => ({
      ...d,
      id: id(d.id),
      ...(d.parentMeter ? { parentMeter: id(d.parentMeter) } : {}),
    })),
    metrics: b.metrics.map((m) => ({ ...m, deviceId: id(m.deviceId) })),
  };
}
