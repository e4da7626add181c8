import { calendarSegments, type ShiftCalendar } from '@xiang/protocol';
import type { GroundTruth } from '@xiang/simulators';

/**
 * The simulator's ground truth as OEE figures, computed here from the truth (not from anything the platform
 * stored): per tick, the true OPC 40001 MachineryItemState and OperationMode (GroundTruth.stateDurations over
 * one tick), the shift calendar (@xiang/protocol calendarSegments) and the true good/reject counts
 * (GroundTruth.counts). The loss rules are the documented ones (platform/src/oee/README.md, mapping
 * oee/mappings/opc40001.json), written out again tick by tick:
 *   category  Executing → running, NotExecuting → idle, OutOfService → unplanned stop, NotAvailable → planned
 *             stop; mode Setup turns running/idle into setup, mode Maintenance turns them into unplanned stop
 *   micro-stop  a maximal run of idle/unplanned-stop ticks shorter than the threshold (default 120 s)
 *   PPT        production time − planned stops in it + running outside it
 *   operating  running in production + micro-stops in production + running outside production
 *   A = operating ÷ PPT, P = Σ pieces × ideal cycle ÷ operating, Q = good ÷ pieces, OEE = A × P × Q
 */
type Cat = 'running' | 'idle' | 'setup' | 'unplannedStop' | 'plannedStop';

export type TruthFigures = {
  plannedProductionMs: number;
  operatingMs: number;
  runningInProductionMs: number;
  good: number;
  reject: number;
  idealAllMs: number;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
};

export class TruthTimeline {
  readonly cats: Cat[] = [];
  readonly production: boolean[] = [];
  readonly micro: boolean[] = [];
  readonly states: string[] = [];

  constructor(
    private readonly truth: GroundTruth,
    calendar: ShiftCalendar,
    readonly machine: { id: string; idealCycleTimeS?: number | undefined },
    readonly fromMs: number,
    readonly toMs: number,
    readonly tickMs: number,
    microStopThresholdMs = 120_000,
  ) {
    const n = Math.round((toMs - fromMs) / tickMs);
    for (let k = 0; k < n; k++) {
      const t = fromMs + k * tickMs;
      const d = truth.stateDurations(machine.id, t, t + tickMs);
      const state = Object.entries(d.states).find(([, ms]) => ms > 0)?.[0] ?? 'NotAvailable';
      const mode = Object.entries(d.modes).find(([, ms]) => ms > 0)?.[0] ?? 'None';
      let cat: Cat =
        state === 'Executing'
          ? 'running'
          : state === 'NotExecuting'
            ? 'idle'
            : state === 'OutOfService'
              ? 'unplannedStop'
              : 'plannedStop';
      if (mode === 'Setup' && (cat === 'running' || cat === 'idle')) cat = 'setup';
      if (mode === 'Maintenance' && cat !== 'plannedStop') cat = 'unplannedStop';
      this.cats.push(cat);
      this.states.push(state);
      this.production.push(false);
    }
    for (const seg of calendarSegments(calendar, fromMs, toMs)) {
      if (seg.kind !== 'production') continue;
      for (let t = seg.startMs; t < seg.endMs; t += tickMs) this.production[(t - fromMs) / tickMs] = true;
    }
    // Stop events over the whole timeline (calendar-blind, as the platform does), micro when short.
    for (let k = 0; k < n; ) {
      const stop = (c: Cat | undefined) => c === 'idle' || c === 'unplannedStop';
      if (!stop(this.cats[k])) {
        this.micro.push(false);
        k++;
        continue;
      }
      let e = k;
      while (e < n && stop(this.cats[e])) e++;
      const isMicro = (e - k) * tickMs < microStopThresholdMs;
      for (let j = k; j < e; j++) this.micro.push(isMicro);
      k = e;
    }
  }

  private index(ms: number): number {
    return Math.round((ms - this.fromMs) / this.tickMs);
  }

