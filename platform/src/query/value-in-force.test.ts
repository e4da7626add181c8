import { afterEach, describe, expect, it } from 'vitest';
import { computeFactoryOee } from '../oee/index.js';
import { calendar, L, snapshotWith } from '../oee/test-support.js';
import { device, point, registryMetric, tempStore } from './adapters.test-support.js';
import { loadOeeInputs } from './oee-inputs.js';
import { valueInForce } from './value-in-force.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('the value in force at a window start (report-by-exception series)', () => {
  it('finds the newest point before a time, searching back in widening windows up to a limit', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const k = { factoryId: 'F1', deviceId: 'W1', metric: 'idealCycleTime' };
    await store.write([point('W1', 'idealCycleTime', L('2024-02-20', '08:00'), 60)]);
    await store.write([point('W1', 'idealCycleTime', L('2024-03-01', '08:00'), 50)]);
    await store.flush();
    expect((await valueInForce(store, k, L('2024-03-04', '00:00')))?.value).toBe(50);
    expect((await valueInForce(store, k, L('2024-03-01', '08:00')))?.value).toBe(60); // strictly before
    expect(await valueInForce(store, k, L('2024-03-04', '00:00'), 2 * 86_400_000)).toBeNull();
  });

  it("an ideal cycle time published days ago values today's pieces, not the line's bottleneck cycle", async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    // A washer (60 s) on a line whose bottleneck is a furnace (1800 s): its ideal cycle and its "Executing"
    // state were published on Monday and never changed; today is Thursday.
    await store.write([
      point('W1', 'state', L('2024-03-04', '08:00'), 3),
      point('W1', 'idealCycleTime', L('2024-03-04', '08:00'), 60),
      point('W1', 'goodCount', L('2024-03-07', '07:59'), 1000),
      point('W1', 'goodCount', L('2024-03-07', '09:00'), 1060),
    ]);
    await store.flush();
    const snapshot = snapshotWith(
      { calendar: calendar({ shifts: [{ name: '白班', start: '08:00', end: '09:00' }] }) },
      {
        devices: [device('W1', 'machine', 'WS1/HT/W1', L('2024-03-04', '07:00'))],
        metrics: [
          registryMetric('W1', 'state', 'machineState'),
          registryMetric('W1', 'idealCycleTime', 'idealCycleTime'),
          registryMetric('W1', 'goodCount', 'goodCount'),
        ],
        lines: [{ factoryId: 'F1', path: 'WS1/HT', idealCycleTimeS: 1800 }],
      },
    );
    const fromMs = L('2024-03-07', '08:00');
    const toMs = L('2024-03-07', '09:01');
    const inputs = await loadOeeInputs(store, snapshot, { fromMs, toMs });
    const r = computeFactoryOee({ snapshot, machines: inputs, fromMs, toMs }).machines[0]?.period;
    expect(r?.totals.unknownMs).toBe(0); // the Monday state holds
    expect(r?.totals.goodCount).toBe(60);
    expect(r?.performance).toBeCloseTo((60 * 60) / (61 * 60), 12); // 60 pieces × 60 s in 61 running minutes
  });
});
