import { classifyMinute, type MinuteKind, referenceDays, referenceShifts } from './calendar-reference.js';
import { MODE, type RandomMachine, type RandomPlant, STATE, TICK_MS } from './random-plant.js';

/**
 * The exact OEE of a random plant (tests/oracles/random-plant.ts), computed tick by tick from its true
 * timelines and dropouts by the definitions in platform/src/oee/README.md — a second, plain implementation
 * that imports nothing from platform/src/oee or protocol/src/calendar.ts (the calendar is the minute-by-minute
 * reference). Written from the definitions:
 *   category     Executing → running, NotExecuting → idle, OutOfService → unplanned stop, NotAvailable →
 *                planned stop; mode Setup turns running/idle into setup; mode Maintenance turns running, idle
 *                and unplanned stop into unplanned stop; no data (a device dropout, before the first sample,
 *                after the last) → unknown
 *   micro-stop   a maximal stretch of idle/unplanned-stop ticks shorter than 120 s with known, non-stop ticks
 *                on both sides; counted where it starts, if that is production time
 *   PPT          production − planned stops in it − unknown in it + running outside it
 *   operating    running in production + micro-stops in production + running outside production
 *   counts       a piece is counted at its tick (the first tick is the counters' baseline); pieces made during a dropout (its first tick through the tick
 *                it ends, when the counter shows them) are spread evenly over the running ticks of the dropout
 *                when the state was known throughout (a counter-only dropout) and it ran, else unattributed,
 *                spread evenly over the dropout's ticks; after the data ends the counters are unknown
 *   start-up     rejects within 300 s after a setup tick is directly followed by a running tick
 *   A = operating ÷ PPT, P = Σ pieces × ideal ÷ operating, Q = good ÷ pieces, OEE = A × P × Q
 *   coverage     min(1 − unknown ÷ production (÷ whole bucket without production), 1 − counter gap ÷ bucket)
 */
export const CAT = { unknown: 0, running: 1, idle: 2, setup: 3, unplannedStop: 4, plannedStop: 5 } as const;
const MICRO_TICKS = 120_000 / TICK_MS;
const STARTUP_TICKS = 300_000 / TICK_MS;
const MIN = 60_000;

export type RefTotals = {
  calendarMs: number;
  productionMs: number;
  breakMs: number;
  offShiftMs: number;
  machinePlannedStopMs: number;
  runOutsidePlanMs: number;
  plannedProductionMs: number;
  unknownMs: number;
  unknownOutsideMs: number;
  setupMs: number;
  breakdownMs: number;
  idleMs: number;
  microStopMs: number;
  microStopCount: number;
  runningMs: number;
  operatingMs: number;
  goodCount: number;
  rejectCount: number;
  startupRejectCount: number;
  idealOutputMs: number;
  countGapMs: number;
  unattributedGoodCount: number;
  unattributedRejectCount: number;
};

export type RefFigures = {
  totals: RefTotals;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
  coverage: number | null;
};

function category(state: number, mode: number): number {
  let c: number =
    state === STATE.Executing
      ? CAT.running
      : state === STATE.NotExecuting
        ? CAT.idle
        : state === STATE.OutOfService
          ? CAT.unplannedStop
          : CAT.plannedStop;
  if (mode === MODE.Setup && (c === CAT.running || c === CAT.idle)) c = CAT.setup;
  if (mode === MODE.Maintenance && c !== CAT.plannedStop) c = CAT.unplannedStop;
  return c;
}

/** Per-tick facts of one machine, computed once. */
export class MachineReference {
  readonly cat: Uint8Array;
  readonly micro: Uint8Array;
  readonly microStart: Uint8Array;
  readonly startup: Uint8Array;
  readonly good: Float64Array;
  readonly reject: Float64Array;
  readonly unattrGood: Float64Array;
  readonly unattrReject: Float64Array;
  readonly ideal: Float64Array;

