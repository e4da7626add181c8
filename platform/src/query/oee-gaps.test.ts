import { StatusCodes } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { computeFactoryOee, computeLineStatus } from '../oee/index.js';
import { calendar, L, snapshotWith } from '../oee/test-support.js';
import type { StoredPoint } from '../store/types.js';
import { device, point, registryMetric, tempStore } from './adapters.test-support.js';
import { loadOeeInputs } from './oee-inputs.js';

/**
 * Issue 10 regressions through the embedded store, the query adapters and the domain: production during a
 * dropout is never booked into the shift where reporting resumes, a stop over the window end keeps its length,
 * and missing minutes are not planned production time.
 */
const D = '2024-03-04'; // a Monday
const MIN = 60_000;
const BAD = StatusCodes.BadNoCommunication;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const twoShifts = calendar({
  shifts: [
    { name: 'A', start: '08:00', end: '16:00' },
    { name: 'B', start: '16:00', end: '00:00' },
  ],
});

function plant(cal = twoShifts) {
  return snapshotWith(
    { calendar: cal },
    {
      assets: [{ factoryId: 'F1', path: 'WS1/L1', level: 'line' }],
      devices: [device('M1', 'machine', 'WS1/L1', L(D, '00:00'))],
      metrics: [
        registryMetric('M1', 'state', 'machineState'),
        registryMetric('M1', 'goodCount', 'goodCount'),
      ],
      lines: [
        {
          factoryId: 'F1',
          path: 'WS1/L1',
          idealCycleTimeS: 60,
          outputCounter: { deviceId: 'M1', metric: 'goodCount' },
        },
      ],
    },
  );
}

async function oeeOf(points: StoredPoint[], fromMs: number, toMs: number, cal = twoShifts) {
  const { store, cleanup } = await tempStore();
  cleanups.push(cleanup);
  await store.write(points);
  await store.flush();
  const snapshot = plant(cal);
  const machines = await loadOeeInputs(store, snapshot, { fromMs, toMs });
  return { snapshot, machines, result: computeFactoryOee({ snapshot, machines, fromMs, toMs }) };
}

/** One piece a minute (the counter equals minutes since local midnight), published on change. */
function counting(fromMs: number, toMs: number): StoredPoint[] {
  const out: StoredPoint[] = [];
  for (let t = fromMs; t < toMs; t += MIN) out.push(point('M1', 'goodCount', t, (t - L(D, '00:00')) / MIN));
  return out;
}

