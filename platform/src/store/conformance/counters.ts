import { expect, it } from 'vitest';
import type { CounterQuery, SeriesKey } from '../types.js';
import {
  BAD,
  DAY,
  type GetCtx,
  HOUR,
  key,
  LOCAL_MIDNIGHT,
  MIN,
  pt,
  samples,
  T0,
  UTC8_OFFSET_MS,
} from './fixtures.js';

/** Counter increase: interpolation, rollover, reset, gaps vs frozen meters, local days. */
export function counterTests(ctx: GetCtx): void {
  const e = key('meter-1');
  const run = async (q: Partial<CounterQuery> & { intervalMs: number }, k: SeriesKey = e) => {
    const { store } = ctx();
    const r = await store.counterIncrease({ series: [k], fromMs: T0, toMs: T0 + HOUR, ...q });
    expect(r[0]?.series).toEqual(k);
    return r[0]!.intervals.map((i) => ({
      at: (i.startMs - (q.fromMs ?? T0)) / MIN,
      len: (i.endMs - i.startMs) / MIN,
      inc: i.increase,
      cov: i.coverage,
      resets: i.resets,
      rollovers: i.rollovers,
    }));
  };
  const write = async (ps: ReturnType<typeof samples>) => ctx().store.write(ps);

  it('is exact when samples sit on the interval edges', async () => {
    await write(
      samples(e, T0, [
        [0, 100],
        [15, 110],
        [30, 120],
        [45, 130],
        [60, 140],
        [75, 155],
      ]),
    );
    expect(await run({ intervalMs: HOUR })).toEqual([
      { at: 0, len: 60, inc: 40, cov: 1, resets: 0, rollovers: 0 },
    ]);
    expect((await run({ intervalMs: 30 * MIN })).map((i) => i.inc)).toEqual([20, 20]);
    expect((await run({ intervalMs: 15 * MIN, toMs: T0 + 75 * MIN })).map((i) => i.inc)).toEqual([
      10, 10, 10, 10, 15,
    ]);
  });

  it('interpolates linearly at interval edges between samples', async () => {
    await write(
      samples(e, T0, [
        [-10, 0],
        [10, 20],
        [50, 60],
        [70, 80],
      ]),
    );
    // (−10,10): 20 over 20 min, 10 min inside → 10; (10,50): 40; (50,70): 20 over 20 min, 10 inside → 10.
    expect(await run({ intervalMs: HOUR, maxGapMs: HOUR })).toEqual([
      { at: 0, len: 60, inc: 60, cov: 1, resets: 0, rollovers: 0 },
    ]);
    // [0,30): 10 + 40·20/40 = 30; [30,60): 40·20/40 + 10 = 30.
    expect((await run({ intervalMs: 30 * MIN, maxGapMs: HOUR })).map((i) => i.inc)).toEqual([30, 30]);
    // A range starting at 5 min: (−10,10) contributes 20·5/20 = 5; clipped interval [5,60).
    const clipped = await run({ intervalMs: HOUR, maxGapMs: HOUR, fromMs: T0 + 5 * MIN });
    expect(clipped).toEqual([{ at: 0, len: 55, inc: 55, cov: 1, resets: 0, rollovers: 0 }]);
  });

  it('counts a rollover as the wrapped difference when rolloverAt is given, else as a reset', async () => {
    await write(
      samples(e, T0, [
        [0, 950],
        [15, 990],
        [30, 20],
        [45, 60],
        [60, 100],
      ]),
    );
    // 40 + (1000 − 990 + 20) + 40 + 40
    expect(await run({ intervalMs: HOUR, rolloverAt: 1000 })).toEqual([
      { at: 0, len: 60, inc: 150, cov: 1, resets: 0, rollovers: 1 },
    ]);
    // Without the register size the drop is a reset: the post-reset value 20 counts from zero.
    expect(await run({ intervalMs: HOUR })).toEqual([
      { at: 0, len: 60, inc: 140, cov: 1, resets: 1, rollovers: 0 },
    ]);
    // The wrap belongs to the interval in which its step ends.
    expect((await run({ intervalMs: 30 * MIN, rolloverAt: 1000 })).map((i) => [i.inc, i.rollovers])).toEqual([
      [70, 1],
      [80, 0],
    ]);
  });

  it('treats a drop not near the rollover value as a meter reset, counting from zero', async () => {
    await write(
      samples(e, T0, [
        [0, 500],
        [15, 520],
        [30, 5],
        [45, 25],
        [60, 45],
      ]),
    );
    expect(await run({ intervalMs: HOUR, rolloverAt: 1000 })).toEqual([
      { at: 0, len: 60, inc: 65, cov: 1, resets: 1, rollovers: 0 },
    ]);
  });

  it('shows missing samples longer than maxGapMs as a gap (null), never as zero', async () => {
    await write(
      samples(e, T0, [
        [0, 0],
        [15, 10],
        [45, 30],
        [60, 40],
      ]),
    );
    expect(await run({ intervalMs: HOUR })).toEqual([
      { at: 0, len: 60, inc: null, cov: 0.5, resets: 0, rollovers: 0 },
    ]);
    expect(await run({ intervalMs: 15 * MIN })).toEqual([
      { at: 0, len: 15, inc: 10, cov: 1, resets: 0, rollovers: 0 },
      { at: 15, len: 15, inc: null, cov: 0, resets: 0, rollovers: 0 },
      { at: 30, len: 15, inc: null, cov: 0, resets: 0, rollovers: 0 },
      { at: 45, len: 15, inc: 10, cov: 1, resets: 0, rollovers: 0 },
    ]);
    // A 30-min spacing is fine when the caller allows it.
    expect((await run({ intervalMs: 15 * MIN, maxGapMs: 30 * MIN })).map((i) => i.inc)).toEqual([
      10, 10, 10, 10,
    ]);
  });

  it('shows a frozen meter that keeps reporting as zero increase with full coverage (freezes are a diagnosis)', async () => {
    await write(
      samples(e, T0, [
        [0, 42],
        [15, 42],
        [30, 42],
        [45, 42],
        [60, 42],
      ]),
    );
    expect(await run({ intervalMs: 30 * MIN })).toEqual([
      { at: 0, len: 30, inc: 0, cov: 1, resets: 0, rollovers: 0 },
      { at: 30, len: 30, inc: 0, cov: 1, resets: 0, rollovers: 0 },
    ]);
  });

  it('shows a meter that stopped reporting (or never existed) as gaps', async () => {
    await write(
      samples(e, T0, [
        [0, 0],
        [15, 5],
        [30, 10],
      ]),
    );
    expect(await run({ intervalMs: 30 * MIN })).toEqual([
      { at: 0, len: 30, inc: 10, cov: 1, resets: 0, rollovers: 0 },
      { at: 30, len: 30, inc: null, cov: 0, resets: 0, rollovers: 0 },
    ]);
    expect((await run({ intervalMs: 30 * MIN }, key('never-seen'))).map((i) => [i.inc, i.cov])).toEqual([
      [null, 0],
      [null, 0],
    ]);
  });

  it('skips samples with Bad quality (a Bad sample can open a gap, never a spike)', async () => {
    await write([
      ...samples(e, T0, [
        [0, 0],
        [15, 10],
        [45, 30],
        [60, 40],
      ]),
      pt(e, T0 + 30 * MIN, 999_999, BAD),
    ]);
    expect((await run({ intervalMs: 15 * MIN })).map((i) => i.inc)).toEqual([10, null, null, 10]);
    expect((await run({ intervalMs: HOUR, maxGapMs: 30 * MIN })).map((i) => i.inc)).toEqual([40]);
  });

  it('gives consumption per local day at UTC+8 with alignOffsetMs = −8 h', async () => {
    const d = key('meter-3');
    // 1 kWh per hour for three local days, samples on the hour.
    await write(Array.from({ length: 73 }, (_, h) => pt(d, LOCAL_MIDNIGHT - DAY + h * HOUR, 1000 + h)));
    const r = await ctx().store.counterIncrease({
      series: [d],
      fromMs: LOCAL_MIDNIGHT - DAY,
      toMs: LOCAL_MIDNIGHT + 2 * DAY,
      intervalMs: DAY,
      alignOffsetMs: UTC8_OFFSET_MS,
      maxGapMs: HOUR,
    });
    expect(r[0]?.intervals.map((i) => [i.startMs - LOCAL_MIDNIGHT, i.increase, i.coverage])).toEqual([
      [-DAY, 24, 1],
      [0, 24, 1],
      [DAY, 24, 1],
    ]);
  });

  it('keeps counters of several series apart in one query', async () => {
    const a = key('a');
    const b = key('b');
    await write([
      ...samples(a, T0, [
        [0, 0],
        [60, 6],
      ]),
      ...samples(b, T0, [
        [0, 100],
        [60, 160],
      ]),
    ]);
    const r = await ctx().store.counterIncrease({
      series: [a, b],
      fromMs: T0,
      toMs: T0 + HOUR,
      intervalMs: HOUR,
      maxGapMs: HOUR,
    });
    expect(r.map((s) => [s.series.deviceId, s.intervals[0]?.increase])).toEqual([
      ['a', 6],
      ['b', 60],
    ]);
  });
}