  constructor(
    readonly plant: RandomPlant,
    readonly m: RandomMachine,
    lineIdealS: number,
  ) {
    const n = plant.ticks;
    this.cat = new Uint8Array(n);
    for (let k = 0; k < n; k++) this.cat[k] = category(m.state[k] as number, m.mode[k] as number);
    for (const d of m.dropouts)
      if (d.kind === 'device') for (let k = d.fromTick; k < d.toTick; k++) this.cat[k] = CAT.unknown;
    this.micro = new Uint8Array(n);
    this.microStart = new Uint8Array(n);
    const stop = (k: number) => this.cat[k] === CAT.idle || this.cat[k] === CAT.unplannedStop;
    for (let k = 0; k < n; ) {
      if (!stop(k)) {
        k++;
        continue;
      }
      let e = k;
      while (e < n && stop(e)) e++;
      const bounded = k > 0 && this.cat[k - 1] !== CAT.unknown && e < n && this.cat[e] !== CAT.unknown;
      if (bounded && e - k < MICRO_TICKS) {
        this.microStart[k] = 1;
        for (let j = k; j < e; j++) this.micro[j] = 1;
      }
      k = e;
    }
    this.startup = new Uint8Array(n);
    for (let k = 1; k < n; k++)
      if (this.cat[k - 1] === CAT.setup && this.cat[k] === CAT.running)
        for (let j = k; j < Math.min(n, k + STARTUP_TICKS); j++) this.startup[j] = 1;
    this.ideal = Float64Array.from(m.ideal, (v) => (m.hasIdealSeries ? v : lineIdealS));
    this.good = Float64Array.from(m.good);
    this.reject = m.hasRejectCounter ? Float64Array.from(m.reject) : new Float64Array(n);
    // The first sample is the counters' baseline: what it already includes is no increase anyone saw.
    this.good[0] = 0;
    this.reject[0] = 0;
    this.unattrGood = new Float64Array(n);
    this.unattrReject = new Float64Array(n);
    for (const d of m.dropouts) {
      let g = 0;
      let r = 0;
      for (let k = d.fromTick; k <= d.toTick && k < n; k++) {
        g += this.good[k] as number;
        r += this.reject[k] as number;
        this.good[k] = 0;
        this.reject[k] = 0;
      }
      let running = 0;
      for (let k = d.fromTick; k < d.toTick; k++) if (this.cat[k] === CAT.running) running++;
      for (let k = d.fromTick; k < d.toTick; k++) {
        if (running > 0) {
          if (this.cat[k] !== CAT.running) continue;
          this.good[k] = (this.good[k] as number) + g / running;
          this.reject[k] = (this.reject[k] as number) + r / running;
        } else {
          const len = d.toTick - d.fromTick;
          this.unattrGood[k] = g / len;
          this.unattrReject[k] = r / len;
        }
      }
    }
  }

  /** Additive totals over the tick-aligned window [aMs, bMs). */
  totals(aMs: number, bMs: number, kindAt: (ms: number) => MinuteKind): RefTotals {
    const t = emptyRefTotals();
    const { startMs, ticks } = this.plant;
    for (let ms = aMs; ms < bMs; ms += TICK_MS) {
      const k = (ms - startMs) / TICK_MS;
      const inData = k >= 0 && k < ticks;
      const c = inData ? (this.cat[k] as number) : CAT.unknown;
      const kind = kindAt(ms);
      t.calendarMs += TICK_MS;
      if (kind === 'production') {
        t.productionMs += TICK_MS;
        if (c === CAT.running) t.runningMs += TICK_MS;
        else if (c === CAT.setup) t.setupMs += TICK_MS;
        else if (c === CAT.plannedStop) t.machinePlannedStopMs += TICK_MS;
        else if (c === CAT.unknown) t.unknownMs += TICK_MS;
        else if (this.micro[k]) {
          t.microStopMs += TICK_MS;
          if (this.microStart[k]) t.microStopCount++;
        } else if (c === CAT.idle) t.idleMs += TICK_MS;
        else t.breakdownMs += TICK_MS;
      } else {
        if (kind === 'break') t.breakMs += TICK_MS;
        else t.offShiftMs += TICK_MS;
        if (c === CAT.running) t.runOutsidePlanMs += TICK_MS;
        else if (c === CAT.unknown) t.unknownOutsideMs += TICK_MS;
      }
      if (k >= ticks) t.countGapMs += TICK_MS; // every tag went Bad at the end of the data
      if (!inData) continue;
      const g = this.good[k] as number;
      const r = this.reject[k] as number;
      t.goodCount += g;
      t.rejectCount += r;
      if (this.startup[k]) t.startupRejectCount += r;
      t.idealOutputMs += (g + r) * (this.ideal[k] as number) * 1000;
      t.unattributedGoodCount += this.unattrGood[k] as number;
      t.unattributedRejectCount += this.unattrReject[k] as number;
    }
    t.plannedProductionMs = t.productionMs - t.machinePlannedStopMs - t.unknownMs + t.runOutsidePlanMs;
    t.operatingMs = t.runningMs + t.runOutsidePlanMs + t.microStopMs;
    return t;
  }
}

export function emptyRefTotals(): RefTotals {
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
    countGapMs: 0,
    unattributedGoodCount: 0,
    unattributedRejectCount: 0,
  };
}

export function sumRefTotals(list: RefTotals[]): RefTotals {
  const s = emptyRefTotals();
  for (const t of list) for (const k of Object.keys(s) as (keyof RefTotals)[]) s[k] += t[k];
  return s;
}

