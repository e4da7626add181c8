import {
  MachineryItemState,
  type MachineryItemStateName,
  MachineryOperationMode,
  type MachineryOperationModeName,
} from '@xiang/protocol';
import { counterQuantity } from './catalog.js';
import type { Column } from './physics/history.js';
import { unpackMode, unpackState } from './physics/record.js';
import type { Simulation } from './physics/simulation.js';
import type { Fault } from './scenario/faults.js';
import { blockMeans, quantileBySort, slidingDemand } from './truth-stats.js';

const HOUR = 3_600_000;
const stateNames = Object.fromEntries(Object.entries(MachineryItemState).map(([k, v]) => [v, k])) as Record<
  number,
  MachineryItemStateName
>;
const modeNames = Object.fromEntries(
  Object.entries(MachineryOperationMode).map(([k, v]) => [v, k]),
) as Record<number, MachineryOperationModeName>;

export type StateDurations = {
  machineId: string;
  fromMs: number;
  toMs: number;
  /** Milliseconds in each OPC 40001-1 MachineryItemState; they add up to toMs − fromMs. */
  states: Record<MachineryItemStateName, number>;
  modes: Record<MachineryOperationModeName, number>;
};

export type HourlyRow = {
  meterId: string;
  medium: string;
  unit: string;
  hourStartMs: number;
  consumption: number;
};

export type FaultTruth = {
  id: string;
  type: Fault['type'];
  description?: string;
  /** The fault as declared in the scenario (its stated magnitude). */
  declared: Fault;
  fromMs: number;
  toMs: number;
  /** What the fault really did over [fromMs, toMs). */
  truth: Record<string, number | string | string[]>;
};

/**
 * The simulator's ground truth over any tick-aligned interval inside the stored history: true counter
 * increases (including while a meter is frozen or dropped out), time per machine state and operation mode, part
 * counts, maximum 15-min demand, and each injected fault with what it really cost.
 */
export class GroundTruth {
  constructor(readonly sim: Simulation) {}

  /** Interval that can be asked about: [first stored tick, last computed tick]. */
  range(): { fromMs: number; toMs: number } {
    const col = this.sim.history.faultA[0] ?? this.sim.history.counter.values().next().value;
    const first = col ? col.firstIndex : 0;
    return { fromMs: this.sim.timeOf(first), toMs: this.sim.timeOf(Math.max(0, this.sim.tick)) };
  }

  private tickOf(ms: number, what: string): number {
    const rel = ms - this.sim.startMs;
    if (!Number.isFinite(ms) || rel % this.sim.tickMs !== 0) {
      throw new RangeError(
        `${what} ${new Date(ms).toISOString()} is not on a ${this.sim.dtS} s tick boundary`,
      );
    }
    const k = rel / this.sim.tickMs;
    const { fromMs, toMs } = this.range();
    if (ms < fromMs || ms > toMs) {
      throw new RangeError(
        `${what} ${new Date(ms).toISOString()} is outside the simulated history [${new Date(fromMs).toISOString()}, ${new Date(toMs).toISOString()}]`,
      );
    }
    return k;
  }

  private span(fromMs: number, toMs: number): [number, number] {
    if (toMs < fromMs) throw new RangeError('interval end is before its start');
    return [this.tickOf(fromMs, 'from'), this.tickOf(toMs, 'to')];
  }

  private col<T extends Column<Float64Array> | Column<Uint8Array>>(
    map: Map<string, T>,
    id: string,
    what: string,
  ): T {
    const c = map.get(id);
    if (!c) throw new RangeError(`unknown ${what} "${id}"`);
    return c;
  }

  /** True counter reading (kWh, m³ or t) at a tick time. */
  counterAt(meterId: string, ms: number): number {
    return this.col(this.sim.history.counter, meterId, 'meter').get(this.tickOf(ms, 'time'));
  }

  /** True consumption over [fromMs, toMs): exact, also while the published counter is frozen or missing. */
  counterIncrease(meterId: string, fromMs: number, toMs: number): number {
    const c = this.col(this.sim.history.counter, meterId, 'meter');
    const [a, b] = this.span(fromMs, toMs);
    return c.get(b) - c.get(a);
  }

  reactiveIncrease(meterId: string, fromMs: number, toMs: number): number {
    const c = this.col(this.sim.history.reactive, meterId, 'electricity meter');
    const [a, b] = this.span(fromMs, toMs);
    return c.get(b) - c.get(a);
  }

  /** Average power factor from energies, PF = Ep / √(Ep² + Eq²), as the tariff computes it. */
  powerFactor(meterId: string, fromMs: number, toMs: number): number {
    const ep = this.counterIncrease(meterId, fromMs, toMs);
    const eq = this.reactiveIncrease(meterId, fromMs, toMs);
    const s = Math.hypot(ep, eq);
    return s > 0 ? ep / s : 1;
  }

