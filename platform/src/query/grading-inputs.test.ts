import { StatusCodes } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { computeIndicators } from '../grading/indicators/index.js';
import { L, snapshotWith } from '../oee/test-support.js';
import type { StoredPoint } from '../store/types.js';
import { device, point, registryMetric, tempStore } from './adapters.test-support.js';
import { loadGradingInputs } from './grading-inputs.js';

const D = '2024-03-04';
const MIN = 60_000;
const BAD = StatusCodes.BadNoCommunication;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('grading inputs from the embedded store', () => {
  it('coverage of periodic series, point counts of on-change series, newest point per series', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const fromMs = L(D, '08:00');
    const toMs = L(D, '10:00');
    const pts: StoredPoint[] = [];
    // E1.activePower every minute except 08:30–09:00 (30 of 120 missing); E2 silent in the period.
    for (let t = fromMs; t < toMs; t += MIN)
      if (t < L(D, '08:30') || t >= L(D, '09:00')) pts.push(point('E1', 'activePower', t, 42));
    pts.push(point('E2', 'activePower', L(D, '07:00'), 1));
    pts.push(
      point('C1', 'state', L(D, '07:30'), 3),
      point('C1', 'state', L(D, '08:40'), 2),
      point('C1', 'state', L(D, '08:50'), 3),
      point('C1', 'state', L(D, '09:40'), null, BAD), // the state is unknown from 09:40
    );
    await store.write(pts);
    await store.flush();
    const snapshot = snapshotWith(
      {},
      {
        devices: [
          device('C1', 'machine', 'WS1/L1', L(D, '06:00')),
          device('C2', 'machine', 'WS1/L1', L(D, '06:00')),
          device('E1', 'meter', 'WS1', L(D, '06:00')),
          device('E2', 'meter', 'WS2', L(D, '06:00')),
        ],
        metrics: [
          registryMetric('C1', 'state', 'machineState'),
          registryMetric('C2', 'state', 'machineState'),
          registryMetric('E1', 'activePower', 'activePower', MIN),
          registryMetric('E2', 'activePower', 'activePower', MIN),
        ],
        onlineHistory: [
          { factoryId: 'F1', deviceId: 'E2', atMs: L(D, '08:30'), online: false, reason: 'agent death' },
          { factoryId: 'F1', deviceId: 'E2', atMs: L(D, '09:30'), online: true, reason: 'birth' },
        ],
      },
    );
    const inputs = await loadGradingInputs(store, snapshot, { fromMs, toMs, nowMs: toMs });
    const s = (d: string) => inputs.series.find((x) => x.deviceId === d);
    expect(s('E1')).toMatchObject({
      present: 90,
      expected: 120,
      expectedPeriodMs: MIN,
      ratio: 0.75,
      lastTsMs: toMs - MIN,
    });
    expect(s('E2')).toMatchObject({ present: 0, expected: 120, lastTsMs: L(D, '07:00') });
    expect(s('C1')).toMatchObject({ present: 3, expected: null, lastTsMs: L(D, '09:40') });
    expect(s('C2')).toMatchObject({ present: 0, expected: null, lastTsMs: null });
    // Coverage of the period with values reported on change: a Good value in force, the device online.
    // E1's silent half hour is "unchanged" (42 held); E2's value from 07:00 holds except while offline; C1's
    // state is known until its Bad sample; C2 never reported.
    expect(['E1', 'E2', 'C1', 'C2'].map((d) => s(d)?.coverage)).toEqual([1, 0.5, 100 / 120, 0]);
    expect(s('E2')?.coveredMs).toBe(60 * MIN);
    const ind = computeIndicators(inputs);
    const v = (id: string) => ind.find((i) => i.id === id)?.value;
    expect(v('equipment-networking-rate')).toBe(0.5); // C1 and E1 delivered
    expect(v('data-collection-coverage')).toBeCloseTo((1 + 0 + 0.75 + 0) / 4, 12);
    expect(v('state-fault-capture')).toBe(0.5);
    // E1 newest 1 min old (fresh), E2 3 h old (stale)
    expect(v('data-freshness')).toBe(0.5);
  });
});
