import { expect, it } from 'vitest';
import { BAD, type GetCtx, GOOD, HOUR, key, MIN, pt, T0 } from './fixtures.js';

/** latest, listSeries, countPoints and factory isolation. */
export function seriesTests(ctx: GetCtx): void {
  it('returns the latest point per series of a factory, with device and metric filters', async () => {
    const { store } = ctx();
    const p1 = key('d1', 'm1');
    const p2 = key('d1', 'm2');
    const p3 = key('d2', 'm1');
    await store.write([
      pt(p1, T0 + 2 * MIN, 2),
      pt(p1, T0 + MIN, 1),
      pt(p2, T0, 5),
      pt(p3, T0 + MIN, null, BAD),
    ]);
    await store.write([pt(p1, T0, 0)]); // an older replay does not change the latest
    await store.write([pt(key('d1', 'm1', 'F2'), T0 + HOUR, 99)]);
    const byKey = (xs: { deviceId: string; metric: string }[]) =>
      [...xs].sort((a, b) => `${a.deviceId}/${a.metric}`.localeCompare(`${b.deviceId}/${b.metric}`));
    expect(byKey(await store.latest('F1'))).toEqual([
      { ...p1, tsMs: T0 + 2 * MIN, value: 2, text: null, status: GOOD },
      { ...p2, tsMs: T0, value: 5, text: null, status: GOOD },
      { ...p3, tsMs: T0 + MIN, value: null, text: null, status: BAD },
    ]);
    expect((await store.latest('F1', { deviceIds: ['d1'] })).map((l) => l.metric).sort()).toEqual([
      'm1',
      'm2',
    ]);
    expect((await store.latest('F1', { metrics: ['m1'] })).map((l) => l.deviceId).sort()).toEqual([
      'd1',
      'd2',
    ]);
    expect(await store.latest('F1', { deviceIds: ['d2'], metrics: ['m2'] })).toEqual([]);
    expect(await store.latest('nobody')).toEqual([]);
  });

  it('lists the series of a factory and counts points per series and range', async () => {
    const { store } = ctx();
    await store.write([pt(key('d1', 'm1'), T0, 1), pt(key('d1', 'm2'), T0, 1), pt(key('d2', 'm1'), T0, 1)]);
    await store.write([pt(key('d1', 'm1'), T0 + MIN, 1), pt(key('x', 'y', 'F2'), T0, 1)]);
    const listed = (await store.listSeries('F1'))
      .map((s) => `${s.factoryId}/${s.deviceId}/${s.metric}`)
      .sort();
    expect(listed).toEqual(['F1/d1/m1', 'F1/d1/m2', 'F1/d2/m1']);
    expect(await store.listSeries('F3')).toEqual([]);
    expect(await store.countPoints(key('d1', 'm1'), T0, T0 + MIN)).toBe(1);
    expect(await store.countPoints(key('d1', 'm1'), T0, T0 + MIN + 1)).toBe(2);
    expect(await store.countPoints(key('d9', 'm1'), T0, T0 + HOUR)).toBe(0);
  });

  it('never mixes factories that use the same device and metric ids', async () => {
    const { store } = ctx();
    const a = key('meter-1', 'energyImport', 'F1');
    const b = key('meter-1', 'energyImport', 'F2');
    await store.write([pt(a, T0, 0), pt(a, T0 + HOUR, 10), pt(b, T0, 500), pt(b, T0 + 30 * MIN, 700)]);
    await store.write([pt(b, T0 + HOUR, 1000)]);
    const q = { fromMs: T0, toMs: T0 + HOUR, intervalMs: HOUR, maxGapMs: HOUR };
    const [ra] = await store.counterIncrease({ ...q, series: [a] });
    const [rb] = await store.counterIncrease({ ...q, series: [b] });
    expect([ra?.intervals[0]?.increase, rb?.intervals[0]?.increase]).toEqual([10, 500]);
    const [ma] = await store.query({ ...q, series: [a], aggregate: 'count' });
    expect(ma?.buckets[0]?.value).toBe(1);
    expect(await store.countPoints(a, T0, T0 + 2 * HOUR)).toBe(2);
    expect(await store.countPoints(b, T0, T0 + 2 * HOUR)).toBe(3);
    expect((await store.latest('F1')).map((l) => l.value)).toEqual([10]);
    expect((await store.latest('F2')).map((l) => l.value)).toEqual([1000]);
    expect(await store.listSeries('F2')).toEqual([b]);
    expect((await store.raw(a, T0, T0 + 2 * HOUR)).map((p) => p.factoryId)).toEqual(['F1', 'F1']);
  });
}
