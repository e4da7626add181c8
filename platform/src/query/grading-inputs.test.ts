import { StatusCodes } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { computeIndicators } from '../grading/indicators/index.js';
import { L, snapshotWith } from '../oee/test-support.js';
import type { StoredPoint } from '../store/types.js';
import { device, point, registryMetric, tempStore } from './adapters.test-support.js';
import { loadGradingInputs } from './grading-inputs.js';

const D = '2024-03-04';
const MIN = 60_000;
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
    expect(s('C1')).toMatchObject({ present: 2, expected: null, lastTsMs: L(D, '08:50') });
    expect(s('C2')).toMatchObject({ present: 0, expected: null, lastTsMs: null });
    // Where each series had a Good value in force: C1 from the value in force (07:30) on; E1 in its 3-min
    // slots holding a sample (none from 08:30 to 09:00).
    expect(s('C1')?.goodInForce).toEqual([{ startMs: fromMs, endMs: toMs }]);
    expect(s('E1')?.goodInForce).toEqual([
      { startMs: fromMs, endMs: L(D, '08:30') },
      { startMs: L(D, '09:00'), endMs: toMs },
    ]);
    const ind = computeIndicators(inputs);
    const v = (id: string) => ind.find((i) => i.id === id)?.value;
    // online-time: C1 answers all 2 h, C2 never, E1 1.5 h, E2 never.
    expect(v('equipment-networking-rate')).toBeCloseTo((1 + 0 + 0.75 + 0) / 4, 12);
    expect(v('data-collection-coverage')).toBeCloseTo((1 + 0 + 0.75 + 0) / 4, 12);
    expect(v('state-fault-capture')).toBe(0.5);
    const delivered = computeIndicators({
      ...inputs,
      config: { definitions: { 'equipment-networking-rate': 'delivered-data' } },
    });
    expect(delivered.find((i) => i.id === 'equipment-networking-rate')?.value).toBe(0.5); // C1 and E1
    // E1 newest 1 min old (fresh), E2 3 h old (stale)
    expect(v('data-freshness')).toBe(0.5);
  });

  it('a BadNoCommunication sample is not delivered data and ends the Good value in force (issue 10)', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const fromMs = L(D, '08:00');
    const toMs = L(D, '10:00');
    await store.write([
      point('C1', 'state', L(D, '07:30'), 3),
      point('C1', 'state', L(D, '08:40'), null, StatusCodes.BadNoCommunication),
      point('C1', 'state', L(D, '09:10'), 3),
      // C2 drops out for the whole period: one Bad sample at its start, then silence (on main: "networked").
      point('C2', 'state', L(D, '07:00'), 2),
      point('C2', 'state', fromMs, null, StatusCodes.BadNoCommunication),
    ]);
    await store.flush();
    const snapshot = snapshotWith(
      {},
      {
        devices: [
          device('C1', 'machine', 'WS1/L1', L(D, '06:00')),
          device('C2', 'machine', 'WS1/L1', L(D, '06:00')),
        ],
        metrics: [
          registryMetric('C1', 'state', 'machineState'),
          registryMetric('C2', 'state', 'machineState'),
        ],
      },
    );
    const inputs = await loadGradingInputs(store, snapshot, { fromMs, toMs, nowMs: toMs });
    const s = (d: string) => inputs.series.find((x) => x.deviceId === d);
    expect(s('C1')).toMatchObject({ present: 2, good: 1 });
    expect(s('C1')?.goodInForce).toEqual([
      { startMs: fromMs, endMs: L(D, '08:40') },
      { startMs: L(D, '09:10'), endMs: toMs },
    ]);
    expect(s('C2')).toMatchObject({ present: 1, good: 0, goodInForce: [] });
    const rate = (definition: string) =>
      computeIndicators({
        ...inputs,
        config: { definitions: { 'equipment-networking-rate': definition } },
      }).find((i) => i.id === 'equipment-networking-rate');
    expect(rate('delivered-data')?.counts).toMatchObject({ networked: 1, silent: 1 });
    expect(rate('online-time')?.value).toBeCloseTo((1.5 / 2 + 0) / 2, 12);
    expect(rate('online-time')?.pullingDown.map((p) => [p.ref, p.value])).toEqual([
      ['C2', 0],
      ['C1', 0.75],
    ]);
  });
});
