import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RawPoint, slidingMean, stepSeries, timeWeightedMean } from './static/step.js';

/**
 * The console's step semantics against a second, plain implementation: the value at any instant is the last
 * sample at or before it (unknown after a Bad sample or past the staleness limit), and the time-weighted mean is
 * the integral of that function over the known time, computed here by sampling every millisecond of a short
 * window. Randomized with fast-check; a failure prints its seed and the shrunk case.
 */
const GOOD = 0;
const BAD = 0x80000000;

/** The value in force at t, by definition: the last sample at or before t, held for less than maxStale. */
function valueAt(start: RawPoint | null, pts: RawPoint[], t: number, maxStale: number): number | null {
  let last: RawPoint | null = start;
  for (const p of pts) if (p.tsMs <= t) last = p;
  if (!last || last.value === null || last.status !== GOOD) return null;
  return t - last.tsMs < maxStale ? last.value : null;
}

const arbPoints = fc
  .array(
    fc.record({
      tsMs: fc.integer({ min: 0, max: 399 }),
      value: fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constant(null)),
      bad: fc.boolean(),
    }),
    { maxLength: 25 },
  )
  .map((xs) => {
    const seen = new Set<number>();
    return xs
      .filter((x) => !seen.has(x.tsMs) && seen.add(x.tsMs))
      .sort((a, b) => a.tsMs - b.tsMs)
      .map((x) => ({ tsMs: 100 + x.tsMs, value: x.value, status: x.bad ? BAD : GOOD }));
  });

const arbStart = fc.option(
  fc.record({
    tsMs: fc.integer({ min: 0, max: 99 }),
    value: fc.integer({ min: -50, max: 50 }),
    status: fc.constant(GOOD),
  }),
  { nil: null },
);

describe('step series (last value held)', () => {
  it('holds the last Good sample until the next sample or the staleness limit, at every instant', () => {
    fc.assert(
      fc.property(arbStart, arbPoints, fc.integer({ min: 1, max: 300 }), (start, pts, maxStale) => {
        const from = 100;
        const to = 500;
        const s = stepSeries(start, pts, from, to, maxStale);
        expect(s[0]?.[0]).toBe(from);
        expect(s[s.length - 1]?.[0]).toBe(to);
        for (let t = from; t < to; t++) {
          let level: number | null = null;
          for (const [tm, v] of s) if (tm <= t) level = v;
          expect(level, `t=${t}`).toBe(valueAt(start, pts, t, maxStale));
        }
      }),
    );
  });

  it('averages over time, not over samples', () => {
    fc.assert(
      fc.property(arbStart, arbPoints, fc.integer({ min: 1, max: 300 }), (start, pts, maxStale) => {
        const s = stepSeries(start, pts, 100, 500, maxStale);
        let area = 0;
        let known = 0;
        for (let t = 100; t < 500; t++) {
          const v = valueAt(start, pts, t, maxStale);
          if (v !== null) {
            area += v;
            known++;
          }
        }
        const m = timeWeightedMean(s, 100, 500);
        if (known === 0) expect(m).toBeNull();
        else expect(m).toBeCloseTo(area / known, 9);
      }),
    );
  });

  it('an on-change gauge: two samples a day apart are one flat line, not two dots', () => {
    const day = 86_400_000;
    const s = stepSeries(
      { tsMs: -5, value: 100, status: GOOD },
      [{ tsMs: day / 2, value: 40, status: GOOD }],
      0,
      day,
      day,
    );
    expect(s).toEqual([
      [0, 100],
      [day / 2, 40],
      [day, 40],
    ]);
    expect(timeWeightedMean(s, 0, day)).toBe(70);
    // The mean of the samples would be 70 here too; with the change at a quarter of the day it is not.
    const q = stepSeries(
      { tsMs: -5, value: 100, status: GOOD },
      [{ tsMs: day / 4, value: 40, status: GOOD }],
      0,
      day,
      day,
    );
    expect(timeWeightedMean(q, 0, day)).toBe(55);
  });

  it('the sliding mean is the mean over each trailing window, unknown while part of it is unknown', () => {
    fc.assert(
      fc.property(arbStart, arbPoints, (start, pts) => {
        const s = stepSeries(start, pts, 100, 500, 1000);
        for (const [t, v] of slidingMean(s, 100, 500, 50, 10)) {
          const known = Array.from({ length: 50 }, (_, i) => valueAt(start, pts, t - 50 + i, 1000));
          if (known.some((x) => x === null)) expect(v).toBeNull();
          else expect(v).toBeCloseTo(known.reduce<number>((a, b) => a + (b as number), 0) / 50, 9);
        }
      }),
    );
  });
});
