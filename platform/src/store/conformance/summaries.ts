import { expect, it } from 'vitest';
import type { Aggregate, SeriesKey, SeriesSummaries, SummaryQuery, TimeSeriesStore } from '../types.js';
import { BAD, DAY, type GetCtx, HOUR, key, MIN, pt, T0, UNCERTAIN, UTC8_OFFSET_MS } from './fixtures.js';
import { rollupDataset } from './rollups.js';

type SampleAggregate = Exclude<Aggregate, 'twa' | 'step'>;
const AGGREGATES: SampleAggregate[] = ['mean', 'min', 'max', 'first', 'last', 'sum', 'count'];
const nan = Number.NaN;
const plain = (a: ArrayLike<number>) => Array.from(a);

/** summaries(): every per-interval answer in one pass, equal to the per-purpose queries. */
export function summaryTests(ctx: GetCtx): void {
  const c = key('meter-1');
  const s = key('cnc-1', 'state');
  // Counter, minutes after T0: Good 100, 110; Bad without value at 20; 125; a reset to 5 at 40; 15; 35 at 70.
  // State: a text at 5, an Uncertain value at 20, a Good value at 35.
  const data = [
    pt(c, T0, 100),
    pt(c, T0 + 10 * MIN, 110),
    pt(c, T0 + 20 * MIN, null, BAD),
    pt(c, T0 + 25 * MIN, 125),
    pt(c, T0 + 40 * MIN, 5),
    pt(c, T0 + 50 * MIN, 15),
    pt(c, T0 + 70 * MIN, 35),
    pt(s, T0 + 5 * MIN, null, 0, 'A'),
    pt(s, T0 + 20 * MIN, 3, UNCERTAIN),
    pt(s, T0 + 35 * MIN, 7),
  ];
  const q = (extra: Partial<SummaryQuery> = {}): SummaryQuery => ({
    series: [c, s],
    fromMs: T0,
    toMs: T0 + HOUR,
    intervalMs: 15 * MIN,
    ...extra,
  });

  it('answers aggregates, sample counts and counter increase per interval, hand-computed', async () => {
    const { store } = ctx();
    await store.write(data);
    await store.flush();
    for (const source of ['auto', 'raw'] as const) {
      const [a, b] = await store.summaries(q({ source }));
      expect([a?.series, b?.series]).toEqual([c, s]);
      expect(plain(a!.startMs)).toEqual([0, 15, 30, 45].map((m) => T0 + m * MIN));
      expect(plain(a!.endMs)).toEqual([15, 30, 45, 60].map((m) => T0 + m * MIN));
      expect(plain(a!.count)).toEqual([2, 1, 1, 1]);
      expect(plain(a!.sum)).toEqual([210, 125, 5, 15]);
      expect(plain(a!.min)).toEqual([100, 125, 5, 15]);
      expect(plain(a!.max)).toEqual([110, 125, 5, 15]);
      expect(plain(a!.first)).toEqual([100, 125, 5, 15]);
      expect(plain(a!.firstTsMs)).toEqual([0, 25, 40, 50].map((m) => T0 + m * MIN));
      expect(plain(a!.last)).toEqual([110, 125, 5, 15]);
      expect(plain(a!.lastTsMs)).toEqual([10, 25, 40, 50].map((m) => T0 + m * MIN));
      expect(plain(a!.present)).toEqual([2, 1, 1, 1]);
      expect(plain(a!.stored)).toEqual([2, 2, 1, 1]); // the Bad sample is stored, not present
      // Steps at 1/min from 0 to 25; the reset 125 → 5 (5 over 15 min) ends in [30, 45); 5 → 15 over 10 min;
      // 15 → 35 is 20 min apart, wider than the default 15-min gap: [50, 60) is not covered.
      expect(plain(a!.increase)).toEqual([10 + 5, 10 + (5 * 5) / 15, (5 * 10) / 15 + (10 * 5) / 10, nan]);
      expect(plain(a!.covered)).toEqual([1, 1, 1, 5 / 15]);
      expect(plain(a!.resets)).toEqual([0, 0, 1, 0]);
      expect(plain(a!.rollovers)).toEqual([0, 0, 0, 0]);
      // The state: the text counts as present but carries no value; the Uncertain value is only stored.
      expect(plain(b!.count)).toEqual([0, 0, 1, 0]);
      expect(plain(b!.present)).toEqual([1, 0, 1, 0]);
      expect(plain(b!.stored)).toEqual([1, 1, 1, 0]);
      expect(plain(b!.sum)).toEqual([nan, nan, 7, nan]);
      expect(plain(b!.last)).toEqual([nan, nan, 7, nan]);
      expect(plain(b!.increase)).toEqual([nan, nan, nan, nan]);
      expect(plain(b!.covered)).toEqual([0, 0, 0, 0]);
    }
    // A 30-min gap limit covers 50 → 70 (20 over 20 min) too, with the sample after the range at 70.
    const [wide] = await store.summaries(q({ series: [c], maxGapMs: 30 * MIN }));
    expect(wide!.increase[3]).toBe(5 + 10);
    expect(wide!.covered[3]).toBe(1);
  });

  it('clips the first and last interval to the range and refuses bad parameters', async () => {
    const { store } = ctx();
    await store.write(data);
    const [a] = await store.summaries(q({ series: [c], fromMs: T0 + 5 * MIN, toMs: T0 + 35 * MIN }));
    expect(plain(a!.startMs)).toEqual([5, 15, 30].map((m) => T0 + m * MIN));
    expect(plain(a!.endMs)).toEqual([15, 30, 35].map((m) => T0 + m * MIN));
    expect(plain(a!.count)).toEqual([1, 1, 0]);
    expect(plain(a!.increase)).toEqual([5 + 5, 10 + (5 * 5) / 15, (5 * 5) / 15]);
    await expect(store.summaries(q({ intervalMs: 0 }))).rejects.toThrow(/intervalMs/);
    await expect(store.summaries(q({ maxGapMs: -1 }))).rejects.toThrow(/maxGapMs/);
  });

  it('equals query(), coverage() and counterIncrease() from rollups and from raw points', async () => {
    const { store } = ctx();
    const g = key('meter-1', 'activePower');
    await store.write(rollupDataset(c, g));
    await store.flush();
    let compared = 0;
    for (const [fromMs, toMs] of [
      [T0, T0 + 3 * DAY],
      [T0 + 37 * MIN + 12_345, T0 + 2 * DAY + 5 * HOUR + 13 * MIN],
    ] as const) {
      for (const [intervalMs, alignOffsetMs] of [
        [15 * MIN, 0],
        [HOUR, 0],
        [DAY, UTC8_OFFSET_MS],
      ] as const) {
        for (const extra of [{}, { maxGapMs: HOUR, rolloverAt: 10_000 }]) {
          const base = { series: [g, c], fromMs, toMs, intervalMs, alignOffsetMs };
          const sum = await store.summaries({ ...base, ...extra });
          expect(await store.summaries({ ...base, ...extra, source: 'raw' })).toEqual(sum);
          // Without the aggregates: every other column the same, the aggregates absent (both read paths).
          for (const source of ['auto', 'raw'] as const) {
            const lean = await store.summaries({ ...base, ...extra, source, aggregates: false });
            expect(lean).toEqual(sum.map(withoutAggregates));
            for (const x of lean) for (const k of AGGREGATE_KEYS) expect(k in x).toBe(false);
          }
          compared += await sameAsQueries(store, base, extra, sum);
        }
      }
    }
    expect(compared).toBe(2 * 3 * 2 * (7 + 2 + 1));
  });
}

