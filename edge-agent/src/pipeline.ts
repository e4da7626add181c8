import { type Device, type PointTuple, StatusCodes } from '@xiang/protocol';
import type { Logger } from 'pino';
import { type MetricDef, mergeDeviceMeta, toWireDevice } from './config/model.js';
import type { AgentConfig, DeviceMeta } from './config/schema.js';
import { applyConversion } from './config/units.js';
import type { Stats } from './health/stats.js';
import type { BatchQueue } from './queue/queue.js';
import { coerceValue } from './sources/coerce.js';
import type { PointSink } from './sources/types.js';
import type { MetricTable } from './uplink/metric-table.js';
import type { DeviceStatus } from './uplink/uplink.js';

const MIN_TS = 946684800000; // 2000-01-01, the protocol's lower bound
const MAX_TS = 4102444800000; // 2100-01-01

export interface UplinkPort {
  requestBirth(reason: string): void;
  publishStatus(devices: DeviceStatus[]): void;
  pump(): void;
  inflightIds(): ReadonlySet<number>;
}

type DeviceEntry = { meta: DeviceMeta; quantities: Set<MetricDef['quantity']>; source: string };

/**
 * Between sources and the uplink: registers metrics and devices, coerces and converts values, batches them
 * (max points / max delay) and writes each batch to the store-and-forward queue before anything is sent.
 */
export class Pipeline implements PointSink {
  private buffer: PointTuple[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private readonly devices = new Map<string, DeviceEntry>();
  private readonly status = new Map<string, { online: boolean; reason?: string }>();
  private readonly changedStatus = new Set<string>();
  uplink: UplinkPort | null = null;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly metrics: MetricTable,
    private readonly queue: BatchQueue,
    private readonly stats: Stats,
    private readonly log: Logger,
    declaredDevices: Map<string, DeviceMeta>,
  ) {
    for (const [id, meta] of declaredDevices)
      this.devices.set(id, { meta: { ...meta }, quantities: new Set(), source: '' });
  }

  register(def: MetricDef, meta: DeviceMeta): number {
    let entry = this.devices.get(def.deviceId);
    if (!entry) {
      entry = { meta: {}, quantities: new Set(), source: def.source };
      this.devices.set(def.deviceId, entry);
    }
    if (!entry.source) entry.source = def.source;
    const conflict = mergeDeviceMeta(entry.meta, meta);
    if (conflict)
      this.log.warn({ device: def.deviceId, field: conflict }, 'device metadata conflict; first value kept');
    entry.quantities.add(def.quantity);
    const device = toWireDevice(def.deviceId, entry.meta, [...entry.quantities], entry.source);
    const { index, changed } = this.metrics.ensure(def, device);
    if (changed) this.uplink?.requestBirth(`metric ${def.name} registered`);
    return index;
  }

  wireDevices(): Map<string, Device> {
    const out = new Map<string, Device>();
    for (const [id, e] of this.devices) {
      if (e.quantities.size === 0) continue; // declared but nothing of it is read
      out.set(id, toWireDevice(id, e.meta, [...e.quantities], e.source));
    }
    return out;
  }

  push(index: number, def: MetricDef, sourceTsMs: number, value: unknown, status: number): void {
    const src = this.stats.sources.get(def.source);
    if (!Number.isFinite(sourceTsMs) || sourceTsMs < MIN_TS || sourceTsMs > MAX_TS) {
      this.stats.reject(src?.rejected ?? this.stats.rejected, 'timestampOutOfRange');
      return;
    }
    let code = status >>> 0;
    const c = coerceValue(value, def.datatype);
    let v: number | boolean | string | null;
    if (c.ok) v = c.value;
    else {
      // Forwarded, not dropped: the platform sees the node exists and why it has no usable value.
      v = null;
      if (code >>> 30 === 0) code = StatusCodes.BadTypeMismatch;
      if (src) this.stats.reject(src.rejected, 'typeMismatch');
    }
    if (typeof v === 'number' && (def.datatype === 'double' || def.datatype === 'int')) {
      v = applyConversion(v, def.conversion);
      if (def.datatype === 'int') v = Math.round(v);
    }
    if (src) {
      src.valuesRead++;
      const sev = code >>> 30;
      if (sev === 1) src.valuesUncertain++;
      else if (sev >= 2) src.valuesBad++;
    }
    this.buffer.push(
      code === 0 ? [index, Math.round(sourceTsMs), v] : [index, Math.round(sourceTsMs), v, code],
    );
    if (this.buffer.length >= this.cfg.batching.maxPoints) this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), this.cfg.batching.maxDelayMs);
    }
  }

  /** Writes the current batch to the queue (the only way points move on) and wakes the uplink. */
  flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.buffer.length === 0) return;
    const points = this.buffer;
    this.buffer = [];
    try {
      this.queue.enqueue(points, Date.now(), this.uplink?.inflightIds() ?? new Set());
      this.stats.valuesQueued += points.length;
      this.stats.batchesQueued++;
    } catch (e) {
      this.stats.reject(this.stats.rejected, 'queueWriteFailed', points.length);
      this.log.error(
        { err: String(e), points: points.length },
        'cannot write batch to the queue; batch lost',
      );
      return;
    }
    this.uplink?.pump();
  }

  deviceStatus(deviceIds: string[], online: boolean, reason?: string): void {
    for (const id of deviceIds) {
      const prev = this.status.get(id);
      if (prev && prev.online === online && prev.reason === reason) continue;
      this.status.set(id, reason === undefined ? { online } : { online, reason });
      this.changedStatus.add(id);
    }
    if (this.changedStatus.size > 0 && !this.statusTimer) {
      // Coalesce a burst (a source going down takes all its devices with it) into one status message.
      this.statusTimer = setTimeout(() => this.publishStatusChanges(), 100);
    }
  }

  private publishStatusChanges(): void {
    this.statusTimer = null;
    const list = [...this.changedStatus].map((id) => this.statusOf(id)).filter((s) => s !== null);
    this.changedStatus.clear();
    this.uplink?.publishStatus(list);
  }

  private statusOf(id: string): DeviceStatus | null {
    const s = this.status.get(id);
    if (!s) return null;
    return s.reason === undefined
      ? { id, online: s.online }
      : { id, online: s.online, reason: s.reason.slice(0, 500) };
  }

  /** Every device whose state is known (sent after each birth). */
  allStatus(): DeviceStatus[] {
    return [...this.status.keys()].map((id) => this.statusOf(id)).filter((s) => s !== null);
  }

  stop(): void {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    this.flush();
  }
}
