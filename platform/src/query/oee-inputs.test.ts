import { StatusCodes } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { computeFactoryOee } from '../oee/index.js';
import { calendar, L, snapshotWith } from '../oee/test-support.js';
import type { StoredPoint } from '../store/types.js';
import { device, point, registryMetric, tempStore } from './adapters.test-support.js';
import { loadOeeInputs, offlineIntervals } from './oee-inputs.js';

const D = '2024-03-04';
const MIN = 60_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('OEE inputs from the embedded store', () => {
  it('state (key "state" found by quantity), setup mode, a Bad sample, on-change counters, ideal cycle', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const pts: StoredPoint[] = [
      point('C1', 'state', L(D, '07:00'), 3),
      point('C1', 'state', L(D, '09:00'), 2),
      point('C1', 'state', L(D, '09:30'), 3),
      point('C1', 'state', L(D, '10:00'), null, StatusCodes.BadNoCommunication),
      point('C1', 'state', L(D, '10:10'), 3),
      point('C1', 'operationMode', L(D, '07:00'), 3),
      point('C1', 'operationMode', L(D, '09:00'), 2),
      point('C1', 'operationMode', L(D, '09:30'), 3),
      point('C1', 'idealCycleTime', L(D, '07:00'), 25),
      // rejects change twice and then never again: the rest of the window is "no change", not a gap
      point('C1', 'rejectCount', L(D, '08:00'), 0),
      point('C1', 'rejectCount', L(D, '11:00'), 3),
    ];
    // good count: 2 per running minute, published every 10 min when it changed (nothing during the setup)
    let good = 0;
    for (let t = L(D, '08:00'); t <= L(D, '12:00'); t += 10 * MIN) {
      if (t > L(D, '08:00') && !(t > L(D, '09:00') && t <= L(D, '09:30'))) good += 20;
      if (!(t > L(D, '09:00') && t <= L(D, '09:30'))) pts.push(point('C1', 'goodCount', t, good));
    }
    await store.write(pts);
    await store.flush();
    const snapshot = snapshotWith(
      { calendar: calendar({ shifts: [{ name: '早班', start: '08:00', end: '12:00' }] }) },
      {
        assets: [{ factoryId: 'F1', path: 'WS1/L1', level: 'line' }],
        devices: [
          device('C1', 'machine', 'WS1/L1', L(D, '06:00')),
          device('E1', 'meter', 'WS1', L(D, '06:00')),
        ],
        metrics: [
          registryMetric('C1', 'state', 'machineState'),
          registryMetric('C1', 'operationMode', 'operationMode'),
          registryMetric('C1', 'goodCount', 'goodCount'),
          registryMetric('C1', 'rejectCount', 'rejectCount'),
          registryMetric('C1', 'idealCycleTime', 'idealCycleTime'),
        ],
      },
    );
    const fromMs = L(D, '08:00');
    const toMs = L(D, '12:00');
    const inputs = await loadOeeInputs(store, snapshot, { fromMs, toMs });
    expect(inputs.map((i) => i.deviceId)).toEqual(['C1']); // the meter is not a machine
    const r = computeFactoryOee({ snapshot, machines: inputs, fromMs, toMs }).machines[0]?.period;
    expect(r?.totals.setupMs).toBe(30 * MIN);
    expect(r?.totals.unknownMs).toBe(10 * MIN);
    expect(r?.totals.runningMs).toBe(200 * MIN);
    // Count changes are events at their sample time; the one stamped 12:00 belongs to the next window.
    expect(r?.totals.goodCount).toBeCloseTo(400, 9);
    expect(r?.totals.rejectCount).toBeCloseTo(3, 9);
    expect(r?.totals.countGapMs).toBe(0);
    // The 10 Bad minutes are neither planned nor operating time.
    expect(r?.totals.plannedProductionMs).toBe(230 * MIN);
    expect(r?.availability).toBeCloseTo(200 / 230, 12);
    expect(r?.coverage).toBe(230 / 240);
    expect(r?.performance).toBeCloseTo((403 * 25) / 60 / 200, 9);
    expect(r?.quality).toBeCloseTo(400 / 403, 9);
  });

  it('periodically sampled counters: a silence adds nothing, the rise across it is unattributed production', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    // Sampled every minute: 1 piece a minute 08:00–08:30, silent 08:30–10:00 (a drop-out the agent did not
    // announce), then the counter shows 90 more pieces at 10:00 and runs on at 1 a minute until 10:30.
    const pts: StoredPoint[] = [point('C2', 'state', L(D, '07:00'), 3)];
    for (let m = 0; m <= 30; m++) pts.push(point('C2', 'goodCount', L(D, '08:00') + m * MIN, m));
    for (let m = 0; m <= 30; m++) pts.push(point('C2', 'goodCount', L(D, '10:00') + m * MIN, 120 + m));
    await store.write(pts);
    const snapshot = snapshotWith(
      { calendar: calendar({ shifts: [{ name: '早班', start: '08:00', end: '12:00' }] }) },
      {
        assets: [{ factoryId: 'F1', path: 'WS1/L1', level: 'line' }],
        devices: [device('C2', 'machine', 'WS1/L1', L(D, '06:00'))],
        metrics: [
          registryMetric('C2', 'state', 'machineState'),
          registryMetric('C2', 'goodCount', 'goodCount', 60_000),
        ],
      },
    );
    const [c2] = await loadOeeInputs(store, snapshot, { fromMs: L(D, '08:00'), toMs: L(D, '11:00') });
    const counts = c2!.counts!;
    const rows = Array.from(counts.good, (g, i) => ({
      s: counts.startMs[i]!,
      e: counts.endMs[i]!,
      good: g,
      afterGap: counts.afterGap?.[i] ?? 0,
    }));
    const sum = (from: string, to: string) =>
      rows
        .filter((r) => r.afterGap === 0 && r.s >= L(D, from) && r.s < L(D, to))
        .reduce((t, r) => t + r.good, 0);
    expect([sum('08:00', '08:30'), sum('08:30', '10:00'), sum('10:00', '10:30')]).toEqual([30, 0, 30]);
    // The 90 pieces shown at 10:00 were made somewhere in the silence: one after-gap increment over it.
    const gap = rows.filter((r) => r.afterGap === 1);
    expect(gap.map((r) => r.good)).toEqual([90]);
    expect(gap[0]!.s).toBe(L(D, '08:30'));
    expect(gap[0]!.e).toBeGreaterThanOrEqual(L(D, '10:00'));
    expect(gap[0]!.e).toBeLessThanOrEqual(L(D, '10:01'));
  });

  it('offline stretches from the online history, clipped to the window', () => {
    const h = (atMs: number, online: boolean) => ({
      factoryId: 'F1',
      deviceId: 'C1',
      atMs,
      online,
      reason: 'x',
    });
    const snap = {
      onlineHistory: [
        h(50, true),
        h(100, false),
        h(150, true),
        h(300, false),
        { ...h(120, false), deviceId: 'C2' },
      ],
    };
    expect(offlineIntervals(snap, 'C1', 0, 400)).toEqual([
      { startMs: 100, endMs: 150 },
      { startMs: 300, endMs: 400 },
    ]);
    expect(offlineIntervals(snap, 'C1', 120, 320)).toEqual([
      { startMs: 120, endMs: 150 },
      { startMs: 300, endMs: 320 },
    ]);
  });
});
