import type { OeeFigures, OeeTotals } from './types.js';

const MIN = 60_000;
/** Default minimum coverage (oeeConfigSchema.minCoverage) for callers that aggregate totals themselves. */
export const DEFAULT_MIN_COVERAGE = 0.95;

/**
 * A/P/Q/OEE and the six big losses from additive totals (so machines, lines and days all use one formula).
 *   Availability = operating ÷ planned production time        (operating = running + micro-stops)
 *   Performance  = Σ pieces × ideal cycle ÷ operating
 *   Quality      = good ÷ (good + reject)
 *   OEE          = A × P × Q
 * Six big losses (minutes): breakdowns (unplanned stops ≥ threshold), setup & adjustments, idling & minor
 * stops (long idle — an availability loss — plus micro-stops — a performance loss), reduced speed
 * (running time not explained by ideal output), start-up rejects and production rejects (pieces × ideal cycle).
 * Planned production time holds known time only; `coverage` says what share of the bucket's data was there
 * (coverageOf) and `lowCoverage` flags it below `minCoverage`.
 */
export function figuresFromTotals(
  fromMs: number,
  toMs: number,
  t: OeeTotals,
  minCoverage = DEFAULT_MIN_COVERAGE,
): OeeFigures {
  const warnings: string[] = [];
  const ppt = t.plannedProductionMs;
  const availability = ppt > 0 ? t.operatingMs / ppt : null;
  const pieces = t.goodCount + t.rejectCount;
  let performance: number | null = null;
  if (t.operatingMs > 0) {
    if (t.piecesWithoutIdealCycle > 0) warnings.push('idealCycleTimeMissing');
    else performance = t.idealOutputMs / t.operatingMs;
  }
  if (performance !== null && performance > 1) warnings.push('performanceAboveOne');
  const quality = pieces > 0 ? t.goodCount / pieces : null;
  let oee: number | null = null;
  if (availability !== null) {
    if (availability === 0) oee = 0;
    else if (performance !== null)
      oee = quality !== null ? availability * performance * quality : performance === 0 ? 0 : null;
  }
  if (t.unknownMs > 0) warnings.push('stateDataGap');
  if (t.countGapMs > 0) warnings.push('counterDataGap');
  if (t.unattributedGoodCount + t.unattributedRejectCount > 0) warnings.push('unattributedProduction');
  const coverage = coverageOf(t);
  const lowCoverage = coverage !== null && coverage < minCoverage;
  if (lowCoverage) warnings.push('lowCoverage');
  const runMs = t.runningMs + t.runOutsidePlanMs;
  return {
    fromMs,
    toMs,
    totals: t,
    availability,
    performance,
    quality,
    oee,
    sixBigLossesMin: {
      breakdowns: t.breakdownMs / MIN,
      setupAdjustments: t.setupMs / MIN,
      idlingMinorStops: (t.idleMs + t.microStopMs) / MIN,
      reducedSpeed: performance === null ? 0 : Math.max(0, runMs - t.idealOutputMs) / MIN,
      startupRejects: t.startupRejectIdealMs / MIN,
      productionRejects: (t.rejectIdealMs - t.startupRejectIdealMs) / MIN,
    },
    unknownMin: t.unknownMs / MIN,
    coverage,
    lowCoverage,
    warnings,
  };
}

/**
 * Share of known data behind a bucket's figures: the smaller of
 *   state coverage   = 1 − unknown ÷ calendar production time (over the whole bucket when it has no production
 *                      time, e.g. a holiday), and
 *   counter coverage = 1 − open counter gaps ÷ calendar time.
 * Both are machine-time sums, so a line's or a factory's coverage weighs each machine by its time. Null for an
 * empty bucket.
 */
export function coverageOf(t: OeeTotals): number | null {
  if (!(t.calendarMs > 0)) return null;
  const state =
    t.productionMs > 0
      ? 1 - t.unknownMs / t.productionMs
      : 1 - (t.unknownMs + t.unknownOutsideMs) / t.calendarMs;
  const counter = 1 - t.countGapMs / t.calendarMs;
  return Math.max(0, Math.min(state, counter));
}
