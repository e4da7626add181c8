import type { DiagnosisContext } from '../context.js';
import type { IntervalSeries, MeterSeries } from '../types.js';

/**
 * Per-meter data checks shared by the metering rule and the report's data-quality appendix: gaps, frozen
 * counters (no increase for hours while the power/flow gauge shows consumption, or while the meter normally
 * always consumes), negative increases, physically implausible ones (above 1.5 × rating, or a child above its
 * parent), counter resets/rollovers, and gauges that delivered no good value at all (Bad quality).
 */
export type MeterCheck = {
  meterId: string;
  slots: number;
  gapSlots: number;
  /** Gaps between the meter's first and last reading (drop-outs) vs before/after them (coverage). */
  internalGapSlots: number;
  /** Slots with data, and the span from the first to the last of them (ms). */
  coveredSlots: number;
  firstDataMs: number | null;
  lastDataMs: number | null;
  longestGapSlots: number;
  frozenSlots: number;
  /** The frozen stretches as [first slot, slot count]: accounting treats them as gaps, never as zero use. */
  frozenRuns: [number, number][];
  /** Consumption the power/flow gauge shows during frozen stretches, native unit (null without a gauge). */
  frozenMissedQuantity: number | null;
  frozenFromMs: number | null;
  negativeSlots: number;
  implausibleSlots: number;
  childOverParentSlots: number;
  resets: number;
  rollovers: number;
  source: MeterSeries['consumptionSource'];
  /** Gauges with no good value (e.g. a channel reporting Bad quality throughout), and their gap share. */
  badGauges: { metric: string; gapShare: number }[];
};

const cache = new WeakMap<DiagnosisContext, MeterCheck[]>();

/** Lets a context reuse checks made on another context of the same meters (see maskFrozenConsumption). */
export function seedMeterChecks(ctx: DiagnosisContext, checks: MeterCheck[]): void {
  cache.set(ctx, checks);
}

export function checkMeters(ctx: DiagnosisContext): MeterCheck[] {
  const hit = cache.get(ctx);
  if (hit) return hit;
  const out = [...ctx.meterById.values()].map((m) => checkMeter(ctx, m));
  cache.set(ctx, out);
  return out;
}

function rateOf(m: MeterSeries): Float64Array | null {
  return m.powerKw?.values ?? m.flowPerH?.values ?? null;
}

