import { z } from 'zod';
import type { CompiledMapping } from './mapping.js';
import type { Interval, StateSamples } from './timeline.js';

/** OEE settings (per factory; data, not code). */
export const oeeConfigSchema = z.object({
  /** Stops (idle or unplanned, contiguous) shorter than this are micro-stops: a performance loss. */
  microStopThresholdS: z.number().positive().default(120),
  /** Rejects counted within this time after a setup ends are start-up rejects. */
  startupWindowS: z.number().nonnegative().default(300),
  /** A state sample holds at most this long without a newer one; null = until the next sample. */
  maxStateHoldS: z.number().positive().nullable().default(null),
  /** Line aggregation: last station (the line's output counter device) or time-weighted over machines. */
  lineRule: z.enum(['auto', 'lastStation', 'timeWeighted']).default('auto'),
  /**
   * A row whose figures rest on less than this share of known data (machine state known in production time,
   * counters without an open gap) carries `lowCoverage` — our choice, no standard fixes it.
   */
  minCoverage: z.number().min(0).max(1).default(0.95),
});
export type OeeConfig = z.infer<typeof oeeConfigSchema>;
export type OeeConfigInput = z.input<typeof oeeConfigSchema>;

/**
 * Counter increases per interval (from the store's counterIncrease, or step events); NaN = gap (unknown).
 * `afterGap` marks the jump a counter showed when it came back from a gap: those pieces were made somewhere in
 * [startMs, endMs), not at a known time — the domain spreads them over the running time there when the machine
 * state is known throughout, else reports them as unattributed production beside the figures.
 */
export type CountIncrements = {
  startMs: Float64Array;
  endMs: Float64Array;
  good: Float64Array;
  reject: Float64Array;
  afterGap?: Uint8Array;
};

/** Ideal cycle time as a step function (it changes with the product), seconds per piece. */
export type IdealCycleSamples = { tsMs: Float64Array; seconds: Float64Array };

export type MachineOeeInput = {
  deviceId: string;
  assetPath: string;
  mapping: CompiledMapping;
  states: StateSamples;
  counts?: CountIncrements;
  idealCycle?: IdealCycleSamples;
  /** Person-entered ideal cycle time (line settings) used where no idealCycleTime sample exists. */
  defaultIdealCycleS?: number;
  /** Device offline per the registry (unknown time). */
  unknownIntervals?: Interval[];
  /**
   * The state samples cover time up to here (the adapter reads past the window end, so a stop running over
   * the end keeps its true length); default: the window end. Never later than the data can know (now).
   */
  statesKnownUntilMs?: number;
};

/** Additive time and count totals of one machine (or a sum of machines) over one bucket. All ms. */
export type OeeTotals = {
  calendarMs: number;
  /** Calendar production time (shifts minus breaks). */
  productionMs: number;
  breakMs: number;
  offShiftMs: number;
  /** Planned stops the machine reported inside production time (no orders, switched off). */
  machinePlannedStopMs: number;
  /** Running during breaks or off-shift: added to planned production time, so output there counts. */
  runOutsidePlanMs: number;
  /** Known planned production time: production − machine planned stops − unknown + run outside plan. */
  plannedProductionMs: number;
  /** Machine state unknown (no data) inside calendar production time: neither planned nor operating time. */
  unknownMs: number;
  /** Machine state unknown in breaks and off-shift time. */
  unknownOutsideMs: number;
  setupMs: number;
  breakdownMs: number;
  idleMs: number;
  microStopMs: number;
  microStopCount: number;
  /** Running inside production time. */
  runningMs: number;
  operatingMs: number;
  goodCount: number;
  rejectCount: number;
  startupRejectCount: number;
  /** Σ pieces × ideal cycle time. */
  idealOutputMs: number;
  goodIdealMs: number;
  rejectIdealMs: number;
  startupRejectIdealMs: number;
  /** Pieces counted without an ideal cycle time (performance then unknown). */
  piecesWithoutIdealCycle: number;
  /** Time inside the bucket where the counters had a gap no later value closed. */
  countGapMs: number;
  /**
   * Pieces a counter showed after a gap whose machine states are unknown: made in the gap, when is not known,
   * so not in the figures; prorated over the gap by time so buckets still add up.
   */
  unattributedGoodCount: number;
  unattributedRejectCount: number;
};