export function refFigures(t: RefTotals): RefFigures {
  const availability = t.plannedProductionMs > 0 ? t.operatingMs / t.plannedProductionMs : null;
  const performance = t.operatingMs > 0 ? t.idealOutputMs / t.operatingMs : null;
  const pieces = t.goodCount + t.rejectCount;
  const quality = pieces > 0 ? t.goodCount / pieces : null;
  let oee: number | null = null;
  if (availability === 0) oee = 0;
  else if (availability !== null && performance !== null)
    oee = quality !== null ? availability * performance * quality : performance === 0 ? 0 : null;
  let coverage: number | null = null;
  if (t.calendarMs > 0) {
    const state =
      t.productionMs > 0
        ? 1 - t.unknownMs / t.productionMs
        : 1 - (t.unknownMs + t.unknownOutsideMs) / t.calendarMs;
    coverage = Math.max(0, Math.min(state, 1 - t.countGapMs / t.calendarMs));
  }
  return { totals: t, availability, performance, quality, oee, coverage };
}

/** Truth rows of a window: per machine / line / workshop / factory × period, local day and shift. */
export type RefRow = {
  level: 'machine' | 'line' | 'workshop' | 'factory';
  assetPath: string;
  deviceId?: string;
  rule: 'machine' | 'lastStation' | 'timeWeighted';
  bucket: string;
  fromMs: number;
  toMs: number;
  figures: RefFigures;
};

export class PlantReference {
  readonly machines: MachineReference[];
  private readonly kinds = new Map<number, MinuteKind>();

  constructor(readonly plant: RandomPlant) {
    this.machines = plant.machines.map(
      (m) =>
        new MachineReference(
          plant,
          m,
          plant.lines.find((l) => l.path === m.linePath)?.idealCycleTimeS ?? Number.NaN,
        ),
    );
  }

  /** Calendar kind of the minute containing ms (memoised: windows overlap). */
  kindAt = (ms: number): MinuteKind => {
    const minute = Math.floor(ms / MIN) * MIN;
    let k = this.kinds.get(minute);
    if (k === undefined) {
      k = classifyMinute(this.plant.calendar, minute).kind;
      this.kinds.set(minute, k);
    }
    return k;
  };

  /** The literal buckets of a window: the period, and with `buckets` its local days and shifts. */
  bucketsOf(fromMs: number, toMs: number, buckets: boolean): { key: string; fromMs: number; toMs: number }[] {
    const out = [{ key: 'period', fromMs, toMs }];
    if (!buckets) return out;
    for (const d of referenceDays(this.plant.calendar, fromMs, toMs))
      out.push({ key: `day ${d.date}`, fromMs: d.startMs, toMs: d.endMs });
    for (const s of referenceShifts(this.plant.calendar, fromMs, toMs))
      out.push({ key: `shift ${s.date} ${s.shift}`, fromMs: s.startMs, toMs: s.endMs });
    return out;
  }

  rows(fromMs: number, toMs: number, buckets: boolean): RefRow[] {
    const out: RefRow[] = [];
    for (const b of this.bucketsOf(fromMs, toMs, buckets)) {
      const per = new Map(this.machines.map((mr) => [mr.m.id, mr.totals(b.fromMs, b.toMs, this.kindAt)]));
      const row = (r: Omit<RefRow, 'bucket' | 'fromMs' | 'toMs' | 'figures'>, t: RefTotals): RefRow => ({
        ...r,
        bucket: b.key,
        fromMs: b.fromMs,
        toMs: b.toMs,
        figures: refFigures(t),
      });
      for (const m of this.plant.machines)
        out.push(
          row({ level: 'machine', assetPath: m.assetPath, deviceId: m.id, rule: 'machine' }, per.get(m.id)!),
        );
      for (const l of this.plant.lines) {
        const ids = this.plant.machines.filter((m) => m.linePath === l.path).map((m) => m.id);
        if (l.outputMachine)
          out.push(row({ level: 'line', assetPath: l.path, rule: 'lastStation' }, per.get(l.outputMachine)!));
        else
          out.push(
            row(
              { level: 'line', assetPath: l.path, rule: 'timeWeighted' },
              sumRefTotals(ids.map((i) => per.get(i)!)),
            ),
          );
      }
      for (const w of this.plant.workshops) {
        const ids = this.plant.machines.filter((m) => m.workshop === w).map((m) => m.id);
        out.push(
          row(
            { level: 'workshop', assetPath: w, rule: 'timeWeighted' },
            sumRefTotals(ids.map((i) => per.get(i)!)),
          ),
        );
      }
      out.push(
        row({ level: 'factory', assetPath: '', rule: 'timeWeighted' }, sumRefTotals([...per.values()])),
      );
    }
    return out;
  }
}