  /** Highest 15-min block demand (kW) among local quarter hours fully inside the interval. */
  maxDemand(meterId: string, fromMs: number, toMs: number): { kw: number; blockStartMs: number | null } {
    const c = this.col(this.sim.history.counter, meterId, 'meter');
    const [a, b] = this.span(fromMs, toMs);
    const offMs = this.sim.scenario.factory.utcOffsetMinutes * 60_000;
    const q = 900_000;
    let best = { kw: 0, blockStartMs: null as number | null };
    const first = Math.ceil((this.sim.timeOf(a) + offMs) / q) * q - offMs;
    for (let t = first; t + q <= this.sim.timeOf(b); t += q) {
      const k0 = (t - this.sim.startMs) / this.sim.tickMs;
      const kw = ((c.get(k0 + q / this.sim.tickMs) - c.get(k0)) * 3600) / 900;
      if (best.blockStartMs === null || kw > best.kw) best = { kw, blockStartMs: t };
    }
    return best;
  }

  /** Mean power of every tick interval in [fromMs, toMs), kW, from the true counter. */
  powerPerTick(meterId: string, fromMs: number, toMs: number): number[] {
    const c = this.col(this.sim.history.counter, meterId, 'meter');
    const [a, b] = this.span(fromMs, toMs);
    const out: number[] = [];
    for (let k = a; k < b; k++) out.push(((c.get(k + 1) - c.get(k)) * 3600) / this.sim.dtS);
    return out;
  }

  /**
   * Highest 15-min sliding demand (windows stepping every minute, as billing meters compute 最大需量 滑差)
   * per local month of the window's end, inside [fromMs, toMs). `minusKw` (per tick) is subtracted first.
   */
  slidingMaxDemandByMonth(
    meterId: string,
    fromMs: number,
    toMs: number,
    minusKw?: number[],
  ): Map<string, number> {
    const p = this.powerPerTick(meterId, fromMs, toMs).map((x, k) => x - (minusKw?.[k] ?? 0));
    const win = Math.round(900 / this.sim.dtS);
    const step = Math.max(1, Math.round(60 / this.sim.dtS));
    const off = this.sim.scenario.factory.utcOffsetMinutes * 60_000;
    const out = new Map<string, number>();
    for (const [a, kw] of slidingDemand(p, win, step)) {
      const endMs = fromMs + (a + win) * this.sim.tickMs;
      const month = new Date(endMs - 1 + off).toISOString().slice(0, 7);
      if (!(kw <= (out.get(month) ?? Number.NEGATIVE_INFINITY))) out.set(month, kw);
    }
    return out;
  }

  /** Per-tick values recorded for a fault (PQ values of its meter, spike kW at the root), over [fromMs, toMs). */
  private faultSeries(i: number, fromMs: number, toMs: number): number[] {
    const c = this.sim.history.series.get(i);
    if (!c) return [];
    const [a, b] = this.span(fromMs, toMs);
    const out: number[] = [];
    for (let k = a; k < b; k++) out.push(c.get(k));
    return out;
  }

  /** 95 % value of the 10-min means of a PQ fault's published values (GB/T 15543/14549 style statistic). */
  private tenMinuteP95(i: number, fromMs: number, toMs: number): number {
    const per = Math.round(600 / this.sim.dtS);
    return quantileBySort(blockMeans(this.faultSeries(i, fromMs, toMs), per), 0.95);
  }

  stateDurations(machineId: string, fromMs: number, toMs: number): StateDurations {
    const c = this.col(this.sim.history.stateMode, machineId, 'machine');
    const [a, b] = this.span(fromMs, toMs);
    const states = { NotAvailable: 0, OutOfService: 0, NotExecuting: 0, Executing: 0 };
    const modes = { None: 0, Maintenance: 0, Setup: 0, Processing: 0 };
    for (let k = a; k < b; k++) {
      const v = c.get(k);
      states[stateNames[unpackState(v)] as MachineryItemStateName] += this.sim.tickMs;
      modes[modeNames[unpackMode(v)] as MachineryOperationModeName] += this.sim.tickMs;
    }
    return { machineId, fromMs, toMs, states, modes };
  }

  counts(machineId: string, fromMs: number, toMs: number): { good: number; reject: number } {
    const g = this.col(this.sim.history.good, machineId, 'production machine');
    const r = this.col(this.sim.history.reject, machineId, 'production machine');
    const [a, b] = this.span(fromMs, toMs);
    return { good: g.get(b) - g.get(a), reject: r.get(b) - r.get(a) };
  }

