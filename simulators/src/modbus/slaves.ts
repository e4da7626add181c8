import type { Simulation } from '../physics/simulation.js';
import type { Snapshot } from '../physics/snapshot.js';
import { encodeValue, MODELS } from './models.js';

export type SimMeter = { deviceId: string; unit: number; model: string };

export type ModbusFaults = {
  /** Units that never answer (a dead or disconnected slave). */
  deadUnits?: number[];
  /** Units that answer only after this many ms (a slow slave). */
  slowUnits?: Record<number, number>;
};

export type SlaveStats = { requests: number; answered: number; exceptions: number; unanswered: number };

type Image = { holding: Map<number, number>; input: Map<number, number> };

/**
 * The scenario's electricity meters as Modbus slaves: each meter's register image is re-encoded from the
 * simulation on every tick (values exactly as the OPC UA simulator publishes them). A meter in a meterDropout
 * fault does not answer, as a meter that lost its power supply or its RS-485 pair.
 */
export class ModbusSlaves {
  readonly stats: SlaveStats = { requests: 0, answered: 0, exceptions: 0, unanswered: 0 };
  /** performance.now() of every read each unit answered with data (last 10 000), for fairness tests and benches. */
  readonly servedAt = new Map<number, number[]>();
  private readonly images = new Map<number, Image>();
  private readonly silent = new Set<number>();
  private readonly dead: Set<number>;
  private readonly onTick = (s: Snapshot) => this.update(s);

  constructor(
    private readonly sim: Simulation,
    readonly meters: SimMeter[],
    readonly faults: ModbusFaults = {},
  ) {
    this.dead = new Set(faults.deadUnits ?? []);
    for (const m of meters) {
      if (!MODELS[m.model]) throw new Error(`unknown simulated meter model "${m.model}"`);
      this.images.set(m.unit, { holding: new Map(), input: new Map() });
    }
    sim.on('tick', this.onTick);
    if (sim.current) this.update(sim.current);
  }

  close(): void {
    this.sim.off('tick', this.onTick);
  }

  private update(snap: Snapshot): void {
    for (const m of this.meters) {
      const img = this.images.get(m.unit)!;
      let bad = 0;
      let total = 0;
      const get = (key: string) => {
        const def = this.sim.catalog.metric(m.deviceId, key);
        return def ? Number(snap.values[def.index] ?? 0) : 0;
      };
      for (const r of MODELS[m.model]!) {
        const def = this.sim.catalog.metric(m.deviceId, r.key);
        if (!def && !r.derive) continue;
        if (def) {
          total++;
          if (snap.status[def.index] !== 0) bad++;
        }
        const words = encodeValue(r.derive ? r.derive(get) : get(r.key), r.encoding, r.factor);
        words.forEach((w, i) => {
          img[r.table].set(r.address + i, w);
        });
      }
      if (total > 0 && bad === total) this.silent.add(m.unit);
      else this.silent.delete(m.unit);
    }
  }

  /** Delay before answering this unit (slow slave), or null when it does not answer at all. */
  delayFor(unit: number): number | null {
    if (this.dead.has(unit) || this.silent.has(unit) || !this.images.has(unit)) return null;
    return this.faults.slowUnits?.[unit] ?? 0;
  }

  /** A request PDU for one unit → the response PDU (data or exception). */
  handle(unit: number, pdu: Uint8Array): Buffer {
    this.stats.requests++;
    const fc = pdu[0]!;
    const img = this.images.get(unit)!;
    const exception = (code: number) => {
      this.stats.exceptions++;
      return Buffer.from([fc | 0x80, code]);
    };
    if (fc !== 3 && fc !== 4) return exception(1); // ILLEGAL FUNCTION
    if (pdu.length < 5) return exception(3);
    const start = (pdu[1]! << 8) | pdu[2]!;
    const count = (pdu[3]! << 8) | pdu[4]!;
    if (count < 1 || count > 125) return exception(3); // ILLEGAL DATA VALUE
    const table = fc === 3 ? img.holding : img.input;
    const out = Buffer.alloc(2 + 2 * count);
    out[0] = fc;
    out[1] = 2 * count;
    for (let i = 0; i < count; i++) {
      const w = table.get(start + i);
      if (w === undefined) return exception(2); // ILLEGAL DATA ADDRESS
      out.writeUInt16BE(w, 2 + 2 * i);
    }
    this.stats.answered++;
    const log = this.servedAt.get(unit) ?? [];
    log.push(performance.now());
    if (log.length > 10_000) log.shift();
    this.servedAt.set(unit, log);
    return out;
  }
}

/** Meters of a scenario with the model and unit each one gets on the simulated bus (models in turn). */
export function assignMeters(sim: Simulation, models: string[] = Object.keys(MODELS)): SimMeter[] {
  return sim.scenario.meters
    .filter((m) => m.medium === 'electricity')
    .map((m, i) => ({ deviceId: m.id, unit: i + 1, model: models[i % models.length]! }));
}
