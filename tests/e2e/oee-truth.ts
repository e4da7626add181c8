import type { GroundTruth } from '@xiang/simulators';
import { classifyMinute, type RefCalendar } from '../oracles/calendar-reference.js';

/**
 * The simulator's ground truth as OEE figures, computed here from the truth (not from anything the platform
 * stored, and not with the platform's calendar code): per tick, the true OPC 40001 MachineryItemState and
 * OperationMode (GroundTruth.stateDurations over one tick), the shift calendar by the minute-by-minute reference
 * (tests/oracles/calendar-reference.ts) and the true good/reject counts (GroundTruth.counts: the pieces the
 * counter shows at each tick). The loss rules are the documented ones (platform/src/oee/README.md, mapping
 * oee/mappings/opc40001.json), written out again tick by tick:
 *   category  Executing → running, NotExecuting → idle, OutOfService → unplanned stop, NotAvailable → planned
 *             stop; mode Setup turns running/idle into setup, mode Maintenance turns them into unplanned stop;
 *             a dropout (every tag Bad) and anything at or after the horizon (live status) is unknown
 *   micro-stop  a maximal run of idle/unplanned-stop ticks shorter than the threshold (default 120 s), with
 *             known non-stop ticks on both sides
 *   PPT        production time − planned stops in it − unknown in it + running outside it
 *   operating  running in production + micro-stops in production + running outside production
 *   counts     pieces the counter shows at a known tick; pieces of a dropout (shown when it ends) are
 *             unattributed, prorated over the dropout
 *   A = operating ÷ PPT, P = Σ pieces × ideal cycle ÷ operating, Q = good ÷ pieces, OEE = A × P × Q
 */
type Cat = 'running' | 'idle' | 'setup' | 'unplannedStop' | 'plannedStop' | 'unknown';
type Interval = { startMs: number; endMs: number };

export type TruthFigures = {
  plannedProductionMs: number;
  operatingMs: number;
  unknownMs: number;
  good: number;
  reject: number;
  unattributedGood: number;
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
  private readonly good: number[] = [];
  private readonly reject: number[] = [];
  private readonly unattributed: number[] = [];

  /**
   * @param fromMs/toMs the span of ticks known to the truth (the data); windows are asked inside it
   * @param unknown the machine's dropouts: every tag Bad from start to end (Good again at end)
   * @param horizonMs nothing known from here on (a live status at this instant)
   */
  constructor(
    truth: GroundTruth,
    calendar: RefCalendar,
    readonly machine: { id: string; idealCycleTimeS?: number | undefined },
    readonly fromMs: number,
    readonly toMs: number,
    readonly tickMs: number,
    opts: { unknown?: Interval[]; horizonMs?: number; microStopThresholdMs?: number } = {},
  ) {
    const n = Math.round((toMs - fromMs) / tickMs);
    const unknown = opts.unknown ?? [];
    const horizon = opts.horizonMs ?? Number.POSITIVE_INFINITY;
    const counted = machine.idealCycleTimeS !== undefined;
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
      const dark = t >= horizon || unknown.some((u) => u.startMs <= t && t < u.endMs);
      this.cats.push(dark ? 'unknown' : cat);
      this.states.push(dark ? 'unknown' : state);
      this.production.push(classifyMinute(calendar, t).kind === 'production');
      const c = counted ? truth.counts(machine.id, t, t + tickMs) : { good: 0, reject: 0 };
      this.good.push(c.good);
      this.reject.push(c.reject);
      this.unattributed.push(0);
    }
    // Pieces of a dropout show up in the counter when it ends: unattributed, prorated over the dropout.
    for (const u of unknown) {
      const a = Math.max(0, Math.round((u.startMs - fromMs) / tickMs));
      const b = Math.min(n - 1, Math.round((u.endMs - fromMs) / tickMs));
      let pieces = 0;
      for (let k = a; k <= b; k++) {
        pieces += (this.good[k] as number) + (this.reject[k] as number);
        this.good[k] = 0;
        this.reject[k] = 0;
      }
      for (let k = a; k < b; k++) this.unattributed[k] = pieces / (b - a);
    }
    const threshold = opts.microStopThresholdMs ?? 120_000;
    const stop = (c: Cat | undefined) => c === 'idle' || c === 'unplannedStop';
    for (let k = 0; k < n; ) {
      if (!stop(this.cats[k])) {
        this.micro.push(false);
        k++;
        continue;
      }
      let e = k;
      while (e < n && stop(this.cats[e])) e++;
      const bounded = k > 0 && this.cats[k - 1] !== 'unknown' && e < n && this.cats[e] !== 'unknown';
      const isMicro = bounded && (e - k) * tickMs < threshold;
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

  /** Micro-stops starting in production time in [aMs, bMs) (where the platform counts them). */
  microStopCount(aMs: number, bMs: number): number {
    let n = 0;
    for (let k = this.index(aMs); k < this.index(bMs); k++)
      if (this.micro[k] && this.production[k] && (k === 0 || !this.micro[k - 1])) n++;
    return n;
  }

  /** ms per raw state in [aMs, bMs) ("unknown" in a dropout). */
  timeInState(aMs: number, bMs: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (let k = this.index(aMs); k < this.index(bMs); k++)
      out[this.states[k] as string] = (out[this.states[k] as string] ?? 0) + this.tickMs;
    return out;
  }

  figures(aMs: number, bMs: number): TruthFigures {
    const s: Sums = {
      plannedProductionMs: 0,
      operatingMs: 0,
      unknownMs: 0,
      good: 0,
      reject: 0,
      unattributedGood: 0,
      idealAllMs: 0,
    };
    const ideal = (this.machine.idealCycleTimeS ?? 0) * 1000;
    for (let k = this.index(aMs); k < this.index(bMs); k++) {
      const c = this.cats[k];
      if (this.production[k]) {
        if (c === 'unknown') s.unknownMs += this.tickMs;
        else if (c !== 'plannedStop') {
          s.plannedProductionMs += this.tickMs;
          if (c === 'running' || this.micro[k]) s.operatingMs += this.tickMs;
        }
      } else if (c === 'running') {
        s.plannedProductionMs += this.tickMs;
        s.operatingMs += this.tickMs;
      }
      s.good += this.good[k] as number;
      s.reject += this.reject[k] as number;
      s.unattributedGood += this.unattributed[k] as number;
      s.idealAllMs += ((this.good[k] as number) + (this.reject[k] as number)) * ideal;
    }
    return ratios(s);
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
    unknownMs: 0,
    good: 0,
    reject: 0,
    unattributedGood: 0,
    idealAllMs: 0,
  };
  for (const f of list) for (const k of Object.keys(s) as (keyof Sums)[]) s[k] += f[k];
  return ratios(s);
}

/** Relative error |actual − expected| ÷ |expected| (absolute near 0; ∞ when only one is null). */
export function relErr(actual: number | null | undefined, expected: number | null): number {
  if (actual === undefined) return Number.POSITIVE_INFINITY;
  if (actual === null || expected === null) return actual === expected ? 0 : Number.POSITIVE_INFINITY;
  const d = Math.abs(actual - expected);
  return Math.abs(expected) > 1e-9 ? d / Math.abs(expected) : d;
}
