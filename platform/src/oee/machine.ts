import { accumulateTime } from './accumulate.js';
import type { CalendarContext } from './calendar-context.js';
import { accumulateCounts, countsAtEdges } from './counts.js';
import { figuresFromTotals } from './figures.js';
import { placeGapIncrements } from './gap-counts.js';
import { CATEGORY_CODES, NO_VALUE } from './mapping.js';
import { buildRuns, firstRunEndingAfter, markStopEvents, type Runs, setupEnds } from './timeline.js';
import {
  emptyTotals,
  type MachineOeeInput,
  type MachineOeeResult,
  type OeeConfig,
  type OeeFigures,
} from './types.js';

/**
 * OEE of one machine over the calendar context's window, per period, local day and shift. Runs extend past the
 * window end to the data horizon (`statesKnownUntilMs`) so a stop crossing the end is classified by its full
 * length; only the window's buckets are counted.
 */
export function computeMachineOee(
  input: MachineOeeInput,
  ctx: CalendarContext,
  config: OeeConfig,
): MachineOeeResult {
  const horizonMs = Math.max(ctx.toMs, input.statesKnownUntilMs ?? ctx.toMs);
  const runs = buildRuns(input.states, input.mapping, {
    fromMs: ctx.fromMs,
    toMs: horizonMs,
    ...(config.maxStateHoldS !== null ? { maxHoldMs: config.maxStateHoldS * 1000 } : {}),
    ...(input.unknownIntervals ? { unknownIntervals: input.unknownIntervals } : {}),
  });
  const stops = markStopEvents(runs, config.microStopThresholdS * 1000);
  const windowMs = config.startupWindowS * 1000;
  const startupWindows = mergeIntervals(setupEnds(runs).map((e) => ({ startMs: e, endMs: e + windowMs })));
  const buckets = [{ startMs: ctx.fromMs, endMs: ctx.toMs }, ...ctx.days, ...ctx.shifts];
  const counts = countsAtEdges(
    input.counts ? placeGapIncrements(input.counts, runs) : undefined,
    input.idealCycle,
    input.defaultIdealCycleS,
    startupWindows,
    buckets,
  );
  const bucket = (startMs: number, endMs: number): OeeFigures => {
    const t = emptyTotals();
    accumulateTime(t, runs, stops, ctx.segments, startMs, endMs);
    accumulateCounts(t, counts, startMs, endMs);
    return figuresFromTotals(startMs, endMs, t, config.minCoverage);
  };
  return {
    deviceId: input.deviceId,
    assetPath: input.assetPath,
    mapping: { id: input.mapping.id, version: input.mapping.version },
    period: bucket(ctx.fromMs, ctx.toMs),
    days: ctx.days.map((d) => ({ ...bucket(d.startMs, d.endMs), date: d.date })),
    shifts: ctx.shifts.map((s) => ({ ...bucket(s.startMs, s.endMs), shift: s.shift, date: s.date })),
    current: currentState(runs, input, ctx.toMs),
  };
}

/** The run in force at the end of the window: category, raw state and since when (start of that category). */
function currentState(runs: Runs, input: MachineOeeInput, toMs: number): MachineOeeResult['current'] {
  if (runs.n === 0) return null;
  const i = Math.min(firstRunEndingAfter(runs, toMs - 1), runs.n - 1);
  const state = runs.state[i] as number;
  return {
    category: CATEGORY_CODES[runs.cat[i] as number] ?? 'unknown',
    state: state === NO_VALUE ? null : state,
    stateName: state === NO_VALUE ? null : (input.mapping.stateNames.get(state) ?? null),
    sinceMs: runs.startMs[i] as number,
  };
}

/** Sorted, overlapping intervals merged (two changeovers within one start-up window count once). */
function mergeIntervals(list: { startMs: number; endMs: number }[]): { startMs: number; endMs: number }[] {
  const out: { startMs: number; endMs: number }[] = [];
  for (const i of list) {
    const last = out[out.length - 1];
    if (last && i.startMs <= last.endMs) last.endMs = Math.max(last.endMs, i.endMs);
    else out.push({ ...i });
  }
  return out;
}
