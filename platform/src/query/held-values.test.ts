import { StatusCodes } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { point, tempStore } from './adapters.test-support.js';
import { heldBuckets, heldOver, maskSegments } from './held-values.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('held values with offline stretches cut out', () => {
  it('masks segments and averages over what is left, hand-computed', () => {
    const segs = [
      { startMs: 0, endMs: 10, value: 4 },
      { startMs: 10, endMs: 20, value: null },
      { startMs: 20, endMs: 40, value: 8 },
    ];
    const masked = maskSegments(segs, [{ startMs: 5, endMs: 25 }]);
    expect(masked).toEqual([
      { startMs: 0, endMs: 5, value: 4 },
      { startMs: 5, endMs: 25, value: null },
      { startMs: 25, endMs: 40, value: 8 },
    ]);
    expect(heldOver(masked, 0, 40)).toEqual({ mean: (4 * 5 + 8 * 15) / 20, coveredMs: 20, atStart: 4 });
    expect(heldOver(masked, 10, 20)).toEqual({ mean: null, coveredMs: 0, atStart: null });
  });

  it('recomputes exactly the buckets an offline stretch touches; the others are the store’s', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const k = { factoryId: 'F1', deviceId: 'P1', metric: 'activePower' };
    await store.write([
      point('P1', 'activePower', T0, 10),
      point('P1', 'activePower', T0 + 20 * MIN, 30),
      point('P1', 'activePower', T0 + 100 * MIN, null, StatusCodes.BadNoCommunication),
    ]);
    const q = {
      series: [k],
      fromMs: T0,
      toMs: T0 + 2 * 60 * MIN,
      intervalMs: 30 * MIN,
      maxHoldMs: 10 * 60 * MIN,
    };
    // Offline 00:40–01:10: bucket [30, 60) keeps 30 over 10 min, [60, 90) 30 over 20 min.
    const offline = [{ startMs: T0 + 40 * MIN, endMs: T0 + 70 * MIN }];
    const [twa] = await heldBuckets(store, { ...q, aggregate: 'twa' }, () => offline);
    expect(twa!.buckets.map((b) => [b.value, (b.coveredMs ?? 0) / MIN])).toEqual([
      [(10 * 20 + 30 * 10) / 30, 30],
      [30, 10],
      [30, 20],
      [30, 10], // the Bad sample at 01:40 ends the value
    ]);
    const [step] = await heldBuckets(store, { ...q, aggregate: 'step' }, () => offline);
    expect(step!.buckets.map((b) => b.value)).toEqual([10, 30, null, 30]);
    const [plain] = await heldBuckets(store, { ...q, aggregate: 'twa' }, () => []);
    expect(plain!.buckets.map((b) => (b.coveredMs ?? 0) / MIN)).toEqual([30, 30, 30, 10]);
  });
});
