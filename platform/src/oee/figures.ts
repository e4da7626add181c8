import type { OeeFigures, OeeTotals } from './types.js';

const MIN = 60_000;

/**
 * A/P/Q/OEE and the six big losses from additive totals (so machines, lines and days all use one formula).
 *   Availability = operating ÷ planned production time        (operating = running + micro-stops)
 *   Performance  = Σ pieces × ideal cycle ÷ operating
 *   Quality      = good ÷ (good + reject)
 *   OEE          = A × P × Q
 * Six big losses (minutes): breakdowns (unplanned stops ≥ threshold), setup & adjustments, idling & minor
 * stops (long idle — an availability loss — plus micro-stops — a performance loss), reduced speed
 * (running time not explained by ideal output), start-up rejects and production rejects (pieces × ideal cycle).
 */
export function figuresFromTotals(fromMs: number, toMs: number, t: OeeTotals): OeeFigures {
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
    warnings,
  };
}
