import { expect, it } from 'vitest';
import type { Aggregate, SeriesKey, StoredPoint, TimeSeriesStore } from '../types.js';
import {
  BAD,
  DAY,
  type GetCtx,
  HOUR,
  key,
  MIN,
  prng,
  pt,
  T0,
  UNCERTAIN,
  UTC8_OFFSET_MS,
} from './fixtures.js';

const AGGREGATES: Aggregate[] = ['mean', 'min', 'max', 'first', 'last', 'sum', 'count'];

/** Three days of minute data with a reset, a rollover, a gap, Bad and Uncertain samples, 20-s bursts. */
export function rollupDataset(c: SeriesKey, g: SeriesKey): StoredPoint[] {
  const rnd = prng(42);
  const out: StoredPoint[] = [];
  let counter = 9_000;
  for (let m = 0; m < 3 * 24 * 60; m++) {
    // Some samples sit 13 s into their minute: a one-sample rollup bucket must keep its exact time.
    const t = T0 + m * MIN + (m % 7 === 3 ? 13_000 : 0);
    if (m >= 1630 && m < 1670) continue; // a 40-minute hole on day 2
    counter += Math.round(rnd() * 40) / 8;
    if (counter >= 10_000) counter -= 10_000; // register rollover at 10 000
    if (m === 2160) counter = 0.5; // meter reset at day 1 12:00
    out.push(m % 97 === 0 ? pt(c, t, 1e9 * rnd(), BAD) : pt(c, t, counter));
    // Hours 30–31 of the counter are dense (1-min rollups kept) yet every third minute holds one sample.
    if (m >= 1800 && m < 1920 && m % 3 !== 0) out.push(pt(c, t + 30_000, counter + 0.125));
    const v = 200 + rnd() * 50;
    out.push(pt(g, t, m % 53 === 0 ? null : v, m % 53 === 0 ? BAD : m % 31 === 0 ? UNCERTAIN : 0));
    if (m >= 600 && m < 660) {
      out.push(pt(g, t + 20_000, v + 1), pt(g, t + 40_000, v - 1)); // a burst of 20-s samples
    }
  }
  return out;
}

async function compareAll(store: TimeSeriesStore, c: SeriesKey, g: SeriesKey): Promise<number> {
  let compared = 0;
  const ranges: [number, number][] = [
    [T0, T0 + 3 * DAY],
    [T0 + 37 * MIN + 12_345, T0 + 2 * DAY + 5 * HOUR + 13 * MIN],
  ];
  for (const [fromMs, toMs] of ranges) {
    for (const [intervalMs, alignOffsetMs] of [
      [MIN, 0],
      [15 * MIN, 0],
      [HOUR, 0],
      [DAY, UTC8_OFFSET_MS],
    ] as [number, number][]) {
      for (const aggregate of AGGREGATES) {
        const q = { series: [g, c], fromMs, toMs, intervalMs, alignOffsetMs, aggregate };
        expect(await store.query(q)).toEqual(await store.query({ ...q, source: 'raw' }));
        compared++;
      }
      for (const extra of [
        {},
        { rolloverAt: 10_000 },
        { maxGapMs: 2 * MIN },
        { maxGapMs: HOUR, rolloverAt: 10_000 },
      ]) {
        const q = { series: [c], fromMs, toMs, intervalMs, alignOffsetMs, ...extra };
        expect(await store.counterIncrease(q)).toEqual(await store.counterIncrease({ ...q, source: 'raw' }));
        compared++;
      }
      for (const goodOnly of [true, false]) {
        const q = {
          series: [g, c],
          fromMs,
          toMs,
          intervalMs,
          alignOffsetMs,
          expectedPeriodMs: MIN,
          goodOnly,
        };
        expect(await store.coverage(q)).toEqual(await store.coverage({ ...q, source: 'raw' }));
        compared++;
      }
    }
  }
  return compared;
}

/** Rollups must be invisible: every answer equals the one computed from raw points. */
export function rollupTests(ctx: GetCtx): void {
  it('answers identically from rollups and from raw points, also after late historical writes', async () => {
    const { store } = ctx();
    const c = key('meter-1');
    const g = key('meter-1', 'activePower');
    const all = rollupDataset(c, g);
    // Newest third first, then the rest: rollups must not depend on arrival order.
    await store.write(all.slice(Math.floor((all.length * 2) / 3)));
    await store.write(all.slice(0, Math.floor((all.length * 2) / 3)));
    await store.flush();
    expect(store.health().rollups?.dirtyHours).toBe(0);
    const before = store.health().rollups?.servedFromRollups ?? 0;
    expect(await compareAll(store, c, g)).toBe(2 * 4 * (7 + 4 + 2));
    expect(store.health().rollups?.servedFromRollups ?? 0).toBeGreaterThan(before);

    // Sanity on the data itself: hour 10 holds 60 minute samples and 120 burst samples of g, minus minute
    // 636 (Bad, 12·53) and minutes 620 and 651 (Uncertain, 20·31 and 21·31).
    const [cov] = await store.coverage({
      series: [g],
      fromMs: T0 + 10 * HOUR,
      toMs: T0 + 11 * HOUR,
      intervalMs: HOUR,
      expectedPeriodMs: MIN,
    });
    expect(cov?.present).toBe(60 + 120 - 3);

    // Late, historical corrections re-dirty old hours; queries must see them before any flush.
    await store.write([
      pt(c, T0 + 5 * HOUR + 7 * MIN, 1.25), // a counter glitch (reset) in an old hour
      pt(g, T0 + 5 * HOUR + 7 * MIN, 10_000),
      pt(g, T0 - 2 * DAY, 5), // far before everything else
      pt(c, T0 + 1630 * MIN + 20 * MIN, 12_345), // a sample inside the hole
    ]);
    expect(store.health().rollups?.dirtyHours).toBeGreaterThan(0);
    expect(await compareAll(store, c, g)).toBe(2 * 4 * 13);
    const [maxHour] = await store.query({
      series: [g],
      fromMs: T0 + 5 * HOUR,
      toMs: T0 + 6 * HOUR,
      intervalMs: HOUR,
      aggregate: 'max',
    });
    expect(maxHour?.buckets[0]?.value).toBe(10_000);
    await store.flush();
    expect(store.health().rollups?.dirtyHours).toBe(0);
  });

  it('serves a year of hourly counter increase from rollups with the right totals', async () => {
    const { store } = ctx();
    const m = key('meter-9');
    // One sample per hour for 366 days rising 2 kWh per hour; 1-min rollups also hold them.
    const pts = Array.from({ length: 366 * 24 + 1 }, (_, h) => pt(m, T0 + h * HOUR, 2 * h));
    await store.write(pts);
    await store.flush();
    const q = { series: [m], fromMs: T0, toMs: T0 + 366 * DAY, intervalMs: HOUR, maxGapMs: HOUR };
    const [r] = await store.counterIncrease(q);
    expect(r?.intervals).toHaveLength(366 * 24);
    expect(r?.intervals.every((i) => i.increase === 2 && i.coverage === 1)).toBe(true);
    const [d] = await store.counterIncrease({ ...q, intervalMs: DAY, alignOffsetMs: UTC8_OFFSET_MS });
    // Local days start at 16:00 UTC: the first is clipped to [T0, T0+16 h), the last to 8 h.
    expect(d?.intervals).toHaveLength(367);
    expect([d?.intervals[0]?.increase, d?.intervals[1]?.increase, d?.intervals[366]?.increase]).toEqual([
      32, 48, 16,
    ]);
  });
}