  /** Consumption per meter per clock hour, for hours fully inside [fromMs, toMs). */
  hourly(fromMs: number, toMs: number, meterIds?: string[]): HourlyRow[] {
    const ids = meterIds ?? this.sim.scenario.meters.map((m) => m.id);
    const rows: HourlyRow[] = [];
    const first = Math.ceil(fromMs / HOUR) * HOUR;
    for (const id of ids) {
      const spec = this.sim.scenario.meters.find((m) => m.id === id);
      if (!spec) throw new RangeError(`unknown meter "${id}"`);
      const unit =
        counterQuantity(spec.medium) === 'activeEnergyImport'
          ? 'kWh'
          : counterQuantity(spec.medium) === 'mass'
            ? 't'
            : 'm3';
      for (let h = first; h + HOUR <= toMs; h += HOUR) {
        rows.push({
          meterId: id,
          medium: spec.medium,
          unit,
          hourStartMs: h,
          consumption: this.counterIncrease(id, h, h + HOUR),
        });
      }
    }
    return rows;
  }

  /** The root of a meter's metering tree (the billing point it adds to). */
  private spikeRoot(meterId: string): string {
    const byId = new Map(this.sim.scenario.meters.map((m) => [m.id, m]));
    let cur = byId.get(meterId);
    for (let n = 0; cur?.parent !== undefined && n < 100; n++) cur = byId.get(cur.parent);
    return cur?.id ?? meterId;
  }

  /** Every injected fault with its declared magnitude and what it really did over the interval. */
  faults(fromMs = this.range().fromMs, toMs = this.range().toMs): FaultTruth[] {
    const [a, b] = this.span(fromMs, toMs);
    const h = this.sim.history;
    return this.sim.scenario.faults.map((f, i) => {
      const A = (h.faultA[i] as Column<Float64Array>).get(b) - (h.faultA[i] as Column<Float64Array>).get(a);
      const B = (h.faultB[i] as Column<Float64Array>).get(b) - (h.faultB[i] as Column<Float64Array>).get(a);
      return {
        id: f.id,
        type: f.type,
        ...(f.description ? { description: f.description } : {}),
        declared: f,
        fromMs,
        toMs,
        truth: this.faultTruth(f, A, B, fromMs, toMs, i),
      };
    });
  }

  private faultTruth(
    f: Fault,
    A: number,
    B: number,
    fromMs: number,
    toMs: number,
    i: number,
  ): Record<string, number | string | string[]> {
    const hours = B / 3600;
    const per = (x: number, y: number) => (y > 0 ? x / y : 0);
    switch (f.type) {
      case 'offShiftBaseLoad':
        return {
          target: f.target,
          extraKw: f.kw,
          wastedKwh: A,
          nonProductionHours: hours,
          ...(f.alsoDuringProduction ? {} : { meanExtraKwNonProduction: per(A, hours) }),
        };
      case 'idleThroughBreaks':
        return { machines: f.machines, wastedKwh: A, idleMachineHours: hours, meanWastedKw: per(A, hours) };
      case 'lowPowerFactor':
        return { meter: f.meter, powerFactor: per(A, Math.hypot(A, B)), activeKwh: A, reactiveKvarh: B };
      case 'phaseUnbalance':
        return {
          meter: f.meter,
          meanUnbalancePct: per(A, B),
          p95TenMinUnbalancePct: this.tenMinuteP95(i, fromMs, toMs),
          hours,
        };
      case 'harmonicDistortion':
        return {
          meter: f.meter,
          meanThdPct: per(A, B),
          p95TenMinThdPct: this.tenMinuteP95(i, fromMs, toMs),
          hours,
        };
      case 'demandSpikes': {
        // What removing the spikes takes off the billed maximum (sliding 15-min demand at the root meter),
        // in the month where that is most: computed from the generated load, not the declared kW.
        const root = this.spikeRoot(f.meter);
        const withSpikes = this.slidingMaxDemandByMonth(root, fromMs, toMs);
        const without = this.slidingMaxDemandByMonth(root, fromMs, toMs, this.faultSeries(i, fromMs, toMs));
        let shave = 0;
        for (const [m, kw] of withSpikes) shave = Math.max(shave, kw - (without.get(m) ?? kw));
        return {
          meter: f.meter,
          rootMeter: root,
          extraKw: f.kw,
          spikeCount: Math.round(B / (f.minutes * 60)),
          extraKwh: A,
          spikeHours: hours,
          maxDemandKw: Math.max(0, ...withSpikes.values()),
          shaveKw: shave,
        };
      }
      case 'microStops': {
        const executingH =
          f.machines.reduce((s, m) => s + this.stateDurations(m, fromMs, toMs).states.Executing, 0) / HOUR;
        return { machines: f.machines, count: A, totalSeconds: B, perExecutingHour: per(A, executingH) };
      }
      case 'meterFreeze':
        return { meter: f.meter, frozenHours: hours, unrecordedConsumption: A };
      case 'meterDropout':
        return { device: f.device, missingHours: hours, consumptionDuringDropout: A };
      case 'badQuality':
        return { device: f.device, metric: f.metric, statusCode: f.statusCode, badHours: hours };
    }
  }
}
