import { buildMetric, type MetricDef, pickDeviceMeta } from '../../config/model.js';
import { FieldbusConnection } from '../fieldbus/connection.js';
import { type BusDevice, BusScheduler, type Failure, type Outcome } from '../fieldbus/scheduler.js';
import { Status, statusText } from '../status-codes.js';
import type { Source, SourceContext } from '../types.js';
import { DATA_BLOCKS, type DataBlock } from './dis.js';
import { devicePoints, type ResolvedPoint } from './points.js';
import { classifyError } from './quality.js';
import { readBlock, readItem } from './read.js';
import type { Dlt645SourceConfig } from './schema.js';
import { type Dlt645Link, describeConnection, StreamLink } from './transport.js';

type Point = { p: ResolvedPoint; def: MetricDef; index: number };
/** One read-data request of one meter: one DI (one point), or a data block (its points, in the block's order). */
type Read = { address: string; points: number[]; block?: DataBlock };

export const DLT645_COUNTERS = [
  'requests',
  'responses',
  'timeout',
  'crcError',
  'exceptions',
  'retries',
] as const;

/** Serial default: a meter answers no sooner than 20 ms after a request (medium confidence, see schema.ts). */
export function defaultPacingMs(c: Dlt645SourceConfig['connection']): number {
  return c.transport === 'serial' ? 20 : 0;
}

/**
 * A DL/T 645 line: one connection (serial port or TCP gateway), its meters polled by the field-bus scheduler
 * (one DI per request, a dead meter costs the others at most one timeout at a time), each value decoded from
 * BCD and pushed with the time its answer arrived. Failures travel as StatusCodes once per change per point.
 */
export class Dlt645Source implements Source {
  readonly type = 'dlt645' as const;
  readonly name: string;
  private readonly link: Dlt645Link;
  private readonly bus: BusScheduler<Read, number[]>;
  private readonly deviceIds: string[] = [];
  private readonly conn: FieldbusConnection;

  constructor(
    private readonly cfg: Dlt645SourceConfig,
    private readonly ctx: SourceContext,
    link?: Dlt645Link,
  ) {
    this.name = cfg.name;
    this.link = link ?? new StreamLink(cfg.connection);
    ctx.stats.nodes = {};
    for (const k of DLT645_COUNTERS) ctx.stats.counters[k] = 0;
    const points = new Map<string, Point[]>();
    this.bus = new BusScheduler<Read, number[]>(
      {
        exec: async (_d, r, ms) => {
          const ps = r.points.map((i) => points.get(r.address)![i]!.p);
          if (r.block) return readBlock(this.link, r.address, r.block.di, ps, ms, cfg.preamble);
          return [await readItem(this.link, r.address, ps[0]!, ms, cfg.preamble)];
        },
        classify: classifyError,
        discardPending: () => this.link.discardPending(),
        isUp: () => this.conn.up,
      },
      {
        pacingMs: cfg.pacingMs ?? defaultPacingMs(cfg.connection),
        now: ctx.now,
        counters: ctx.stats.counters,
      },
    );
    for (const d of cfg.devices) {
      const ps = this.points(d);
      points.set(d.address, ps);
      this.bus.add(this.device(d, ps));
    }
    this.conn = new FieldbusConnection({
      name: cfg.name,
      protocol: 'DL/T 645',
      describe: describeConnection(cfg.connection),
      ctx,
      deviceIds: this.deviceIds,
      reconnect: cfg.reconnect,
      open: () => this.link.open(),
      close: () => this.link.close(),
      onUp: () => this.bus.start(),
    });
    this.link.onClose(() => this.conn.lost('connection closed'));
  }