function checkMeter(ctx: DiagnosisContext, m: MeterSeries): MeterCheck {
  const s = ctx.settings.metering;
  const n = ctx.grid.n;
  const v = m.consumption.values;
  const node = ctx.tree.nodes.get(m.deviceId);
  const rated = node?.ratedPowerKw ?? ctx.devices.get(m.deviceId)?.ratedPowerKw;
  const parentMeter = node?.parent ? ctx.meterById.get(node.parent) : undefined;
  const parent = parentMeter?.consumption.values;
  // A parent's quarter-hour with silence on its counter (no reading pair: before a drop-out's first Bad
  // reading, after its last Good one) holds only the increase of its reading pairs — a lower bound, the rest
  // booked as unattributed gap consumption. A child above it there is no evidence that a meter reads wrong.
  const parentSilent = parentMeter?.counterEvidence?.silentShare.values;
  let gapSlots = 0;
  let negativeSlots = 0;
  let implausibleSlots = 0;
  let childOverParentSlots = 0;
  let positive = 0;
  let known = 0;
  // Frozen: runs of at least frozenMinHours with zero increase — or no counter sample at all while the
  // power/flow gauge keeps reporting (a counter published on change goes silent when it freezes).
  const rate = rateOf(m);
  const minRun = Math.max(1, Math.round(s.frozenMinHours * 4));
  const implausibleKwh =
    m.medium === 'electricity' && rated ? (s.impossibleFactorOfRating * rated) / 4 : Number.POSITIVE_INFINITY;
  const tol = 1 + s.childOverParentTolerance;
  const runs: { start: number; len: number; rateSum: number; rateN: number }[] = [];
  let runStart = -1;
  let rateSum = 0;
  let rateN = 0;
  // The meter's first and last reading and its longest gap, in the same pass (a year × every meter).
  let first = -1;
  let last = -1;
  let gapRun = 0;
  let longestGapSlots = 0;
  for (let i = 0; i <= n; i++) {
    const x = i < n ? v[i]! : 0;
    const r = rate && i < n ? rate[i]! : Number.NaN;
    const nan = Number.isNaN(x);
    const zero = i < n && (x === 0 || (nan && !Number.isNaN(r)));
    if (zero) {
      if (runStart < 0) {
        runStart = i;
        rateSum = 0;
        rateN = 0;
      }
      if (!Number.isNaN(r)) {
        rateSum += r;
        rateN++;
      }
    } else if (runStart >= 0) {
      if (i - runStart >= minRun) runs.push({ start: runStart, len: i - runStart, rateSum, rateN });
      runStart = -1;
    }
    if (i === n) break;
    if (nan) {
      gapSlots++;
      gapRun++;
      if (gapRun > longestGapSlots) longestGapSlots = gapRun;
      continue;
    }
    gapRun = 0;
    if (first < 0) first = i;
    last = i;
    known++;
    if (x > 0) positive++;
    else if (x < 0) negativeSlots++;
    if (x > implausibleKwh) implausibleSlots++;
    if (parent) {
      const p = parent[i]!;
      const complete = !parentSilent || !(parentSilent[i]! > 0);
      if (!Number.isNaN(p) && complete && x > p * tol + 1e-6) childOverParentSlots++;
    }
  }
  const normallyConsumes = known > 0 && positive / known >= 0.95;
  let frozenSlots = 0;
  let missed = 0;
  let frozenFromMs: number | null = null;
  const frozenRuns: [number, number][] = [];
  for (const run of runs) {
    const gaugeSays = rate ? run.rateN > 0 && run.rateSum / run.rateN > 1e-3 : normallyConsumes;
    if (!gaugeSays) continue;
    frozenSlots += run.len;
    frozenRuns.push([run.start, run.len]);
    missed += run.rateSum * 0.25;
    frozenFromMs ??= ctx.grid.fromMs + run.start * 900_000;
  }
  const gauges: [string, IntervalSeries | undefined][] = [
    ['activePower', m.powerKw],
    ['reactiveEnergyImport', m.reactiveKvarh],
    ['voltage.L1', m.voltageV?.L1],
    ['voltage.L2', m.voltageV?.L2],
    ['voltage.L3', m.voltageV?.L3],
    ['voltageThd', m.voltageThdPct],
    ['voltageUnbalance', m.voltageUnbalancePct],
    ['flow', m.flowPerH],
  ];
  // Judged inside the meter's own data only: time before its first or after its last reading is coverage.
  const badGauges = gauges.flatMap(([metric, sr]) => {
    if (!sr || first < 0) return [];
    let g = 0;
    for (let i = first; i <= last; i++) if (Number.isNaN(sr.values[i]!)) g++;
    const share = g / (last - first + 1);
    return share >= s.gapShareFlag.high ? [{ metric, gapShare: share }] : [];
  });
  // Channels the store saw mostly non-Good (e.g. a phase current reporting Bad) that were not read above.
  for (const b of m.badMetrics ?? [])
    if (1 - b.goodShare >= s.gapShareFlag.high && !badGauges.some((g) => g.metric === b.metric))
      badGauges.push({ metric: b.metric, gapShare: 1 - b.goodShare });
  // Every slot before the first reading and after the last is a gap; the rest of the gaps lie between.
  const internal = first < 0 ? 0 : gapSlots - first - (n - 1 - last);
  return {
    meterId: m.deviceId,
    slots: n,
    gapSlots,
    internalGapSlots: internal,
    coveredSlots: n - gapSlots,
    firstDataMs: first < 0 ? null : ctx.grid.fromMs + first * 900_000,
    lastDataMs: last < 0 ? null : ctx.grid.fromMs + (last + 1) * 900_000,
    longestGapSlots,
    frozenSlots,
    frozenRuns,
    frozenMissedQuantity: rate ? missed : null,
    frozenFromMs,
    negativeSlots,
    implausibleSlots,
    childOverParentSlots,
    resets: m.counterResets,
    rollovers: m.counterRollovers,
    source: m.consumptionSource,
    badGauges,
  };
}
