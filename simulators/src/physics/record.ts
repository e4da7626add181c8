import { type Column, f64, u8 } from './history.js';

/**
 * What the ground truth needs, tick by tick: true counter readings at each tick time, machine state and mode
 * of each tick interval, cumulative part counts, and two cumulative channels per injected fault (see
 * ground-truth.ts for their meaning per fault type). Cumulative columns hold the total *before* the interval
 * that starts at that tick, so a tick-aligned interval [a, b) is column[b] − column[a].
 */
export class TruthHistory {
  readonly counter = new Map<string, Column<Float64Array>>();
  readonly reactive = new Map<string, Column<Float64Array>>();
  readonly stateMode = new Map<string, Column<Uint8Array>>();
  readonly good = new Map<string, Column<Float64Array>>();
  readonly reject = new Map<string, Column<Float64Array>>();
  readonly faultA: Column<Float64Array>[];
  readonly faultB: Column<Float64Array>[];
  /** Running fault totals (added to after the interval is computed). */
  readonly runA: number[];
  readonly runB: number[];
  /** Per-tick values for faults whose truth is a statistic of a series (PQ 95 % values, demand spikes). */
  readonly series = new Map<number, Column<Float64Array>>();

  constructor(
    meterIds: { id: string; electric: boolean }[],
    machineIds: { id: string; counts: boolean }[],
    faultCount: number,
    readonly keepTicks: number,
    seriesFaults: number[] = [],
  ) {
    for (const i of seriesFaults) this.series.set(i, f64());
    for (const m of meterIds) {
      this.counter.set(m.id, f64());
      if (m.electric) this.reactive.set(m.id, f64());
    }
    for (const m of machineIds) {
      this.stateMode.set(m.id, u8());
      if (m.counts) {
        this.good.set(m.id, f64());
        this.reject.set(m.id, f64());
      }
    }
    this.faultA = Array.from({ length: faultCount }, f64);
    this.faultB = Array.from({ length: faultCount }, f64);
    this.runA = new Array(faultCount).fill(0);
    this.runB = new Array(faultCount).fill(0);
  }

  recordFaultTotals(): void {
    for (let i = 0; i < this.faultA.length; i++) {
      this.faultA[i]?.push(this.runA[i] as number);
      this.faultB[i]?.push(this.runB[i] as number);
    }
  }

  add(fault: number, a: number, b: number): void {
    this.runA[fault] = (this.runA[fault] as number) + a;
    this.runB[fault] = (this.runB[fault] as number) + b;
  }

  /** Drops old chunks beyond the retention. */
  trim(): void {
    const all = [
      ...this.counter.values(),
      ...this.reactive.values(),
      ...this.stateMode.values(),
      ...this.good.values(),
      ...this.reject.values(),
      ...this.faultA,
      ...this.faultB,
      ...this.series.values(),
    ];
    for (const c of all) c.trim(this.keepTicks);
  }
}

/** Machine state and operation mode packed in one byte: state in the low nibble, mode in the high. */
export const packStateMode = (state: number, mode: number): number => (state & 0x0f) | ((mode & 0x0f) << 4);
export const unpackState = (b: number): number => b & 0x0f;
export const unpackMode = (b: number): number => (b >> 4) & 0x0f;
