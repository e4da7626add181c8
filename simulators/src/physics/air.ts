import { type CalendarSegmentKind, MachineryItemState, MachineryOperationMode } from '@xiang/protocol';
import type { MachineSpec } from '../scenario/schema.js';
import type { ItemState, OpMode } from './machine.js';

export type CompressorOut = {
  id: string;
  flowM3PerMin: number;
  powerKw: number;
  state: ItemState;
  mode: OpMode;
};

type Compressor = MachineSpec & { compressor: NonNullable<MachineSpec['compressor']> };

/**
 * The compressed-air system: compressors share the air demand of the machines in lead/lag order.
 * Power of a running package in production = unloaded power + specific power × delivered flow (capped at rated
 * power); with no flow it runs unloaded during production and is off (standby) outside it. Leak flows are served
 * by the compressor they are declared on, before the production demand is shared out.
 */
export class AirSystem {
  readonly compressors: Compressor[];
  constructor(specs: MachineSpec[]) {
    this.compressors = specs
      .filter((m): m is Compressor => m.compressor !== undefined)
      .sort((a, b) => a.compressor.sequence - b.compressor.sequence || a.id.localeCompare(b.id));
  }

  /** `leakKw` per compressor id: the extra load a leak puts on it (flow = kW ÷ specific power). */
  compute(
    demandM3PerMin: number,
    segment: CalendarSegmentKind,
    leakKw: ReadonlyMap<string, number>,
  ): CompressorOut[] {
    const production = segment === 'production';
    const flows = this.compressors.map((c) => {
      const kw = leakKw.get(c.id) ?? 0;
      return Math.min(c.compressor.capacityM3PerMin, kw / c.compressor.specificPowerKwPerM3PerMin);
    });
    let rest = demandM3PerMin;
    this.compressors.forEach((c, i) => {
      const free = c.compressor.capacityM3PerMin - (flows[i] ?? 0);
      const take = Math.max(0, Math.min(free, rest));
      flows[i] = (flows[i] ?? 0) + take;
      rest -= take;
    });
    return this.compressors.map((c, i) => {
      const flow = flows[i] ?? 0;
      if (flow > 0) {
        // Outside production the package only runs for what leaks: it idles at standby between load cycles,
        // so its mean power is standby + specific power × flow (the leak's kW exactly).
        const floorKw = production ? c.compressor.unloadedKw : c.standbyKw;
        const kw = Math.min(c.ratedKw, floorKw + c.compressor.specificPowerKwPerM3PerMin * flow);
        return {
          id: c.id,
          flowM3PerMin: flow,
          powerKw: kw,
          state: MachineryItemState.Executing,
          mode: MachineryOperationMode.Processing,
        };
      }
      if (production) {
        return {
          id: c.id,
          flowM3PerMin: 0,
          powerKw: c.compressor.unloadedKw,
          state: MachineryItemState.NotExecuting,
          mode: MachineryOperationMode.Processing,
        };
      }
      return {
        id: c.id,
        flowM3PerMin: 0,
        powerKw: c.standbyKw,
        state: MachineryItemState.NotAvailable,
        mode: MachineryOperationMode.None,
      };
    });
  }
}
