import type { Packed } from '../rollup/pack.js';
import type { CoverageInterval } from '../types.js';
import { alignDown, type Spans } from './align.js';
import { foldSummaries } from './fold.js';

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
  spans: Spans,
  fromMs: number,
  intervalMs: number,
  offsetMs: number,
  expectedPeriodMs: number,
  goodOnly: boolean,
): CoverageResult {
  const f = foldSummaries(items, spans.length, alignDown(fromMs, intervalMs, offsetMs), intervalMs);
  const present = goodOnly ? f.usable : f.all;
  let expectedSum = 0;
  let presentSum = 0;
  let cappedSum = 0;
  const intervals: CoverageInterval[] = new Array(spans.length);
  for (let k = 0; k < spans.length; k++) {
    const startMs = spans.startMs[k] as number;
    const expected = ((spans.endMs[k] as number) - startMs) / expectedPeriodMs;
    const p = present[k] as number;
    const capped = Math.min(p, expected);
    expectedSum += expected;
    presentSum += p;
    cappedSum += capped;
    intervals[k] = { startMs, expected, present: p, ratio: expected > 0 ? capped / expected : 0 };
  }
  return {
    intervals,
    expected: expectedSum,
    present: presentSum,
    ratio: expectedSum > 0 ? cappedSum / expectedSum : 0,
  };
}
