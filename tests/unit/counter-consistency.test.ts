import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CounterSample,
  counterContradiction,
  RESET_MARKER_BIT,
} from '../../platform/src/ingest/counter-consistency.js';

/**
 * The pure rule of platform/src/ingest/counter-consistency.ts. Oracles are by construction: a history split
 * into "stored" and "batch" parts of one increasing series is consistent whatever the split; a second,
 * different history over the same timestamps is not.
 */
const s = (tsMs: number, value: number, status = 0): CounterSample => ({ tsMs, value, status });
const T = 1_700_000_000_000;
const MIN = 60_000;

/** A strictly increasing counter on a 1-min grid: start value + positive steps. */
const increasing = fc
  .tuple(
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.array(fc.double({ min: 0.001, max: 500, noNaN: true }), { minLength: 2, maxLength: 80 }),
  )
  .map(([start, steps]) => {
    let v = start;
    return steps.map((d, i) => {
      v += d;
      return s(T + i * MIN, v);
    });
  });

function split(series: CounterSample[], inBatch: boolean[]) {
  const batch = series.filter((_, i) => inBatch[i]);
  const stored = series.filter((_, i) => !inBatch[i]);
  if (batch.length === 0) return null;
  const from = batch[0]!.tsMs;
  const to = batch.at(-1)!.tsMs;
  return {
    batch,
    around: {
      before: stored.filter((x) => x.tsMs < from).at(-1) ?? null,
      inside: stored.filter((x) => x.tsMs >= from && x.tsMs <= to),
      after: stored.find((x) => x.tsMs > to) ?? null,
    },
  };
}

describe('counterContradiction', () => {
  it('never refuses a batch that is part of the stored history (any split, redelivery included)', () => {
    fc.assert(
      fc.property(increasing, fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), (series, pick) => {
        const p = split(series, pick);
        if (!p) return;
        expect(counterContradiction(p.batch, p.around)).toBeNull();
        // an exact redelivery of stored samples is no contradiction either
        expect(counterContradiction(series, { before: null, inside: series, after: null })).toBeNull();
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('refuses a second history over stored timestamps (the restarted simulator of issue 11)', () => {
    fc.assert(
      fc.property(
        increasing,
        fc.double({ min: 0.01, max: 1e4, noNaN: true }),
        fc.boolean(),
        (stored, delta, lower) => {
          // Another run: same timestamps, its own values (shifted up or down, still increasing itself).
          const other = stored.map((x) => s(x.tsMs, x.value + (lower ? -delta : delta)));
          const why = counterContradiction(other, { before: null, inside: stored, after: null });
          expect(why).toMatch(/is stored as .* the batch says/);
        },
      ),
      { seed: 12, numRuns: 300 },
    );
  });

  it('refuses a batch whose counter starts below the stored value before it, unless reset-marked or a rollover', () => {
    const before = s(T, 1000);
    const batch = [s(T + MIN, 10), s(T + 2 * MIN, 12)];
    const around = { before, inside: [], after: null };
    expect(counterContradiction(batch, around)).toMatch(/goes backwards .* stored 1000 .* the batch has 10/);
    const marked = [s(T + MIN, 10, RESET_MARKER_BIT), s(T + 2 * MIN, 12)];
    expect(counterContradiction(marked, around)).toBeNull();
    // 99 999 999.9-register: from its top 10 % to its bottom 10 % is a rollover, as the store counts it
    const top = { before: s(T, 99_999_990), inside: [], after: null };
    expect(counterContradiction(batch, top, 99_999_999.9)).toBeNull();
    expect(counterContradiction(batch, top)).not.toBeNull();
  });

  it('refuses a batch that ends above the stored value after it, and one that dips between stored samples', () => {
    const after = { before: null, inside: [], after: s(T + 10 * MIN, 50) };
    expect(counterContradiction([s(T, 40), s(T + MIN, 60)], after)).toMatch(/the batch has 60 .* stored 50/);
    const around = { before: s(T, 100), inside: [s(T + 2 * MIN, 120)], after: s(T + 4 * MIN, 140) };
    expect(counterContradiction([s(T + MIN, 110), s(T + 3 * MIN, 130)], around)).toBeNull();
    expect(counterContradiction([s(T + MIN, 110), s(T + 3 * MIN, 115)], around)).toMatch(/backwards/);
  });

  it('judges no drop inside the batch itself, and ignores Bad samples and non-finite values', () => {
    const around = { before: s(T, 100), inside: [], after: null };
    // the agent saw a reset between two of its own samples: the store counts it, ingest does not judge it
    expect(counterContradiction([s(T + MIN, 105), s(T + 2 * MIN, 3), s(T + 3 * MIN, 4)], around)).toBeNull();
    const bad = 0x8000_0000;
    expect(counterContradiction([s(T + MIN, 1, bad), s(T + 2 * MIN, 106)], around)).toBeNull();
    expect(counterContradiction([s(T + MIN, 101)], { ...around, before: s(T, 999, bad) })).toBeNull();
  });
});
