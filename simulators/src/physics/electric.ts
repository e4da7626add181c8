import { phaseVoltageV } from '../scenario/equipment.js';
import type { MeterSpec } from '../scenario/schema.js';
import type { Rng } from './prng.js';

/** Quantizes to 0.1 W / 0.1 var, so the published power is exactly what the counter integrates. */
export const q4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export type ElectricFaults = { powerFactor?: number; unbalancePct?: number; thdPct?: number };

export type ElectricInput = {
  dtS: number;
  /** Power of what the meter measures directly (machines, building loads, injected extra load), kW. */
  ownKw: number;
  children: readonly ElectricMeterSim[];
  /** Plant voltage level as a factor of nominal this tick (shared by all meters). */
  voltageFactor: number;
  frequencyHz: number;
  /** Local quarter-hour boundary at this tick (a 15-min demand block just ended). */
  quarterBoundary: boolean;
  faults: ElectricFaults;
};

/**
 * A three-phase energy meter. Power is a tree sum: own loads + child meters, times (1 + unmetered share).
 * Counters are the exact integral of the quantized power over ticks. Voltage unbalance is the negative-sequence
 * ratio ε = U2/U1 (GB/T 15543): with symmetric 120° angles and |U_L2| = |U_L3| = v, |U_L1| = v(1 + d) gives
 * U2 = v·d/3 and U1 = v(3 + d)/3, so d = 3ε/(1 − ε).
 */
export class ElectricMeterSim {
  energyKwh: number;
  reactiveKvarh = 0;
  powerKw = 0;
  reactiveKvar = 0;
  powerFactor = 1;
  voltageV: [number, number, number] = [0, 0, 0];
  currentA: [number, number, number] = [0, 0, 0];
  phasePowerKw: [number, number, number] = [0, 0, 0];
  thdPct = 0;
  unbalancePct = 0;
  demand15Kw = 0;
  private readonly weights: [number, number, number];
  private readonly dropShare: number;
  private readonly thdBasePct: number;
  private readonly unbalanceBasePct: number;
  private quarterStartKwh: number;
  private hasQuarterStart = false;
  private started = false;
  private readonly nominalV: number;

  /** AR(1) state of the injected PQ disturbances (own stream: the meter's other draws stay aligned). */
  private pqWander = 0;

  constructor(
    readonly spec: MeterSpec,
    readonly capacityKw: number,
    private readonly rng: Rng,
    private readonly pqRng: Rng = rng,
  ) {
    this.nominalV = phaseVoltageV(spec);
    this.energyKwh = spec.initialReading ?? Math.round(rng.uniform(10_000, 900_000));
    this.reactiveKvarh = Math.round(this.energyKwh * 0.35);
    const d1 = rng.uniform(-0.03, 0.03);
    const d2 = rng.uniform(-0.03, 0.03);
    this.weights = [(1 + d1) / 3, (1 + d2) / 3, (1 - d1 - d2) / 3];
    this.dropShare = rng.uniform(0.002, 0.012);
    this.thdBasePct = rng.uniform(1.2, 2.8);
    this.unbalanceBasePct = rng.uniform(0.3, 0.9);
    this.quarterStartKwh = this.energyKwh;
  }

  /** Adds the previous tick's energy: E(t_k) = E(t_k−1) + P·dt. Called once per tick before `step`. */
  integrate(dtS: number): void {
    if (!this.started) return;
    this.energyKwh += (this.powerKw * dtS) / 3600;
    this.reactiveKvarh += (this.reactiveKvar * dtS) / 3600;
  }

  step(inp: ElectricInput): void {
    const sp = this.spec;
    const grow = 1 + sp.unmeteredLossShare;
    const pfOwn = Math.min(0.999, sp.basePowerFactor + 0.005 * this.rng.noise());
    const qOwn = inp.ownKw * Math.tan(Math.acos(pfOwn));
    let p = inp.ownKw;
    let q = qOwn;
    for (const c of inp.children) {
      p += c.powerKw;
      q += c.reactiveKvar;
    }
    this.powerKw = q4(p * grow);
    this.reactiveKvar = q4(q * grow);
    if (inp.faults.powerFactor !== undefined) {
      this.reactiveKvar = q4(this.powerKw * Math.tan(Math.acos(inp.faults.powerFactor)));
    }
    const sKva = Math.hypot(this.powerKw, this.reactiveKvar);
    this.powerFactor = sKva > 0 ? this.powerKw / sKva : 1;

    const load = Math.min(1.5, this.powerKw / this.capacityKw);
    const vAvg =
      this.nominalV * inp.voltageFactor * (1 - this.dropShare * load) * (1 + 0.0005 * this.rng.noise());
    // An injected disturbance wanders around its stated level (AR(1), ±8 % stationary σ per tick): the truth
    // is the statistic of what was published, not the stated constant.
    this.pqWander = 0.95 * this.pqWander + 0.3122 * this.pqRng.noise() * Math.sqrt(3) * 0.08;
    const disturbed = (level: number) => Math.max(0.01, level * (1 + this.pqWander));
    const eps =
      (inp.faults.unbalancePct !== undefined
        ? disturbed(inp.faults.unbalancePct)
        : Math.max(0.05, this.unbalanceBasePct + 0.05 * this.rng.noise())) / 100;
    this.unbalancePct = eps * 100;
    const d = (3 * eps) / (1 - eps);
    const v = (3 * vAvg) / (3 + d);
    this.voltageV = [v * (1 + d), v, v];
    this.thdPct =
      inp.faults.thdPct !== undefined
        ? disturbed(inp.faults.thdPct)
        : Math.max(0.1, this.thdBasePct + 0.1 * this.rng.noise());
    for (let i = 0; i < 3; i++) {
      const w = this.weights[i] ?? 1 / 3;
      this.phasePowerKw[i] = this.powerKw * w;
      this.currentA[i] = (sKva * w * 1000) / (this.voltageV[i] ?? this.nominalV);
    }

    if (!this.started) {
      // Before the first full 15-min block exists the meter shows the present load.
      this.demand15Kw = this.powerKw;
      this.started = true;
      if (inp.quarterBoundary) {
        this.quarterStartKwh = this.energyKwh;
        this.hasQuarterStart = true;
      }
    } else if (inp.quarterBoundary) {
      if (this.hasQuarterStart) this.demand15Kw = ((this.energyKwh - this.quarterStartKwh) * 3600) / 900;
      this.quarterStartKwh = this.energyKwh;
      this.hasQuarterStart = true;
    }
  }
}
