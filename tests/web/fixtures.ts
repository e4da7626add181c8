import type { Birth, DataBatch, Metric } from '@xiang/protocol';

/**
 * Two small factories as their agents describe them. F1: main incomer → workshop feeder, one CNC lathe on a
 * station; three hours of one-minute data ending now. F2: one air compressor meter.
 */
export const SCREENSHOT = '/tmp/xiang-console.png';
const MINUTES = 180;
const nowMinuteMs = Math.floor(Date.now() / 60_000) * 60_000;
const startMs = nowMinuteMs - MINUTES * 60_000;

const m = (
  i: number,
  deviceId: string,
  key: string,
  quantity: Metric['quantity'],
  kind: Metric['kind'],
  unit: string,
): Metric => ({
  i,
  deviceId,
  key,
  quantity,
  kind,
  datatype: kind === 'state' || quantity === 'goodCount' ? 'int' : 'double',
  unit,
  samplingIntervalMs: 60_000,
});

export const birthF1: Birth = {
  sessionId: 'console-F1-session-0001',
  seq: 0,
  timestamp: startMs,
  agent: { version: '0.1.0', hostname: 'edge-f1' },
  assets: [
    { path: 'WS1', level: 'workshop', name: '机加一车间' },
    { path: 'WS1/L1', level: 'line', name: '1号产线' },
    { path: 'WS1/L1/ST1', level: 'station', name: '车削工位' },
  ],
  devices: [
    {
      id: 'M0',
      kind: 'meter',
      assetPath: '',
      name: '总进线电能表',
      medium: 'electricity',
      meterRole: 'mainIncomer',
    },
    {
      id: 'M1',
      kind: 'meter',
      assetPath: 'WS1',
      name: '车间馈线表',
      medium: 'electricity',
      meterRole: 'feeder',
      parentMeter: 'M0',
    },
    { id: 'C1', kind: 'machine', assetPath: 'WS1/L1/ST1', name: '数控车床 CK6150', ratedPowerKw: 15 },
  ],
  metrics: [
    m(0, 'M0', 'activePower', 'activePower', 'gauge', 'kW'),
    m(1, 'M0', 'energyImport', 'activeEnergyImport', 'counter', 'kWh'),
    m(2, 'M1', 'activePower', 'activePower', 'gauge', 'kW'),
    m(3, 'C1', 'state', 'machineState', 'state', '1'),
    m(4, 'C1', 'goodCount', 'goodCount', 'counter', '1'),
  ],
};

/** Power 118.4 + (k mod 7) kW; the main counter gains exactly 2 kWh a minute (no float error: integers). */
const points: DataBatch['points'] = [];
for (let k = 0; k <= MINUTES; k++) {
  const ts = startMs + k * 60_000;
  points.push(
    [0, ts, 118.4 + (k % 7)],
    [1, ts, 10_000 + 2 * k],
    [2, ts, 60 + (k % 5)],
    [3, ts, 3],
    [4, ts, 5 * k],
  );
}
export const dataF1: DataBatch = { sessionId: birthF1.sessionId, seq: 1, historical: false, points };

export const birthF2: Birth = {
  sessionId: 'console-F2-session-0001',
  seq: 0,
  timestamp: startMs,
  agent: { version: '0.1.0' },
  assets: [{ path: 'WS9', level: 'workshop', name: '空压站' }],
  devices: [{ id: 'K1', kind: 'meter', assetPath: 'WS9', name: '空压机 2号', medium: 'electricity' }],
  metrics: [m(0, 'K1', 'activePower', 'activePower', 'gauge', 'kW')],
};
export const dataF2: DataBatch = {
  sessionId: birthF2.sessionId,
  seq: 1,
  historical: false,
  points: Array.from({ length: 10 }, (_, k) => [0, nowMinuteMs - k * 60_000, 55] as [number, number, number]),
};

export const EXPECTED = {
  /** k = 180: 118.4 + (180 mod 7 = 5) = 123.4 kW; 10 000 + 2·180 = 10 360 kWh. */
  lastPowerText: '123.4 kW',
  lastEnergyText: '10,360 kWh',
  /** 5 series × 181 points + 10. */
  pointsStored: 5 * (MINUTES + 1) + 10,
};
