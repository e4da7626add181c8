import type { Simulation } from '../physics/simulation.js';
import type { Snapshot } from '../physics/snapshot.js';
import { bcdBytes, SIM_BLOCKS, SIM_ITEMS } from './items.js';
import { addressField, addressMatches, buildFrame, type MeterFrame } from './wire.js';

export type SimDlt645Meter = { deviceId: string; address: string };

export type Dlt645Faults = {
  /** Meters that never answer (dead, or their RS-485 pair cut). */
  deadAddresses?: string[];
  /** Meters that answer only after this many ms. */
  slowAddresses?: Record<string, number>;
  /**
   * Data bytes (DI included) an answer frame may carry before the meter splits it into follow-up frames (B1H, then
   * 92H/B2H to read follow-up data, 12H). The standard caps a read answer at 200; meters with small buffers split
   * sooner. Default 200.
   */
  maxDataBytes?: number;
};

export type Dlt645MeterStats = {
  requests: number;
  answered: number;
  abnormal: number;
  unanswered: number;
  /** Requests several meters answered at once (their answers garble each other on the line). */
  collisions: number;
  /** Follow-up frames sent (read follow-up data, 12H). */
  followUps: number;
};

type Meter = SimDlt645Meter & {
  field: Buffer;
  image: Map<string, Buffer>;
  /** An answer being sent in follow-up frames: its DI, the frames' data, the next SEQ expected. */
  followUp?: { di: Buffer; chunks: Buffer[]; next: number };
};

/** DI0..DI3 on the wire → "DI3DI2DI1DI0" as the standard's tables write it. */
const diText = (d: Buffer) =>
  [3, 2, 1, 0].map((i) => (d[i] ?? 0).toString(16).padStart(2, '0').toUpperCase()).join('');

/**
 * The scenario's electricity meters as DL/T 645-2007 meters on one RS-485 line: each meter's answers are
 * re-encoded from the simulation on every tick (values as the OPC UA simulator publishes them, at the
 * precision of the BCD formats). A meter in a meterDropout fault does not answer. A DI a meter does not have
 * gets an abnormal answer (D1H, ERR 02H 无请求数据).
 */
export class Dlt645Meters {
  readonly stats: Dlt645MeterStats = {
    requests: 0,
    answered: 0,
    abnormal: 0,
    unanswered: 0,
    collisions: 0,
    followUps: 0,
  };
  /** performance.now() of every read-data request each meter answered (last 10 000), for fairness tests. */
  readonly servedAt = new Map<string, number[]>();
  private readonly meters: Meter[];
  private readonly silent = new Set<string>();
  private readonly dead: Set<string>;
  private readonly onTick = (s: Snapshot) => this.update(s);

  constructor(
    private readonly sim: Simulation,
    list: SimDlt645Meter[],
    readonly faults: Dlt645Faults = {},
  ) {
    this.dead = new Set(faults.deadAddresses ?? []);
    this.meters = list.map((m) => ({ ...m, field: addressField(m.address), image: new Map() }));
    sim.on('tick', this.onTick);
    if (sim.current) this.update(sim.current);
  }

  close(): void {
    this.sim.off('tick', this.onTick);
  }

  private update(snap: Snapshot): void {
    for (const m of this.meters) {
      let bad = 0;
      let total = 0;
      const get = (key: string) => {
        const def = this.sim.catalog.metric(m.deviceId, key);
        return def ? Number(snap.values[def.index] ?? 0) : undefined;
      };
      for (const [di, it] of Object.entries(SIM_ITEMS)) {
        const def = this.sim.catalog.metric(m.deviceId, it.key);
        if (def) {
          total++;
          if (snap.status[def.index] !== 0) bad++;
        }
        const v = it.derive ? it.derive(get) : get(it.key);
        if (v === undefined) m.image.delete(di);
        else m.image.set(di, bcdBytes(v, it));
      }
      if (total > 0 && bad === total) this.silent.add(m.address);
      else this.silent.delete(m.address);
    }
  }

  private live(m: Meter): boolean {
    return !this.dead.has(m.address) && !this.silent.has(m.address);
  }

