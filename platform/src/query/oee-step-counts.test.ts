import { StatusCodes } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { computeFactoryOee } from '../oee/index.js';
import { calendar, L, snapshotWith } from '../oee/test-support.js';
import { device, point, registryMetric, tempStore } from './adapters.test-support.js';
import { loadOeeInputs } from './oee-inputs.js';
import { stepCountIncrements, toIncrements } from './oee-step-counts.js';

const D = '2024-03-04';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('report-by-exception counters as step increments', () => {
  it('a count change belongs to the half-open bucket containing its time: 11:59 to the morning, 12:00 to lunch', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    // A slow machine: the count changes at 11:20, 11:59 and 12:00, then not until 13:40 (lunch 12:00–13:00).
    // Interpolating between 12:00 and 13:40 would put part of the 13:40 piece into lunch and none of it here.
    await store.write([
      point('F1M', 'state', L(D, '08:00'), 3),
      point('F1M', 'goodCount', L(D, '07:00'), 10),
      point('F1M', 'goodCount', L(D, '11:20'), 11),
      point('F1M', 'goodCount', L(D, '11:59'), 12),
      point('F1M', 'goodCount', L(D, '12:00'), 13),
      point('F1M', 'goodCount', L(D, '13:40'), 14),
      point('F1M', 'goodCount', L(D, '17:00'), 15), // at the window end: the next window's
      point('F1M', 'rejectCount', L(D, '07:00'), 0),
      point('F1M', 'rejectCount', L(D, '13:40'), 1),
    ]);
    await store.flush();
    const snapshot = snapshotWith(
      {
        calendar: calendar({
          shifts: [
            { name: '上午', start: '08:00', end: '12:00' },
            { name: '下午', start: '13:00', end: '17:00' },
          ],
        }),
      },
      {
        devices: [device('F1M', 'machine', 'WS1/L1/F1M', L(D, '06:00'))],
        metrics: [
          registryMetric('F1M', 'state', 'machineState'),
          registryMetric('F1M', 'goodCount', 'goodCount'),
          registryMetric('F1M', 'rejectCount', 'rejectCount'),
        ],
        lines: [{ factoryId: 'F1', path: 'WS1/L1', idealCycleTimeS: 1800 }],
      },
    );
    const fromMs = L(D, '08:00');
    const toMs = L(D, '17:00');
    const inputs = await loadOeeInputs(store, snapshot, { fromMs, toMs });
    const r = computeFactoryOee({ snapshot, machines: inputs, fromMs, toMs }).machines[0];
    const [am, pm] = r?.shifts ?? [];
    expect([am?.shift, am?.totals.goodCount, am?.totals.rejectCount]).toEqual(['上午', 2, 0]);
    expect([pm?.shift, pm?.totals.goodCount, pm?.totals.rejectCount]).toEqual(['下午', 1, 1]);
    expect(r?.period.totals.goodCount).toBe(4); // the 12:00 piece is in the period, in no shift
    expect(r?.period.totals.countGapMs).toBe(0);
  });

  it('Bad samples open a gap until the next Good one, whose increase is unattributed (gap); resets count from zero', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const k = { factoryId: 'F1', deviceId: 'C1', metric: 'goodCount' };
    await store.write([
      point('C1', 'goodCount', L(D, '07:50'), 100),
      point('C1', 'goodCount', L(D, '08:30'), 105),
      point('C1', 'goodCount', L(D, '09:00'), null, StatusCodes.BadNoCommunication),
      point('C1', 'goodCount', L(D, '09:30'), 112),
      point('C1', 'goodCount', L(D, '10:00'), 3), // reset to 0, then 3 pieces
      point('C1', 'goodCount', L(D, '10:30'), 4), // at the window end: not in it
    ]);
    await store.flush();
    const c = await stepCountIncrements(store, k, undefined, {
      fromMs: L(D, '08:00'),
      toMs: L(D, '10:30'),
      lookbackMs: 3_600_000,
      offline: [],
    });
    const rows = Array.from(c.startMs, (s, i) => [s, c.endMs[i], c.good[i]]);
    // The 7 pieces the counter shows after the drop-out were made somewhere in 08:30–09:30: not at 09:30.
    expect(rows).toEqual([
      [L(D, '08:30'), L(D, '08:30') + 1, 5],
      [L(D, '09:00'), L(D, '09:30'), Number.NaN],
      [L(D, '10:00'), L(D, '10:00') + 1, 3],
    ]);
    expect(c.unattributed).toEqual([{ fromMs: L(D, '08:30'), toMs: L(D, '09:30'), good: 7, reject: 0 }]);
  });

  it('a rise across an offline stretch is unattributed too; pieces on both sides stay where they were counted', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const k = { factoryId: 'F1', deviceId: 'C1', metric: 'goodCount' };
    await store.write([
      point('C1', 'goodCount', L(D, '08:10'), 10),
      point('C1', 'goodCount', L(D, '08:20'), 11),
      point('C1', 'goodCount', L(D, '13:00'), 40), // back after the device was offline 09:00–12:00
      point('C1', 'goodCount', L(D, '13:05'), 41),
    ]);
    const c = await stepCountIncrements(store, k, undefined, {
      fromMs: L(D, '08:00'),
      toMs: L(D, '14:00'),
      lookbackMs: 3_600_000,
      offline: [{ startMs: L(D, '09:00'), endMs: L(D, '12:00') }],
    });
    expect(Array.from(c.startMs, (s, i) => [s, c.endMs[i], c.good[i]])).toEqual([
      [L(D, '08:20'), L(D, '08:20') + 1, 1],
      [L(D, '09:00'), L(D, '12:00'), Number.NaN],
      [L(D, '13:05'), L(D, '13:05') + 1, 1],
    ]);
    expect(c.unattributed).toEqual([{ fromMs: L(D, '08:20'), toMs: L(D, '13:00'), good: 29, reject: 0 }]);
  });

  it('offline intervals are gaps, split around the events inside them, and clipped to the window', () => {
    const c = toIncrements(
      [
        { t: 50, good: 1, reject: 0 },
        { t: 20, good: 2, reject: 1 },
      ],
      [
        { startMs: 0, endMs: 30 },
        { startMs: 25, endMs: 40 },
      ],
      10,
      100,
    );
    expect(Array.from(c.startMs, (s, i) => [s, c.endMs[i], c.good[i], c.reject[i]])).toEqual([
      [10, 20, Number.NaN, Number.NaN],
      [20, 21, 2, 1],
      [21, 40, Number.NaN, Number.NaN],
      [50, 51, 1, 0],
    ]);
  });
});
