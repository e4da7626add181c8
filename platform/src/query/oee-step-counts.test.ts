import { StatusCodes } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { computeFactoryOee } from '../oee/index.js';
import { calendar, L, snapshotWith } from '../oee/test-support.js';
import { device, point, registryMetric, tempStore } from './adapters.test-support.js';
import { loadOeeInputs } from './oee-inputs.js';
import { stepCountIncrements, stepRows, toIncrements } from './oee-step-counts.js';

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

  it('Bad samples open a gap; the jump after it is one after-gap increment over the gap; resets count from zero', async () => {
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
    const rows = Array.from(c.startMs, (s, i) => [s, c.endMs[i], c.good[i], c.afterGap?.[i]]);
    expect(rows).toEqual([
      [L(D, '08:30'), L(D, '08:30') + 1, 5, 0],
      [L(D, '09:00'), L(D, '09:30'), 7, 1], // made somewhere in the Bad half hour, not at 09:30
      [L(D, '10:00'), L(D, '10:00') + 1, 3, 0],
    ]);
  });

  it('offline intervals are gaps; a gap open at the window end is closed by the first Good sample after it', () => {
    const s = (t: number, v: number | null) => ({ t, v });
    // Good 10 at t=5, offline [20, 40), Good 13 at 45 (the jump), Good 14 at 50, Bad at 80, Good 20 at 130.
    const samples = [s(5, 10), s(45, 13), s(50, 14), s(80, null), s(130, 20)];
    const r = stepRows(samples, 'good', [{ startMs: 20, endMs: 40 }], 10, 100, undefined);
    expect(r.rows.map((x) => [x.s, x.e, x.good, x.afterGap])).toEqual([
      [20, 45, 3, true],
      [50, 51, 1, false],
      [80, 130, 6, true], // the window ends at 100; the increment stays whole, the domain prorates it
    ]);
    expect(r.open).toEqual([]);
    // Nothing closes the Bad stretch: an open gap to the window end.
    const open = stepRows(samples.slice(0, 4), 'good', [], 10, 100, undefined);
    expect(open.open).toEqual([{ startMs: 80, endMs: 100 }]);
    const c = toIncrements(open.rows, open.open, 10, 100);
    expect(Array.from(c.startMs, (x, i) => [x, c.endMs[i], c.good[i], c.reject[i]])).toEqual([
      [45, 46, 3, 0],
      [50, 51, 1, 0],
      [80, 100, Number.NaN, Number.NaN],
    ]);
  });
});