  /** The answer's units (one item, or a block's members in order), or undefined: no such data. */
  private units(m: Meter, di: string): Buffer[] | undefined {
    const one = m.image.get(di);
    if (one) return [one];
    const members = SIM_BLOCKS[di]?.map((x) => m.image.get(x));
    if (!members || members.some((x) => x === undefined)) return undefined;
    return members as Buffer[];
  }

  /**
   * 91H with DI + data when it fits maxDataBytes; else B1H with as many whole units as fit, the rest kept for
   * read follow-up (12H), each later frame holding whole units too (DI + units + SEQ).
   */
  private firstFrame(m: Meter, di: Buffer, units: Buffer[]): Buffer {
    const max = this.faults.maxDataBytes ?? 200;
    const chunks: Buffer[] = [];
    let cur: Buffer[] = [];
    let room = max - 4;
    for (const u of units) {
      if (cur.length > 0 && u.length > room) {
        chunks.push(Buffer.concat(cur));
        cur = [];
        room = max - 5; // a follow-up frame carries its SEQ too
      }
      cur.push(u);
      room -= u.length;
    }
    chunks.push(Buffer.concat(cur));
    delete m.followUp;
    if (chunks.length === 1) return buildFrame(m.field, 0x91, Buffer.concat([di, chunks[0]!]));
    m.followUp = { di: Buffer.from(di), chunks, next: 1 };
    return buildFrame(m.field, 0xb1, Buffer.concat([di, chunks[0]!]));
  }

  /** 12H DI + SEQ: the next frame of the answer in progress (B2H, the last 92H); anything else D2H ERR 01H. */
  private followUpFrame(m: Meter, data: Buffer): Buffer {
    const fu = m.followUp;
    const seq = data[4]!;
    if (!fu?.di.equals(data.subarray(0, 4)) || seq !== fu.next || seq >= fu.chunks.length) {
      this.stats.abnormal++;
      return buildFrame(m.field, 0xd2, Buffer.from([0x01]));
    }
    fu.next++;
    this.stats.followUps++;
    const last = seq === fu.chunks.length - 1;
    if (last) delete m.followUp;
    return buildFrame(
      m.field,
      last ? 0x92 : 0xb2,
      Buffer.concat([fu.di, fu.chunks[seq]!, Buffer.from([seq])]),
    );
  }

  /** One request frame → the answers of every meter it selects, each with its delay (ms). */
  handle(f: MeterFrame): Array<{ frame: Buffer; delayMs: number }> {
    const fn = f.control & 0x1f;
    if (f.control & 0x80) return []; // another meter's answer (or our own echo)
    this.stats.requests++;
    const selected = this.meters.filter((m) => addressMatches(f.address, m.field));
    const out: Array<{ frame: Buffer; delayMs: number }> = [];
    for (const m of selected) {
      if (!this.live(m)) continue;
      const delayMs = this.faults.slowAddresses?.[m.address] ?? 0;
      if (fn === 0x13) {
        out.push({ frame: buildFrame(m.field, 0x93, m.field), delayMs });
      } else if (fn === 0x11 && f.data.length >= 4) {
        const units = this.units(m, diText(f.data));
        if (units) {
          out.push({ frame: this.firstFrame(m, f.data.subarray(0, 4), units), delayMs });
          const log = this.servedAt.get(m.address) ?? [];
          log.push(performance.now());
          if (log.length > 10_000) log.shift();
          this.servedAt.set(m.address, log);
        } else {
          this.stats.abnormal++;
          out.push({ frame: buildFrame(m.field, 0xd1, Buffer.from([0x02])), delayMs });
        }
      } else if (fn === 0x12 && f.data.length >= 5) {
        out.push({ frame: this.followUpFrame(m, f.data), delayMs });
      }
    }
    if (out.length === 0) this.stats.unanswered++;
    else this.stats.answered++;
    if (out.length > 1) this.stats.collisions++;
    return out;
  }
}

/**
 * The scenario's electricity meters with the address each gets: meter i → "0000000000" + (i+1) as 2 digits,
 * unless given (e.g. addresses that share low digits, for the abbreviated-address search).
 */
export function assignAddresses(sim: Simulation, addresses?: string[]): SimDlt645Meter[] {
  return sim.scenario.meters
    .filter((m) => m.medium === 'electricity')
    .map((m, i) => ({
      deviceId: m.id,
      address: addresses?.[i] ?? `0000000000${String(i + 1).padStart(2, '0')}`,
    }));
}
