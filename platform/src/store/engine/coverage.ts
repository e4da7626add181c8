import { F_ALL, F_START, F_USABLE, PACKED_FIELDS, type Packed } from '../rollup/pack.js';
import type { CoverageInterval } from '../types.js';
import { alignDown, type Span } from './align.js';

export type CoverageResult = {
  intervals: CoverageInterval[];
  expected: number;
  present: number;
  ratio: number;
};

/**
 * Expected versus present samples per interval. expected = interval length / promised period (fractional
 * for a clipped interval); ratio = min(present, expected) / expected, so a surplus in one interval never
 * hides a shortfall in another — the total ratio sums the capped counts.
 */
export function coverageIntervals(
  items: Packed,
  spans: readonly Span[],
  fromMs: number,
  intervalMs: number,
  offsetMs: number,
  expectedPeriodMs: number,
  goodOnly: boolean,
): CoverageResult {
  const present = new Float64Array(spans.length);
  const base = alignDown(fromMs, intervalMs, offsetMs);
  const field = goodOnly ? F_USABLE : F_ALL;
  for (let o = 0; o < items.length; o += PACKED_FIELDS) {
    const k = Math.floor(((items[o + F_START] as number) - base) / intervalMs);
    if (k < 0 || k >= spans.length) continue;
    present[k] = (present[k] as number) + (items[o + field] as number);
  }
  let expectedSum = 0;
  let presentSum = 0;
  let cappedSum = 0;
  const intervals = spans.map((s, k) => {
    const expected = (s.endMs - s.startMs) / expectedPeriodMs;
    const p = present[k] as number;
    const capped = Math.min(p, expected);
    expectedSum += expected;
    presentSum += p;
    cappedSum += capped;
    return { startMs: s.startMs, expected, present: p, ratio: expected > 0 ? capped / expected : 0 };
  });
  return {
    intervals,
    expected: expectedSum,
    present: presentSum,
    ratio: expectedSum > 0 ? cappedSum / expectedSum : 0,
  };
}
