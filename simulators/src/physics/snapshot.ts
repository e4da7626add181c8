import { StatusCodes } from '@xiang/protocol';
import { counterKey, type MetricDef } from '../catalog.js';
import type { Simulation } from './simulation.js';

/** The published values of one tick: one entry per catalog metric (same order), with its OPC UA status code. */
export type Snapshot = {
  tick: number;
  /** Virtual time t_k, epoch ms: the OPC UA source timestamp of every value of this tick. */
  timeMs: number;
  values: (number | string)[];
  status: number[];
};

type Reader = () => number | string;

const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Turns the simulation state into published values. Applies what the faults do to the *published* data:
 * meterFreeze holds the counter (Good status), meterDropout holds every value of the device with
 * BadNoCommunication, badQuality marks one variable Bad while its value keeps moving.
 */
export class SnapshotBuilder {
  private readonly readers: Reader[];
  private readonly frozenAt = new Map<number, number>();
  private prev: Snapshot | null = null;

  constructor(private readonly sim: Simulation) {
    this.readers = sim.catalog.metrics.map((m) => this.reader(m));
  }

  private reader(def: MetricDef): Reader {
    const sim = this.sim;
    const e = sim.electricById.get(def.deviceId);
    const u = sim.utilityById.get(def.deviceId);
    const phase = def.phase ? ['L1', 'L2', 'L3'].indexOf(def.phase) : -1;
    if (e) {
      const base = def.key.split('.')[0];
      switch (base) {
        case 'voltage':
          return () => r2(e.voltageV[phase] ?? 0);
        case 'current':
          return () => r3(e.currentA[phase] ?? 0);
        case 'activePower':
          return phase >= 0 ? () => r6(e.phasePowerKw[phase] ?? 0) : () => e.powerKw;
        case 'reactivePower':
          return () => e.reactiveKvar;
        case 'powerFactor':
          return () => r6(e.powerFactor);
        case 'frequency':
          return () => r3(sim.frequencyHz);
        case 'voltageThd':
          return () => r3(e.thdPct);
        case 'voltageUnbalance':
          return () => r3(e.unbalancePct);
        case 'energyImport':
          return () => e.energyKwh;
        case 'reactiveEnergyImport':
          return () => e.reactiveKvarh;
        case 'demand15':
          return () => r6(e.demand15Kw);
      }
    }
    if (u) return def.key === 'flow' ? () => u.flowPerHour : () => u.counter;
    const mc = sim.machines.get(def.deviceId);
    if (mc) {
      switch (def.key) {
        case 'state':
          return () => mc.state;
        case 'operationMode':
          return () => mc.mode;
        case 'goodCount':
          return () => mc.good;
        case 'rejectCount':
          return () => mc.reject;
        case 'idealCycleTime':
          return () => mc.spec.idealCycleTimeS ?? 0;
        case 'currentProduct':
          return () => mc.product;
      }
    }
    if (sim.machineSpecs.get(def.deviceId)?.compressor) {
      return def.key === 'state'
        ? () => sim.compressorOut.get(def.deviceId)?.state ?? 0
        : () => sim.compressorOut.get(def.deviceId)?.mode ?? 0;
    }
    const se = sim.sensors.find((x) => x.spec.id === def.deviceId);
    if (se) return def.key === 'temperature' ? () => se.temperatureC : () => se.humidityPct;
    throw new Error(`no simulated source for ${def.deviceId}.${def.key}`);
  }

  build(tick: number, timeMs: number): Snapshot {
    const sim = this.sim;
    const values = this.readers.map((r) => r());
    const status = new Array<number>(values.length).fill(StatusCodes.Good);
    // A replaced or wrapping register shows its own reading, not the true cumulative quantity.
    for (const [id, reg] of sim.registers) {
      const medium = sim.scenario.meters.find((m) => m.id === id)?.medium ?? 'electricity';
      const def = sim.catalog.metric(id, counterKey(medium));
      if (def) values[def.index] = reg.read(values[def.index] as number, timeMs);
    }
    const faults = sim.scenario.faults;
    faults.forEach((f, i) => {
      const active = sim.faults.active(i, timeMs);
      if (f.type === 'meterFreeze') {
        const def = sim.catalog.device(f.meter)?.metrics.find((m) => m.kind === 'counter');
        if (!def) return;
        if (active) {
          if (!this.frozenAt.has(i)) this.frozenAt.set(i, values[def.index] as number);
          values[def.index] = this.frozenAt.get(i) as number;
        } else this.frozenAt.delete(i);
      } else if (f.type === 'meterDropout' && active) {
        for (const m of sim.catalog.device(f.device)?.metrics ?? []) {
          values[m.index] = this.prev?.values[m.index] ?? values[m.index] ?? 0;
          status[m.index] = StatusCodes.BadNoCommunication;
        }
      } else if (f.type === 'badQuality' && active) {
        const def = sim.catalog.metric(f.device, f.metric);
        if (def) status[def.index] = f.statusCode;
      }
    });
    const snap: Snapshot = { tick, timeMs, values, status };
    this.prev = snap;
    return snap;
  }
}
