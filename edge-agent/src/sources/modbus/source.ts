import { buildMetric, type MetricDef, pickDeviceMeta } from '../../config/model.js';
import { FieldbusConnection } from '../fieldbus/connection.js';
import { type BusDevice, BusScheduler, type Outcome } from '../fieldbus/scheduler.js';
import { Status, statusText } from '../status-codes.js';
import type { Source, SourceContext } from '../types.js';
import { decodeRegisters, engineering } from './decode.js';
import { devicePoints, type ResolvedPoint } from './maps.js';
import { planReads, type ReadRequest, splitRequest } from './plan.js';
import { classifyError, type Failure } from './quality.js';
import type { ModbusSourceConfig } from './schema.js';
import { describeConnection, type ModbusTransport, SerialModbusTransport } from './transport.js';

type Point = { p: ResolvedPoint; def: MetricDef; index: number };
/** A read of one device on the bus. */
type Read = ReadRequest & { unit: number };

/** Silence between frames on a serial line: 3.5 character times, 1.75 ms fixed above 19 200 baud (at least 2 ms). */
export function defaultPacingMs(c: ModbusSourceConfig['connection']): number {
  if (c.transport !== 'rtu') return 0;
  const bits = 1 + c.dataBits + (c.parity === 'none' ? 0 : 1) + c.stopBits;
  const t35 = c.baudRate > 19_200 ? 1.75 : (3.5 * bits * 1000) / c.baudRate;
  return Math.max(2, Math.ceil(t35));
}

export const MODBUS_COUNTERS = [
  'requests',
  'responses',
  'timeout',
  'crcError',
  'exceptions',
  'retries',
] as const;

/**
 * A Modbus bus: one connection (TCP, RTU through a TCP gateway, or a serial port), the devices on it polled by
 * the bus scheduler, each value decoded by its register map and pushed with the time the answer arrived.
 * Failures travel as OPC UA StatusCodes (quality.ts) — once per change per point, not on every poll.
 */
export class ModbusSource implements Source {
  readonly type = 'modbus' as const;
  readonly name: string;
  private readonly io: ModbusTransport;
  private readonly bus: BusScheduler<Read, Uint8Array>;
  private readonly deviceIds: string[] = [];
  private readonly conn: FieldbusConnection;

  constructor(
    private readonly cfg: ModbusSourceConfig,
    private readonly ctx: SourceContext,
    io?: ModbusTransport,
  ) {
    this.name = cfg.name;
    this.io = io ?? new SerialModbusTransport(cfg.connection);
    ctx.stats.nodes = {};
    for (const k of MODBUS_COUNTERS) ctx.stats.counters[k] = 0;
    this.bus = new BusScheduler(
      {
        exec: (_d, r, ms) => this.io.read(r.unit, r.table, r.start, r.count, ms),
        classify: classifyError,
        discardPending: () => this.io.discardPending(),
        isUp: () => this.conn.up,
      },
      {
        pacingMs: cfg.pacingMs ?? defaultPacingMs(cfg.connection),
        now: ctx.now,
        counters: ctx.stats.counters,
      },
    );
    for (const d of cfg.devices) this.bus.add(this.device(d));
    this.conn = new FieldbusConnection({
      name: cfg.name,
      protocol: 'Modbus',
      describe: describeConnection(cfg.connection),
      ctx,
      deviceIds: this.deviceIds,
      reconnect: cfg.reconnect,
      open: () => this.io.open(),
      close: () => this.io.close(),
      onUp: () => this.bus.start(),
    });
    this.io.onClose(() => this.conn.lost('connection closed'));
  }

  private device(d: ModbusSourceConfig['devices'][number]): BusDevice<Read, Uint8Array> {
    const resolved = devicePoints(d);
    if (typeof resolved === 'string') throw new Error(`${this.name}/${d.deviceId}: ${resolved}`); // validated
    const meta = { ...(this.ctx.devices.get(d.deviceId) ?? {}), ...pickDeviceMeta(d) };
    const interval = d.pollIntervalMs ?? this.cfg.pollIntervalMs;
    const points: Point[] = resolved.points.map((p) => {
      const def = buildMetric(d.deviceId, { ...p, samplingIntervalMs: interval }, this.name);
      if (typeof def === 'string') throw new Error(`${this.name}/${d.deviceId}.${p.key}: ${def}`);
      const hex = `0x${p.address.toString(16).toUpperCase().padStart(4, '0')}`;
      this.ctx.stats.nodes![def.name] = {
        metric: def.name,
        nodeId: `unit ${d.unit} ${p.table} ${hex} ${p.type}`,
        status: 'BadWaitingForInitialData (not polled yet)',
      };
      return { p, def, index: this.ctx.sink.register(def, meta) };
    });
    this.deviceIds.push(d.deviceId);
    const maxRegisters = d.maxRegistersPerRead ?? this.cfg.maxRegistersPerRead;
    const spans = points.map((x) => x.p);
    const unit = (r: ReadRequest): Read => ({ ...r, unit: d.unit });
    return {
      id: d.deviceId,
      intervalMs: interval,
      timeoutMs: d.timeoutMs ?? this.cfg.timeoutMs,
      retries: d.retries ?? this.cfg.retries,
      requests: planReads(spans, maxRegisters, d.maxGap ?? this.cfg.maxGap).map(unit),
      onResult: (req, r) => this.onResult(points, req, r),
      onCycle: (ok, failure) => {
        const why = `unit ${d.unit}: ${failure?.detail ?? 'no answer'}`;
        this.ctx.sink.deviceStatus([d.deviceId], ok, ok ? undefined : why);
        if (failure?.kind === 'notConnected') this.conn.lost(failure.detail);
      },
      // A coalesced read touched an unmapped register: read its points apart from now on.
      replace: (req, f) =>
        f.exception === 2 && req.points.length > 1 ? splitRequest(req, spans, maxRegisters).map(unit) : null,
    };
  }

  private onResult(points: Point[], req: ReadRequest, r: Outcome<Uint8Array>): void {
    for (const { index: i, offset } of req.points) {
      const x = points[i]!;
      const st = this.ctx.stats.nodes?.[x.def.name];
      if (r.ok) {
        const raw = decodeRegisters(r.answer, offset, x.p);
        const value = engineering(raw, x.p.scale, x.p.offset);
        const ok = Number.isFinite(value);
        // A meter reports NaN for a value it does not have (e.g. per-phase values on a 3-wire connection).
        const code = ok ? Status.Good : Status.BadNoData;
        if (st) {
          st.status = statusText(code);
          st.lastSourceTs = r.atMs;
          delete st.error;
        }
        this.ctx.sink.push(x.index, x.def, r.atMs, ok ? value : null, code);
      } else this.fail(x, r.failure, r.atMs);
    }
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
