import { expect, it } from 'vitest';
import type { CounterQuery, SeriesKey } from '../types.js';
import { type GetCtx, HOUR, key, MIN, samples, T0 } from './fixtures.js';

/**
 * Counters: a silent or flat stretch is a gap or a freeze, never interpolated consumption. The rise across a
 * gap is a catch-up reported beside the intervals; silent and flat runs are measured over their whole length.
 */
export function counterGapTests(ctx: GetCtx): void {
  const e = key('meter-7');
  const run = async (q: Partial<CounterQuery> & { intervalMs: number; toMs: number }, k: SeriesKey = e) => {
    const auto = await ctx().store.counterIncrease({ series: [k], fromMs: T0, ...q });
    expect(await ctx().store.counterIncrease({ series: [k], fromMs: T0, ...q, source: 'raw' })).toEqual(auto);
    return auto[0]!.intervals.map((i) => ({
      at: (i.startMs - T0) / MIN,
      inc: i.increase,
      covInc: i.coveredIncrease,
      cov: i.coverage,
      gap: i.gapIncrease,
      gapFrom: i.gapFromMs === null ? null : (i.gapFromMs - T0) / MIN,
      silent: i.silentRunMs / MIN,
      flat: i.flatRunMs / MIN,
      resets: i.resets,
    }));
  };

  it('reports the rise across a silent stretch as a catch-up where the reading resumes, never spread', async () => {
    // Readings every 15 min, silent from 0:30 to 2:30 (a freeze of an on-change meter), then the jump.
    await ctx().store.write(
      samples(e, T0, [
        [0, 100],
        [15, 110],
        [30, 120],
        [150, 300],
        [165, 310],
        [180, 320],
      ]),
    );
    const none = { gap: 0, gapFrom: null, flat: 0, resets: 0 };
    expect(await run({ intervalMs: HOUR, toMs: T0 + 3 * HOUR })).toEqual([
      { at: 0, inc: null, covInc: 20, cov: 0.5, silent: 120, ...none },
      { at: 60, inc: null, covInc: 0, cov: 0, silent: 120, ...none },
      { at: 120, inc: null, covInc: 20, cov: 0.5, silent: 120, ...none, gap: 180, gapFrom: 30 },
    ]);
  });

  it('shows a silence still running at the range end as a silent run to the end, with no catch-up', async () => {
    await ctx().store.write(
      samples(e, T0, [
        [0, 100],
        [15, 110],
        [30, 120],
      ]),
    );
    const r = await run({ intervalMs: HOUR, toMs: T0 + 2 * HOUR });
    expect(r.map((i) => [i.covInc, i.cov, i.silent, i.gap])).toEqual([
      [20, 0.5, 90, 0],
      [0, 0, 90, 0],
    ]);
  });

  it('measures flat runs of a meter that keeps reporting the same reading, across intervals', async () => {
    await ctx().store.write(
      samples(e, T0, [
        [0, 100],
        [15, 110],
        [30, 120],
        [45, 120],
        [60, 120],
        [75, 120],
        [90, 130],
      ]),
    );
    const r = await run({ intervalMs: 30 * MIN, toMs: T0 + 90 * MIN });
    expect(r.map((i) => [i.at, i.inc, i.cov, i.flat, i.silent])).toEqual([
      [0, 20, 1, 0, 0],
      [30, 0, 1, 45, 0], // flat from 0:30 to 1:15, 45 min, whichever interval it is seen from
      [60, 10, 1, 45, 0],
    ]);
  });

  it('finds a flat run inside a quarter-hour that neither starts nor ends it', async () => {
    await ctx().store.write(
      samples(e, T0, [
        [0, 100],
        [2, 101],
        [3, 101],
        [4, 101],
        [5, 101],
        [6, 102],
        [14, 103],
      ]),
    );
    const r = await run({ intervalMs: 15 * MIN, toMs: T0 + 15 * MIN });
    expect(r.map((i) => [i.flat, i.covInc])).toEqual([[3, 3]]);
  });

  it('closes a gap crossing the range start with the reading before it, unknown beyond the look-back', async () => {
    await ctx().store.write(
      samples(e, T0, [
        [-180, 50],
        [30, 80],
        [45, 90],
      ]),
    );
    const [known] = await run({ intervalMs: HOUR, toMs: T0 + HOUR });
    expect(known).toMatchObject({ inc: null, covInc: 10, cov: 0.25, gap: 30, gapFrom: -180, silent: 30 });
    const [unknown] = await run({ intervalMs: HOUR, toMs: T0 + HOUR, gapLookbackMs: HOUR });
    expect(unknown).toMatchObject({ covInc: 10, cov: 0.25, gap: null, gapFrom: null, silent: 30 });
  });

  it('counts a drop across a gap as a reset: its catch-up is the new reading counted from zero', async () => {
    await ctx().store.write(
      samples(e, T0, [
        [0, 500],
        [15, 520],
        [100, 5],
        [115, 15],
      ]),
    );
    const r = await run({ intervalMs: HOUR, toMs: T0 + 2 * HOUR });
    expect(r.map((i) => [i.covInc, i.gap, i.gapFrom, i.resets])).toEqual([
      [20, 0, null, 0],
      [10, 5, 15, 1],
    ]);
  });

  it('summaries() carry the same gap, silent and flat columns', async () => {
    await ctx().store.write(
      samples(e, T0, [
        [0, 100],
        [30, 120],
        [150, 300],
      ]),
    );
    const q = { series: [e], fromMs: T0, toMs: T0 + 3 * HOUR, intervalMs: HOUR, maxGapMs: 30 * MIN };
    const [s] = await ctx().store.summaries(q);
    expect(Array.from(s!.coveredIncrease)).toEqual([20, 0, 0]);
    expect(Array.from(s!.gapIncrease)).toEqual([0, 0, 180]);
    expect(Array.from(s!.gapFromMs)).toEqual([Number.NaN, Number.NaN, T0 + 30 * MIN]);
    // A lone reading covers no time: the silence runs on from 0:30 to the range end.
    expect(Array.from(s!.silentRunMs)).toEqual([150, 150, 150].map((m) => m * MIN));
  });
}
