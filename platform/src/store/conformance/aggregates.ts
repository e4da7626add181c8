import { expect, it } from 'vitest';
import type { Aggregate } from '../types.js';
import {
  BAD,
  DAY,
  type GetCtx,
  HOUR,
  key,
  LOCAL_MIDNIGHT,
  MIN,
  pt,
  T0,
  UNCERTAIN,
  UTC8_OFFSET_MS,
} from './fixtures.js';

/** Range × interval × aggregate, alignment, goodOnly. */
export function aggregateTests(ctx: GetCtx): void {
  const g = key('meter-1', 'activePower');
  // Six Good points 5 min apart, plus one Bad and one Uncertain point that goodOnly keeps out.
  const data = [
    pt(g, T0, 1),
    pt(g, T0 + 5 * MIN, 4),
    pt(g, T0 + 7 * MIN, 100, BAD),
    pt(g, T0 + 10 * MIN, 2),
    pt(g, T0 + 12 * MIN, 64, UNCERTAIN),
    pt(g, T0 + 15 * MIN, 8),
    pt(g, T0 + 20 * MIN, 0.5),
    pt(g, T0 + 25 * MIN, 3),
  ];
  const ten = async (aggregate: Aggregate, goodOnly?: boolean) => {
    const { store } = ctx();
    await store.write(data);
    const r = await store.query({
      series: [g],
      fromMs: T0,
      toMs: T0 + 40 * MIN,
      intervalMs: 10 * MIN,
      aggregate,
      ...(goodOnly !== undefined ? { goodOnly } : {}),
    });
    expect(r).toHaveLength(1);
    expect(r[0]?.series).toEqual(g);
    return r[0]!.buckets.map((b) => [(b.tsMs - T0) / MIN, b.value, b.count]);
  };

  it('aggregates 10-min buckets: mean, min, max, first, last, sum, count; empty bucket is null', async () => {
    expect(await ten('mean')).toEqual([
      [0, 2.5, 2],
      [10, 5, 2],
      [20, 1.75, 2],
      [30, null, 0],
    ]);
  });
  it('min / max', async () => {
    expect(await ten('min')).toEqual([
      [0, 1, 2],
      [10, 2, 2],
      [20, 0.5, 2],
      [30, null, 0],
    ]);
    const { store } = ctx();
    const r = await store.query({
      series: [g],
      fromMs: T0,
      toMs: T0 + 30 * MIN,
      intervalMs: 10 * MIN,
      aggregate: 'max',
    });
    expect(r[0]?.buckets.map((b) => b.value)).toEqual([4, 8, 3]);
  });
  it('first / last', async () => {
    expect(await ten('first')).toEqual([
      [0, 1, 2],
      [10, 2, 2],
      [20, 0.5, 2],
      [30, null, 0],
    ]);
    const { store } = ctx();
    const r = await store.query({
      series: [g],
      fromMs: T0,
      toMs: T0 + 30 * MIN,
      intervalMs: 10 * MIN,
      aggregate: 'last',
    });
    expect(r[0]?.buckets.map((b) => b.value)).toEqual([4, 8, 3]);
  });
  it('sum / count (count of an empty bucket is 0)', async () => {
    expect(await ten('sum')).toEqual([
      [0, 5, 2],
      [10, 10, 2],
      [20, 3.5, 2],
      [30, null, 0],
    ]);
    const { store } = ctx();
    const r = await store.query({
      series: [g],
      fromMs: T0,
      toMs: T0 + 40 * MIN,
      intervalMs: 10 * MIN,
      aggregate: 'count',
    });
    expect(r[0]?.buckets.map((b) => b.value)).toEqual([2, 2, 2, 0]);
  });

  it('goodOnly=false lets Uncertain and Bad values in', async () => {
    expect(await ten('mean', false)).toEqual([
      [0, 35, 3],
      [10, 74 / 3, 3],
      [20, 1.75, 2],
      [30, null, 0],
    ]);
    expect(await ten('max', false)).toEqual([
      [0, 100, 3],
      [10, 64, 3],
      [20, 3, 2],
      [30, null, 0],
    ]);
  });

  it('returns raw Good points when no interval is given (all points with goodOnly=false)', async () => {
    const { store } = ctx();
    await store.write(data);
    const r = await store.query({ series: [g], fromMs: T0, toMs: T0 + 20 * MIN, aggregate: 'mean' });
    expect(r[0]?.buckets.map((b) => [(b.tsMs - T0) / MIN, b.value, b.count])).toEqual([
      [0, 1, 1],
      [5, 4, 1],
      [10, 2, 1],
      [15, 8, 1],
    ]);
    const all = await store.query({
      series: [g],
      fromMs: T0,
      toMs: T0 + 20 * MIN,
      aggregate: 'mean',
      goodOnly: false,
    });
    expect(all[0]?.buckets.map((b) => b.value)).toEqual([1, 4, 100, 2, 64, 8]);
  });

  it('clips buckets to the range: a range starting mid-bucket labels the bucket at its start', async () => {
    const { store } = ctx();
    await store.write(data);
    const r = await store.query({
      series: [g],
      fromMs: T0 + 2 * MIN,
      toMs: T0 + 22 * MIN,
      intervalMs: 10 * MIN,
      aggregate: 'sum',
    });
    // [2,10) → {4}; [10,20) → {2, 8}; [20,22) → {0.5}
    expect(r[0]?.buckets.map((b) => [(b.tsMs - T0) / MIN, b.value, b.count])).toEqual([
      [2, 4, 1],
      [10, 10, 2],
      [20, 0.5, 1],
    ]);
  });

  it('handles intervals that are not whole minutes (7.5 min) from raw points', async () => {
    const { store } = ctx();
    await store.write(data);
    const r = await store.query({
      series: [g],
      fromMs: T0,
      toMs: T0 + 30 * MIN,
      intervalMs: 450_000,
      aggregate: 'sum',
    });
    expect(r[0]?.buckets.map((b) => [(b.tsMs - T0) / 1000, b.value])).toEqual([
      [0, 5],
      [450, 2],
      [900, 8.5],
      [1350, 3],
    ]);
  });

  it('aligns daily buckets to local midnight at UTC+8 with alignOffsetMs = −8 h', async () => {
    const { store } = ctx();
    const e = key('meter-2', 'activePower');
    await store.write([
      pt(e, LOCAL_MIDNIGHT - 1, 1), // 23:59:59.999 local on Jan 1
      pt(e, LOCAL_MIDNIGHT, 2), // 00:00 local on Jan 2
      pt(e, LOCAL_MIDNIGHT + DAY - MIN, 4), // 23:59 local on Jan 2
      pt(e, LOCAL_MIDNIGHT + DAY, 8), // 00:00 local on Jan 3
    ]);
    const local = await store.query({
      series: [e],
      fromMs: LOCAL_MIDNIGHT - DAY,
      toMs: LOCAL_MIDNIGHT + 2 * DAY,
      intervalMs: DAY,
      alignOffsetMs: UTC8_OFFSET_MS,
      aggregate: 'sum',
    });
    expect(local[0]?.buckets).toEqual([
      { tsMs: LOCAL_MIDNIGHT - DAY, value: 1, count: 1 },
      { tsMs: LOCAL_MIDNIGHT, value: 6, count: 2 },
      { tsMs: LOCAL_MIDNIGHT + DAY, value: 8, count: 1 },
    ]);
    // The same points in UTC days: Jan 1 holds the first two, Jan 2 the last two.
    const utc = await store.query({
      series: [e],
      fromMs: T0,
      toMs: T0 + 2 * DAY,
      intervalMs: DAY,
      aggregate: 'sum',
    });
    expect(utc[0]?.buckets).toEqual([
      { tsMs: T0, value: 3, count: 2 },
      { tsMs: T0 + DAY, value: 12, count: 2 },
    ]);
    // A 90-second offset cannot use rollups and still aligns: buckets start at 00:01:30 UTC.
    const odd = await store.query({
      series: [e],
      fromMs: LOCAL_MIDNIGHT - HOUR,
      toMs: LOCAL_MIDNIGHT + HOUR,
      intervalMs: HOUR,
      alignOffsetMs: 90_000,
      aggregate: 'count',
    });
    expect(odd[0]?.buckets.map((b) => [b.tsMs - LOCAL_MIDNIGHT, b.value])).toEqual([
      [-HOUR, 0],
      [-HOUR + 90_000, 2],
      [90_000, 0],
    ]);
  });

  it('answers several series in one query, in the order asked, including unknown series', async () => {
    const { store } = ctx();
    const a = key('a', 'p');
    const b = key('b', 'p');
    await store.write([pt(a, T0, 1), pt(b, T0, 10), pt(b, T0 + MIN, 30)]);
    const r = await store.query({
      series: [b, key('nope', 'p'), a],
      fromMs: T0,
      toMs: T0 + HOUR,
      intervalMs: HOUR,
      aggregate: 'mean',
    });
    expect(r.map((s) => [s.series.deviceId, s.buckets[0] ? s.buckets[0].value : 'none'])).toEqual([
      ['b', 20],
      ['nope', null],
      ['a', 1],
    ]);
  });

  it('rejects malformed queries with a specific message', async () => {
    const { store } = ctx();
    const base = { series: [g], fromMs: T0, toMs: T0 + HOUR, aggregate: 'mean' as const };
    await expect(store.query({ ...base, intervalMs: 0 })).rejects.toThrow(
      /intervalMs must be a positive integer/,
    );
    await expect(store.query({ ...base, intervalMs: 1, toMs: T0 + 400 * DAY })).rejects.toThrow(
      /exceed the limit/,
    );
    await expect(store.query({ ...base, fromMs: Number.NaN })).rejects.toThrow(/integer epoch milliseconds/);
    await expect(
      store.coverage({ series: [g], fromMs: T0, toMs: T0 + HOUR, intervalMs: HOUR, expectedPeriodMs: 0 }),
    ).rejects.toThrow(/expectedPeriodMs/);
  });
}