const AGGREGATE_KEYS = ['sum', 'min', 'max', 'first', 'last', 'lastTsMs'];
const withoutAggregates = (x: SeriesSummaries) =>
  Object.fromEntries(Object.entries(x).filter(([k]) => !AGGREGATE_KEYS.includes(k)));

/** The `query()` bucket value of an aggregate, from the summary columns. */
function bucketValue(x: SeriesSummaries, k: number, aggregate: SampleAggregate): number | null {
  const n = x.count[k]!;
  if (aggregate === 'count') return n;
  if (n === 0) return null;
  const cols = {
    mean: x.sum[k]! / n,
    min: x.min[k]!,
    max: x.max[k]!,
    first: x.first[k]!,
    last: x.last[k]!,
    sum: x.sum[k]!,
  };
  return cols[aggregate];
}

/** Compares summaries with the per-purpose queries over the same range; returns the comparisons made. */
async function sameAsQueries(
  store: TimeSeriesStore,
  base: { series: SeriesKey[]; fromMs: number; toMs: number; intervalMs: number; alignOffsetMs: number },
  extra: { maxGapMs?: number; rolloverAt?: number },
  sum: SeriesSummaries[],
): Promise<number> {
  const nullable = (v: number) => (Number.isNaN(v) ? null : v);
  for (const aggregate of AGGREGATES) {
    const r = await store.query({ ...base, aggregate });
    const want = sum.map((x) => ({
      series: x.series,
      buckets: plain(x.startMs).map((tsMs, k) => ({
        tsMs,
        value: bucketValue(x, k, aggregate),
        count: x.count[k]!,
      })),
    }));
    expect(r).toEqual(want);
  }
  for (const goodOnly of [true, false]) {
    const r = await store.coverage({ ...base, expectedPeriodMs: MIN, goodOnly });
    expect(r.map((x) => x.intervals.map((i) => i.present))).toEqual(
      sum.map((x) => plain(goodOnly ? x.present : x.stored)),
    );
  }
  const r = await store.counterIncrease({ ...base, ...extra });
  expect(r).toEqual(
    sum.map((x) => ({
      series: x.series,
      intervals: plain(x.startMs).map((startMs, k) => ({
        startMs,
        endMs: x.endMs[k]!,
        increase: nullable(x.increase[k]!),
        coverage: x.covered[k]!,
        resets: x.resets[k]!,
        rollovers: x.rollovers[k]!,
        coveredIncrease: x.coveredIncrease[k]!,
        gapIncrease: nullable(x.gapIncrease[k]!),
        gapFromMs: nullable(x.gapFromMs[k]!),
        silentRunMs: x.silentRunMs[k]!,
        flatRunMs: x.flatRunMs[k]!,
      })),
    })),
  );
  return AGGREGATES.length + 2 + 1;
}
