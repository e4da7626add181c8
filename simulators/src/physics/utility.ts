import type { MeterSpec } from '../scenario/schema.js';

export const q6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * A utility meter (natural gas m³, compressed air m³, water t, steam t): flow in units per hour, counter the
 * exact integral of the flow over ticks; tree sum over child meters of the same medium like electricity.
 */
export class UtilityMeterSim {
  counter: number;
  flowPerHour = 0;
  private started = false;
  constructor(readonly spec: MeterSpec) {
    this.counter = spec.initialReading ?? 0;
  }
  integrate(dtS: number): void {
    if (this.started) this.counter += (this.flowPerHour * dtS) / 3600;
  }
  step(ownPerHour: number, children: readonly UtilityMeterSim[]): void {
    let f = ownPerHour;
    for (const c of children) f += c.flowPerHour;
    this.flowPerHour = q6(f * (1 + this.spec.unmeteredLossShare));
    this.started = true;
  }
}