export type SixBigLossesMin = {
  breakdowns: number;
  setupAdjustments: number;
  idlingMinorStops: number;
  reducedSpeed: number;
  startupRejects: number;
  productionRejects: number;
};

export type OeeFigures = {
  fromMs: number;
  toMs: number;
  totals: OeeTotals;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
  sixBigLossesMin: SixBigLossesMin;
  /** Time with no data inside calendar production time (not in planned production time, not a loss). */
  unknownMin: number;
  /**
   * Share of the data the figures rest on: the smaller of machine state known in calendar production time
   * (the whole bucket when it has none) and counters without an open gap. Null for an empty bucket.
   */
  coverage: number | null;
  /** coverage below the configured minimum (minCoverage). */
  lowCoverage: boolean;
  warnings: string[];
};

export type ShiftFigures = OeeFigures & { shift: string; date: string };
export type DayFigures = OeeFigures & { date: string };

export type MachineOeeResult = {
  deviceId: string;
  assetPath: string;
  mapping: { id: string; version: string };
  period: OeeFigures;
  days: DayFigures[];
  shifts: ShiftFigures[];
  /** Category and raw state at the end of the window, and since when. */
  current: { category: string; state: number | null; stateName: string | null; sinceMs: number } | null;
};

export type AssetOee = {
  assetPath: string;
  level: 'factory' | 'workshop' | 'line' | 'station';
  rule: 'lastStation' | 'timeWeighted';
  ruleDeviceId?: string;
  deviceIds: string[];
  period: OeeFigures;
  days: DayFigures[];
  shifts: ShiftFigures[];
};

export function emptyTotals(): OeeTotals {
  return {
    calendarMs: 0,
    productionMs: 0,
    breakMs: 0,
    offShiftMs: 0,
    machinePlannedStopMs: 0,
    runOutsidePlanMs: 0,
    plannedProductionMs: 0,
    unknownMs: 0,
    unknownOutsideMs: 0,
    setupMs: 0,
    breakdownMs: 0,
    idleMs: 0,
    microStopMs: 0,
    microStopCount: 0,
    runningMs: 0,
    operatingMs: 0,
    goodCount: 0,
    rejectCount: 0,
    startupRejectCount: 0,
    idealOutputMs: 0,
    goodIdealMs: 0,
    rejectIdealMs: 0,
    startupRejectIdealMs: 0,
    piecesWithoutIdealCycle: 0,
    countGapMs: 0,
    unattributedGoodCount: 0,
    unattributedRejectCount: 0,
  };
}

export function addTotals(into: OeeTotals, t: OeeTotals): OeeTotals {
  // Spelled out: this runs once per machine × bucket × group, and a keys loop allocates.
  into.calendarMs += t.calendarMs;
  into.productionMs += t.productionMs;
  into.breakMs += t.breakMs;
  into.offShiftMs += t.offShiftMs;
  into.machinePlannedStopMs += t.machinePlannedStopMs;
  into.runOutsidePlanMs += t.runOutsidePlanMs;
  into.plannedProductionMs += t.plannedProductionMs;
  into.unknownMs += t.unknownMs;
  into.unknownOutsideMs += t.unknownOutsideMs;
  into.setupMs += t.setupMs;
  into.breakdownMs += t.breakdownMs;
  into.idleMs += t.idleMs;
  into.microStopMs += t.microStopMs;
  into.microStopCount += t.microStopCount;
  into.runningMs += t.runningMs;
  into.operatingMs += t.operatingMs;
  into.goodCount += t.goodCount;
  into.rejectCount += t.rejectCount;
  into.startupRejectCount += t.startupRejectCount;
  into.idealOutputMs += t.idealOutputMs;
  into.goodIdealMs += t.goodIdealMs;
  into.rejectIdealMs += t.rejectIdealMs;
  into.startupRejectIdealMs += t.startupRejectIdealMs;
  into.piecesWithoutIdealCycle += t.piecesWithoutIdealCycle;
  into.countGapMs += t.countGapMs;
  into.unattributedGoodCount += t.unattributedGoodCount;
  into.unattributedRejectCount += t.unattributedRejectCount;
  return into;
}
