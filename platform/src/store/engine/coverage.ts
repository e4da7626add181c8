import type { CoverageInterval } from '../types.js';
import type { Summary } from '../rollup/summary.js';
import { type Span, spanIndex } from './align.js';

export type CoverageResult = { intervals: CoverageInterval[]; expected: number; present: number; ratio: number };

/**
 * Expected versus present samples per interval. expected = interval length / promised period (fractional
 * for a clipped interval); ratio = min(present, expected) / expected, so a surplus in one interval never
 * hides a shortfall in another — the total ratio sums the capped counts.
 */
export function coverageIntervals(
  items: readonly Summary[],
  spans: readonly Span[],
  fromMs: number,
  intervalMs: number,
  offsetMs: number,
  expectedPeriodMs: number,
  goodOnly: boolean,
): CoverageResult {
  const present = spans.map(() => 0);
  for (const it of items) {
    const k = spanIndex(it.startMs, fromMs, intervalMs, offsetMs);
    if (k < 0 || k >= spans.length) continue;
    present[k] = (present[k] as number) + (goodOnly ? it.nUsable : it.nAll);
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
