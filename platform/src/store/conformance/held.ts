import { expect, it } from 'vitest';
import type { Aggregate, SeriesKey, StoredPoint } from '../types.js';
import { BAD, DAY, type GetCtx, HOUR, key, MIN, pt, T0, UNCERTAIN, UTC8_OFFSET_MS } from './fixtures.js';
import { rollupDataset } from './rollups.js';

type Row = [minute: number, value: number | null, count: number, coveredMin: number];

/**
 * Time-weighted mean ('twa') and value in force ('step') of gauges reported on change, hand-computed: a
 * Good sample's value holds until the next stored sample or maxHoldMs; any other time is unknown.
 */
export function heldTests(ctx: GetCtx): void {
  const g = key('comp-1', 'activePower');
  const held = async (
    data: StoredPoint[],
    aggregate: Aggregate,
    q: { fromMs?: number; toMs: number; intervalMs: number; maxHoldMs: number },
  ): Promise<Row[]> => {
    const { store } = ctx();
    await store.write(data);
    const fromMs = q.fromMs ?? T0;
    const out: Row[][] = [];
    for (const source of ['auto', 'raw'] as const) {
      const [r] = await store.query({ series: [g], ...q, fromMs, aggregate, source });
      out.push(
        r!.buckets.map((b) => [(b.tsMs - T0) / MIN, b.value, b.count, (b.coveredMs ?? Number.NaN) / MIN]),
      );
    }
    expect(out[1]).toEqual(out[0]);
    return out[0]!;
  };
  const close = (rows: Row[], want: Row[]) => {
    expect(rows.map(([m, , c, cov]) => [m, c, cov])).toEqual(want.map(([m, , c, cov]) => [m, c, cov]));
    rows.forEach(([, v], i) => {
      const w = want[i]![1];
      if (w === null) expect(v).toBeNull();
      else expect(v).toBeCloseTo(w, 12);
    });
  };

  // 10 from 0:00, 30 from 0:20, 5 from 0:50 (then held past the range end).
  const steps = [pt(g, T0, 10), pt(g, T0 + 20 * MIN, 30), pt(g, T0 + 50 * MIN, 5)];

  it('twa holds each value until the next sample, across bucket edges', async () => {
    const rows = await held(steps, 'twa', { toMs: T0 + HOUR, intervalMs: 15 * MIN, maxHoldMs: HOUR });
    close(rows, [
      [0, 10, 1, 15],
      [15, (10 * 5 + 30 * 10) / 15, 1, 15], // 10 until 0:20, then 30
      [30, 30, 0, 15], // no sample, 30 still in force
      [45, (30 * 5 + 5 * 10) / 15, 1, 15],
    ]);
    // The sample mean of the same buckets is a different, on-change-blind number: 20 over [15, 30) ≠ 23.3.
    const { store } = ctx();
    const [mean] = await store.query({
      series: [g],
      fromMs: T0,
      toMs: T0 + HOUR,
      intervalMs: 15 * MIN,
      aggregate: 'mean',
    });
    expect(mean?.buckets.map((b) => b.value)).toEqual([10, 30, null, 5]);
  });

  it('step gives the value in force at each bucket start', async () => {
    const rows = await held(steps, 'step', { toMs: T0 + HOUR, intervalMs: 15 * MIN, maxHoldMs: HOUR });
    expect(rows).toEqual([
      [0, 10, 1, 15],
      [15, 10, 1, 15],
      [30, 30, 0, 15],
      [45, 30, 1, 15],
    ]);
  });

  it('a value older than maxHoldMs is stale: unknown, not averaged in, not held', async () => {
    const data = [pt(g, T0, 4), pt(g, T0 + 60 * MIN, 8)];
    const q = { toMs: T0 + 90 * MIN, intervalMs: 30 * MIN, maxHoldMs: 20 * MIN };
    close(await held(data, 'twa', q), [
      [0, 4, 1, 20],
      [30, null, 0, 0],
      [60, 8, 1, 20],
    ]);
    expect((await held([], 'step', q)).map((r) => r[1])).toEqual([4, null, 8]);
  });

  it('a Bad sample (and an Uncertain one) ends a hold; the next Good sample starts one', async () => {
    const data = [
      pt(g, T0, 6),
      pt(g, T0 + 10 * MIN, null, BAD),
      pt(g, T0 + 40 * MIN, 2),
      pt(g, T0 + 70 * MIN, 999, UNCERTAIN),
      pt(g, T0 + 80 * MIN, 1),
    ];
    const q = { toMs: T0 + 90 * MIN, intervalMs: 30 * MIN, maxHoldMs: HOUR };
    close(await held(data, 'twa', q), [
      [0, 6, 1, 10], // 6 over [0, 10), then unknown
      [30, 2, 1, 20], // unknown until 0:40, then 2
      [60, (2 * 10 + 1 * 10) / 20, 1, 20], // 2 until the Uncertain sample at 1:10, unknown, 1 from 1:20
    ]);
    expect((await held([], 'step', q)).map((r) => r[1])).toEqual([6, null, 2]);
  });

  it('a sample exactly on a bucket edge starts its value there; a Bad one on an edge leaves it unknown', async () => {
    const data = [pt(g, T0, 1), pt(g, T0 + 30 * MIN, 7), pt(g, T0 + 60 * MIN, null, BAD)];
    const q = { toMs: T0 + 90 * MIN, intervalMs: 30 * MIN, maxHoldMs: HOUR };
    close(await held(data, 'twa', q), [
      [0, 1, 1, 30],
      [30, 7, 1, 30],
      [60, null, 0, 0],
    ]);
    expect((await held([], 'step', q)).map((r) => r[1])).toEqual([1, 7, null]);
  });

  it('carries the value in force from before the range, within maxHoldMs only', async () => {
    const data = [pt(g, T0 - 10 * MIN, 3)];
    const q = { toMs: T0 + 30 * MIN, intervalMs: 15 * MIN, maxHoldMs: 20 * MIN };
    close(await held(data, 'twa', q), [
      [0, 3, 0, 10],
      [15, null, 0, 0],
    ]);
    expect((await held([], 'step', { ...q, maxHoldMs: 10 * MIN })).map((r) => r[1])).toEqual([null, null]);
    // A range starting mid-bucket: the clipped first bucket starts at 0:05 with 3 in force until 0:10.
    const clipped = await held([], 'twa', { ...q, fromMs: T0 + 5 * MIN });
    expect(clipped.map((r) => [r[0], r[1], r[3]])).toEqual([
      [5, 3, 5],
      [15, null, 0],
    ]);
  });

  it('step() returns the exact step function as segments tiling the range, null where unknown', async () => {
    const { store } = ctx();
    await store.write([
      pt(g, T0 - 5 * MIN, 2),
      pt(g, T0 + 10 * MIN, 2), // re-reported: the segment continues
      pt(g, T0 + 20 * MIN, null, BAD),
      pt(g, T0 + 30 * MIN, 4),
      pt(g, T0 + 100 * MIN, 6),
    ]);
    const [r] = await store.step({ series: [g], fromMs: T0, toMs: T0 + 2 * HOUR, maxHoldMs: HOUR });
    expect(r?.series).toEqual(g);
    expect(r?.segments.map((s) => [(s.startMs - T0) / MIN, (s.endMs - T0) / MIN, s.value])).toEqual([
      [0, 20, 2],
      [20, 30, null],
      [30, 90, 4], // stale after an hour
      [90, 100, null],
      [100, 120, 6],
    ]);
  });

  it('refuses held aggregates without a staleness limit, without buckets, or over non-Good values', async () => {
    const { store } = ctx();
    const base = { series: [g], fromMs: T0, toMs: T0 + HOUR, intervalMs: HOUR };
    await expect(store.query({ ...base, aggregate: 'twa' })).rejects.toThrow(/maxHoldMs/);
    await expect(store.query({ ...base, aggregate: 'step', maxHoldMs: 0 })).rejects.toThrow(/maxHoldMs/);
    await expect(
      store.query({ series: [g], fromMs: T0, toMs: T0 + HOUR, aggregate: 'twa', maxHoldMs: HOUR }),
    ).rejects.toThrow(/intervalMs/);
    await expect(
      store.query({ ...base, aggregate: 'twa', maxHoldMs: HOUR, goodOnly: false }),
    ).rejects.toThrow(/Good/);
    await expect(store.step({ series: [g], fromMs: T0, toMs: T0 + HOUR, maxHoldMs: -1 })).rejects.toThrow(
      /maxHoldMs/,
    );
  });

  it('answers identically from rollups and raw points, and summaries() equals query()', async () => {
    const { store } = ctx();
    const c = key('meter-1');
    const gauge = key('meter-1', 'activePower');
    await store.write(rollupDataset(c, gauge));
    await store.flush();
    let compared = 0;
    for (const [fromMs, toMs] of [
      [T0, T0 + 3 * DAY],
      [T0 + 37 * MIN + 12_345, T0 + 2 * DAY + 5 * HOUR + 13 * MIN],
    ] as const) {
      for (const [intervalMs, alignOffsetMs] of [
        [MIN, 0],
        [15 * MIN, 0],
        [HOUR, 0],
        [DAY, UTC8_OFFSET_MS],
        [450_000, 0],
      ] as const) {
        // 30 s is shorter than most spacings (rollup buckets expanded), 2 min than the 40-min hole, 6 h none.
        for (const maxHoldMs of [30_000, 2 * MIN, 6 * HOUR]) {
          const base = { series: [gauge, c], fromMs, toMs, intervalMs, alignOffsetMs, maxHoldMs };
          for (const aggregate of ['twa', 'step'] as const) {
            const auto = await store.query({ ...base, aggregate });
            expect(await store.query({ ...base, aggregate, source: 'raw' })).toEqual(auto);
            compared++;
            if (aggregate === 'twa') compared += await sameAsSummaries(store, base, auto);
          }
        }
      }
    }
    expect(compared).toBe(2 * 5 * 3 * 3);
  });
}

async function sameAsSummaries(
  store: ReturnType<GetCtx>['store'],
  base: {
    series: SeriesKey[];
    fromMs: number;
    toMs: number;
    intervalMs: number;
    alignOffsetMs: number;
    maxHoldMs: number;
  },
  twa: Awaited<ReturnType<ReturnType<GetCtx>['store']['query']>>,
): Promise<number> {
  const sums = await store.summaries(base);
  expect(
    sums.map((s) => ({
      series: s.series,
      buckets: Array.from(s.startMs, (tsMs, k) => ({
        tsMs,
        value: Number.isNaN(s.twMean![k]!) ? null : s.twMean![k]!,
        count: s.count[k]!,
        coveredMs: s.twCoveredMs![k]!,
      })),
    })),
  ).toEqual(twa);
  return 1;
}
