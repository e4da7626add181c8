import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOUR_MS, QUARTER_MS } from '../../platform/src/store/engine/align.js';
import { buildRollupsByHour } from '../../platform/src/store/rollup/build.js';
import { packed } from '../../platform/src/store/rollup/pack.js';
import type { Summary } from '../../platform/src/store/rollup/summary.js';
import { denseHours, type RefRow, randomRollupSeries, referenceBuckets } from './rollup-reference.js';

// −0 and 0 are the same reading: a meter's sign of zero is not a rollup difference (fast-check seed 401802031).
const zero = (v: number) => (v === 0 ? 0 : v);
const asRows = (ss: Summary[]) => {
  const f = packed(ss);
  return ss.map((_, i) => [...f.subarray(i * 22, i * 22 + 22)].map(zero));
};
const plain = (buckets: Iterable<number[]>) => [...buckets].map((b) => b.map(zero));

/** The shared summary builder (both stores' rollups) against the plain reference, bucket by bucket. */
function check(rows: RefRow[]): void {
  const sorted = [...rows].sort((a, b) => a.tsMs - b.tsMs);
  const built = buildRollupsByHour(sorted);
  expect(asRows(built.map((h) => h.hour))).toEqual(plain(referenceBuckets(rows, HOUR_MS).values()));
  expect(asRows(built.flatMap((h) => h.quarters))).toEqual(
    plain(referenceBuckets(rows, QUARTER_MS).values()),
  );
  const dense = denseHours(rows);
  expect(built.filter((h) => h.minutes.length > 0).map((h) => h.hourStartMs)).toEqual([...dense].sort());
  const minuteRows = rows.filter((r) => dense.has(r.tsMs - (r.tsMs % HOUR_MS)));
  expect(asRows(built.flatMap((h) => h.minutes))).toEqual(
    plain(referenceBuckets(minuteRows, 60_000).values()),
  );
}

describe('rollup summaries against an independent plain recomputation', () => {
  it('seeded random series: resets, flat runs, Bad/Uncertain/null/text, gaps, dense bursts', () => {
    for (let seed = 1; seed <= 30; seed++) check(randomRollupSeries(seed, Date.UTC(2026, 0, 1), 4));
  });

  it('property: any small series of unique times', () => {
    const row = fc.record({
      tsMs: fc.integer({ min: 0, max: 3 * HOUR_MS }),
      value: fc.option(
        fc.oneof(
          fc.integer({ min: -5, max: 5 }),
          fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
        ),
        { freq: 6 },
      ),
      status: fc.constantFrom(0, 0, 0, 0x40000000, 0x80000000),
      text: fc.option(fc.constant('x'), { freq: 8 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(row, { selector: (r) => r.tsMs, maxLength: 200 }), (rows) => {
        check(rows.map((r) => ({ ...r, tsMs: Date.UTC(2026, 0, 1) + r.tsMs })));
      }),
      { numRuns: 300 },
    );
  });
});