describe('OEE across data gaps (issue 10)', () => {
  it('a dropout across a shift change: the jump after it is unattributed, no shift gets it, OEE stays ≤ 1', async () => {
    // Running all day; every tag goes BadNoCommunication at 12:00 and comes back at 20:00 with the count made
    // meanwhile. On main the 481 pieces landed in shift B: OEE 1.5 (performance 3).
    const { result } = await oeeOf(
      [
        point('M1', 'state', L(D, '06:00'), 3),
        point('M1', 'state', L(D, '12:00'), null, BAD),
        point('M1', 'state', L(D, '20:00'), 3),
        ...counting(L(D, '06:00'), L(D, '12:00')),
        point('M1', 'goodCount', L(D, '12:00'), null, BAD),
        ...counting(L(D, '20:00'), L('2024-03-05', '01:00')),
      ],
      L(D, '08:00'),
      L('2024-03-05', '00:00'),
    );
    const m = result.machines[0];
    const [a, b] = m?.shifts ?? [];
    expect([a?.shift, b?.shift]).toEqual(['A', 'B']);
    expect(a?.totals.goodCount).toBe(240); // 08:00 … 11:59
    expect(b?.totals.goodCount).toBe(239); // 20:01 … 23:59; the 20:00 jump covers the gap
    // 11:59 → 20:00 is 481 pieces made in [12:00, 20:00): half the gap in each shift, beside the figures.
    expect(a?.totals.unattributedGoodCount).toBeCloseTo(240.5, 9);
    expect(b?.totals.unattributedGoodCount).toBeCloseTo(240.5, 9);
    expect(m?.period.totals.unattributedGoodCount).toBeCloseTo(481, 9);
    for (const f of [a, b, m?.period]) {
      expect(f?.availability).toBe(1);
      expect(f?.performance).toBeLessThanOrEqual(1);
      expect(f?.oee).toBeLessThanOrEqual(1);
      expect(f?.coverage).toBe(0.5);
      expect(f?.lowCoverage).toBe(true);
      expect(f?.warnings).toEqual(expect.arrayContaining(['unattributedProduction', 'lowCoverage']));
    }
    expect(b?.performance).toBeCloseTo(239 / 240, 12);
    // The line follows its last station and says the same.
    expect(result.lines[0]?.shifts[1]?.oee).toBeCloseTo(239 / 240, 12);
  });

  it('a counter-only gap with known states: the jump is spread over the running time in the gap', async () => {
    // Shifts 08:00–10:30 and 10:30–12:00. State known throughout: running, idle 10:00–11:00, running.
    // The counter is Bad 09:00–11:30; its jump covers 60 running minutes before 10:30 and 30 after.
    const cal = calendar({
      shifts: [
        { name: 'A', start: '08:00', end: '10:30' },
        { name: 'B', start: '10:30', end: '12:00' },
      ],
    });
    const { result } = await oeeOf(
      [
        point('M1', 'state', L(D, '07:00'), 3),
        point('M1', 'state', L(D, '10:00'), 2),
        point('M1', 'state', L(D, '11:00'), 3),
        point('M1', 'goodCount', L(D, '07:00'), 0),
        point('M1', 'goodCount', L(D, '08:30'), 30),
        point('M1', 'goodCount', L(D, '09:00'), null, BAD),
        point('M1', 'goodCount', L(D, '11:30'), 120),
        point('M1', 'goodCount', L(D, '11:45'), 135),
      ],
      L(D, '08:00'),
      L(D, '12:00'),
      cal,
    );
    const [a, b] = result.machines[0]?.shifts ?? [];
    expect(a?.totals.goodCount).toBeCloseTo(30 + 60, 9); // 08:30 event + 2/3 of the 90
    expect(b?.totals.goodCount).toBeCloseTo(30 + 15, 9); // 1/3 of the 90 + the 11:45 event
    expect(a?.totals.unattributedGoodCount).toBe(0);
    expect(b?.totals.countGapMs).toBe(0);
    expect(a?.lowCoverage).toBe(false);
  });

  it('a stop that runs past the window end is classified by its full length (look-ahead)', async () => {
    // Idle from 09:59 to 10:10; the window ends at 10:00. On main the minute was a micro-stop (A = 1).
    const cal = calendar({ shifts: [{ name: 'A', start: '08:00', end: '12:00' }] });
    const { result } = await oeeOf(
      [
        point('M1', 'state', L(D, '07:00'), 3),
        point('M1', 'state', L(D, '09:59'), 2),
        point('M1', 'state', L(D, '10:10'), 3),
      ],
      L(D, '08:00'),
      L(D, '10:00'),
      cal,
    );
    const p = result.machines[0]?.period;
    expect(p?.totals.idleMs).toBe(MIN);
    expect(p?.totals.microStopMs).toBe(0);
    expect(p?.availability).toBeCloseTo(119 / 120, 12);
  });

  it('over a period longer than the data, missing minutes are not planned time (availability of what is known)', async () => {
    // One Monday of data (08:00–16:00 shift, running but for a 32-min breakdown), asked for 10 days.
    // On main the 9 silent days were planned production time: availability 448 ÷ 3840 = 11.7 %.
    const cal = calendar({ shifts: [{ name: 'A', start: '08:00', end: '16:00' }] });
    const { result } = await oeeOf(
      [
        point('M1', 'state', L(D, '08:00'), 3),
        point('M1', 'state', L(D, '12:00'), 1),
        point('M1', 'state', L(D, '12:32'), 3),
        point('M1', 'state', L(D, '16:00'), null, BAD), // the data stops here
      ],
      L(D, '00:00'),
      L('2024-03-14', '00:00'),
      cal,
    );
    const p = result.machines[0]?.period;
    expect(p?.totals.plannedProductionMs).toBe(480 * MIN);
    expect(p?.availability).toBeCloseTo(448 / 480, 12);
    expect(p?.coverage).toBeCloseTo(480 / (8 * 480), 12); // 8 workdays in the 10 days, 1 of them known
    expect(p?.lowCoverage).toBe(true);
  });

  it('live line status over a dropout: OEE ≤ 1, flagged, the machine named', async () => {
    const { snapshot, machines } = await oeeOf(
      [
        point('M1', 'state', L(D, '06:00'), 3),
        point('M1', 'state', L(D, '12:00'), null, BAD),
        point('M1', 'state', L(D, '13:00'), 3),
        ...counting(L(D, '06:00'), L(D, '12:00')),
        point('M1', 'goodCount', L(D, '12:00'), null, BAD),
        ...counting(L(D, '13:00'), L(D, '14:00')),
      ],
      L(D, '00:00'),
      L(D, '14:00'),
    );
    const [line] = computeLineStatus({ snapshot, machines, nowMs: L(D, '14:00') });
    expect(line?.today.oee).toBeLessThanOrEqual(1);
    expect(line?.today.coverage).toBeCloseTo(300 / 360, 12);
    expect(line?.today.lowCoverage).toBe(true);
    expect(line?.today.machinesWithGaps).toEqual(['M1']);
  });
});