  private points(d: Dlt645SourceConfig['devices'][number]): Point[] {
    const resolved = devicePoints(d);
    if (typeof resolved === 'string') throw new Error(`${this.name}/${d.deviceId}: ${resolved}`); // validated
    const meta = { ...(this.ctx.devices.get(d.deviceId) ?? {}), ...pickDeviceMeta(d) };
    const interval = d.pollIntervalMs ?? this.cfg.pollIntervalMs;
    return resolved.map((p) => {
      const def = buildMetric(d.deviceId, { ...p, samplingIntervalMs: interval }, this.name);
      if (typeof def === 'string') throw new Error(`${this.name}/${d.deviceId}.${p.key}: ${def}`);
      this.ctx.stats.nodes![def.name] = {
        metric: def.name,
        nodeId: `${d.address} DI ${p.di} ${p.format}`,
        status: 'BadWaitingForInitialData (not polled yet)',
      };
      return { p, def, index: this.ctx.sink.register(def, meta) };
    });
  }

  private device(d: Dlt645SourceConfig['devices'][number], points: Point[]): BusDevice<Read, number[]> {
    this.deviceIds.push(d.deviceId);
    const single = (i: number): Read => ({ address: d.address, points: [i] });
    return {
      id: d.deviceId,
      intervalMs: d.pollIntervalMs ?? this.cfg.pollIntervalMs,
      timeoutMs: d.timeoutMs ?? this.cfg.timeoutMs,
      retries: d.retries ?? this.cfg.retries,
      requests:
        (d.blocks ?? this.cfg.blocks) ? blockRequests(d.address, points) : points.map((_, i) => single(i)),
      onResult: (req, r) => {
        req.points.forEach((i, k) => {
          this.onResult(points[i]!, r.ok ? { ...r, answer: r.answer[k] as number } : r);
        });
      },
      // A meter that refuses a block (abnormal answer) is asked item by item from then on.
      replace: (req, f) => (req.block && f.kind === 'exception' ? req.points.map(single) : null),
      onCycle: (ok, failure) => {
        const why = `meter ${d.address}: ${failure?.detail ?? 'no answer'}`;
        this.ctx.sink.deviceStatus([d.deviceId], ok, ok ? undefined : why);
        if (failure?.kind === 'notConnected') this.conn.lost(failure.detail);
      },
    };
  }

  private onResult(x: Point, r: Outcome<number>): void {
    if (!r.ok) {
      this.fail(x, r.failure, r.atMs);
      return;
    }
    const st = this.ctx.stats.nodes?.[x.def.name];
    if (st) {
      st.status = 'Good';
      st.lastSourceTs = r.atMs;
      delete st.error;
    }
    this.ctx.sink.push(x.index, x.def, r.atMs, r.answer, Status.Good);
  }

  /** A failed point travels as null + its StatusCode once per change (the gap starts there). */
  private fail(x: Point, f: Failure, atMs: number): void {
    const st = this.ctx.stats.nodes?.[x.def.name];
    const text = statusText(f.status);
    if (st?.status === text) return;
    if (st) {
      st.status = text;
      st.error = f.detail;
    }
    this.ctx.sink.push(x.index, x.def, atMs, null, f.status);
  }

  async start(): Promise<void> {
    void this.conn.connect();
  }

  async stop(): Promise<void> {
    await this.conn.stop(() => this.bus.stop());
  }
}

/**
 * Requests of a meter read with data blocks: each standard block whose every member the device polls becomes one
 * request (its points in the block's order); every other point is read alone.
 */
export function blockRequests(address: string, points: readonly { p: ResolvedPoint }[]): Read[] {
  const byDi = new Map(points.map((x, i) => [x.p.di, i]));
  const inBlock = new Set<number>();
  const out: Read[] = [];
  for (const block of DATA_BLOCKS) {
    const members = block.members.map((di) => byDi.get(di));
    if (members.some((i) => i === undefined)) continue;
    for (const i of members) inBlock.add(i as number);
    out.push({ address, points: members as number[], block });
  }
  points.forEach((_, i) => {
    if (!inBlock.has(i)) out.push({ address, points: [i] });
  });
  return out;
}