  /** Category and since when at the instant just before `ms` (what a live status shows at `ms`). */
  stateBefore(ms: number): { category: Cat; state: string; sinceMs: number } {
    const k = this.index(ms) - 1;
    const category = this.cats[k] as Cat;
    let j = k;
    while (j > 0 && this.cats[j - 1] === category) j--;
    return { category, state: this.states[k] as string, sinceMs: this.fromMs + j * this.tickMs };
  }

  /** Micro-stops starting in production time in [aMs, bMs) (how the platform counts them). */
  microStopCount(aMs: number, bMs: number): number {
    let n = 0;
    for (let k = this.index(aMs); k < this.index(bMs); k++)
      if (this.micro[k] && this.production[k] && (k === 0 || !this.micro[k - 1] || !this.production[k - 1]))
        n++;
    return n;
  }

  /** ms per raw state in [aMs, bMs). */
  timeInState(aMs: number, bMs: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (let k = this.index(aMs); k < this.index(bMs); k++)
      out[this.states[k] as string] = (out[this.states[k] as string] ?? 0) + this.tickMs;
    return out;
  }

  figures(aMs: number, bMs: number): TruthFigures {
    let ppt = 0;
    let operating = 0;
    let runningIn = 0;
    for (let k = this.index(aMs); k < this.index(bMs); k++) {
      const c = this.cats[k];
      if (this.production[k]) {
        if (c === 'plannedStop') continue;
        ppt += this.tickMs;
        if (c === 'running') {
          operating += this.tickMs;
          runningIn += this.tickMs;
        } else if (this.micro[k]) operating += this.tickMs;
      } else if (c === 'running') {
        ppt += this.tickMs;
        operating += this.tickMs;
      }
    }
    const ideal = this.machine.idealCycleTimeS;
    const c = ideal !== undefined ? this.truth.counts(this.machine.id, aMs, bMs) : { good: 0, reject: 0 };
    return ratios({
      plannedProductionMs: ppt,
      operatingMs: operating,
      runningInProductionMs: runningIn,
      good: c.good,
      reject: c.reject,
      idealAllMs: ideal !== undefined ? (c.good + c.reject) * ideal * 1000 : 0,
    });
  }
}

type Sums = Omit<TruthFigures, 'availability' | 'performance' | 'quality' | 'oee'>;

function ratios(s: Sums): TruthFigures {
  const availability = s.plannedProductionMs > 0 ? s.operatingMs / s.plannedProductionMs : null;
  const performance = s.operatingMs > 0 ? s.idealAllMs / s.operatingMs : null;
  const pieces = s.good + s.reject;
  const quality = pieces > 0 ? s.good / pieces : null;
  let oee: number | null = null;
  if (availability === 0) oee = 0;
  else if (availability !== null && performance !== null)
    oee = quality !== null ? availability * performance * quality : performance === 0 ? 0 : null;
  return { ...s, availability, performance, quality, oee };
}

/** Time-weighted figures of a group of machines: sums first, then ratios (never an average of percentages). */
export function sumFigures(list: TruthFigures[]): TruthFigures {
  const s: Sums = {
    plannedProductionMs: 0,
    operatingMs: 0,
    runningInProductionMs: 0,
    good: 0,
    reject: 0,
    idealAllMs: 0,
  };
  for (const f of list) {
    s.plannedProductionMs += f.plannedProductionMs;
    s.operatingMs += f.operatingMs;
    s.runningInProductionMs += f.runningInProductionMs;
    s.good += f.good;
    s.reject += f.reject;
    s.idealAllMs += f.idealAllMs;
  }
  return ratios(s);
}

/** Relative error |actual − expected| ÷ |expected| (0 when both are 0, ∞ when only expected is 0). */
export function relErr(actual: number | null, expected: number | null): number {
  if (actual === null || expected === null) return actual === expected ? 0 : Number.POSITIVE_INFINITY;
  if (expected === 0) return actual === 0 ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(actual - expected) / Math.abs(expected);
}
