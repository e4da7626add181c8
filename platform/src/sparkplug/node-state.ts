import { type Birth, type Device, type Metric, quantityKinds } from '@xiang/protocol';
import { type DeviceAttrs, deviceAttrsFor, deviceIdFor, type GroupRule, metricAttrsFor } from './mapping.js';
import type { SparkplugMetric } from './payload.js';
import { platformDatatype, typeName } from './values.js';

/** A metric an edge node declared in a birth, with the platform metric index it is stored under. */
export type MetricDef = {
  i: number;
  deviceId: string;
  key: string;
  datatype: number;
  name: string;
  alias?: string;
};

type DeviceEntry = { spId: string; device: Device; metrics: Map<string, MetricDef> };

/** What the repository keeps of a node's session (node-store.ts): enough to go on after a restart. */
export type NodeSnapshot = {
  groupId: string;
  edgeNodeId: string;
  bdSeq: number;
  sessionId: string;
  lastSeq: number;
  nodeMetrics: MetricDef[];
  devices: { spId: string; device: Device; metrics: MetricDef[] }[];
  placeholders: Device[];
};

export type DefinitionReject = {
  reason: 'sparkplugUnsupportedDatatype' | 'badPoint';
  detail: string;
};

/** Control metrics of the spec (§6.4.18–19), not telemetry: never stored as series. */
export const isControlMetric = (name: string): boolean =>
  name === 'bdSeq' || name.startsWith('Node Control/') || name.startsWith('Device Control/');

/**
 * Metric indices of one agent, stable across sessions and restarts: seeded from the registry's metric
 * table (device + key → index), new metrics take the next free index.
 */
export class IndexBook {
  private readonly byKey = new Map<string, number>();
  private next = 0;

  constructor(existing: Iterable<[number, { deviceId: string; key: string }]>) {
    for (const [i, r] of existing) {
      this.byKey.set(`${r.deviceId}\u0000${r.key}`, i);
      this.next = Math.max(this.next, i + 1);
    }
  }

  indexOf(deviceId: string, key: string): number {
    const k = `${deviceId}\u0000${key}`;
    let i = this.byKey.get(k);
    if (i === undefined) {
      i = this.next++;
      this.byKey.set(k, i);
    }
    return i;
  }
}

/**
 * One edge node's Sparkplug session as the platform follows it: the bdSeq of its NBIRTH, the last seq, the
 * metrics (by name and alias) of the node and of each device born since, and the platform session it is
 * translated into (its own id and seq, which never restart within it — protocol/README.md).
 */
export class EdgeNodeSession {
  /** Platform seq of the next translated message (the NBIRTH's birth is 0). */
  private nextSeq = 0;
  lastSeq: number;
  private readonly nodeMetrics = new Map<string, MetricDef>();
  private readonly devices = new Map<string, DeviceEntry>();
  /** Aliases are unique across an edge node and its devices (spec §6.4.6). */
  private placeholders: Device[] = [];
  private readonly aliases = new Map<string, { owner: string | undefined; def: MetricDef }>();

  constructor(
    readonly rule: GroupRule,
    readonly groupId: string,
    readonly edgeNodeId: string,
    readonly bdSeq: number,
    readonly sessionId: string,
    nbirthSeq: number,
    private readonly book: IndexBook,
  ) {
    this.lastSeq = nbirthSeq;
  }

  takeSeq(): number {
    return this.nextSeq++;
  }

  snapshot(): NodeSnapshot {
    return {
      groupId: this.groupId,
      edgeNodeId: this.edgeNodeId,
      bdSeq: this.bdSeq,
      sessionId: this.sessionId,
      lastSeq: this.lastSeq,
      nodeMetrics: [...this.nodeMetrics.values()],
      devices: [...this.devices.values()].map((d) => ({ ...d, metrics: [...d.metrics.values()] })),
      placeholders: this.placeholders,
    };
  }

  /**
   * The session as the repository kept it (after a platform restart); `nextSeq` continues the platform
   * session's seq (the one after the highest it handled), so nothing translated now looks like a redelivery.
   */
  static restore(rule: GroupRule, s: NodeSnapshot, book: IndexBook, nextSeq: number): EdgeNodeSession {
    const n = new EdgeNodeSession(rule, s.groupId, s.edgeNodeId, s.bdSeq, s.sessionId, s.lastSeq, book);
    n.nextSeq = nextSeq;
    const byName = (defs: MetricDef[]) => new Map(defs.map((d) => [d.name, d]));
    for (const [k, v] of byName(s.nodeMetrics)) n.nodeMetrics.set(k, v);
    for (const d of s.devices) n.devices.set(d.spId, { ...d, metrics: byName(d.metrics) });
    const alias = (owner: string | undefined, def: MetricDef) => {
      if (def.alias !== undefined) n.aliases.set(def.alias, { owner, def });
    };
    for (const def of s.nodeMetrics) alias(undefined, def);
    for (const d of s.devices) for (const def of d.metrics) alias(d.spId, def);
    n.placeholders = s.placeholders;
    return n;
  }

  hasDevice(spDeviceId: string): boolean {
    return this.devices.has(spDeviceId);
  }

  /**
   * A rebirth (NBIRTH with the same bdSeq: same MQTT connection) keeps the devices born before until their
   * DBIRTHs follow — the node is asked to send them all (spec §6.4.18), and they were never offline.
   */
  carryDevicesFrom(prev: EdgeNodeSession): void {
    for (const [spId, d] of prev.devices) this.devices.set(spId, d);
    for (const [alias, a] of prev.aliases) if (a.owner !== undefined) this.aliases.set(alias, a);
  }

  /**
   * The same after a platform restart (nothing in memory): the agent's devices that were online under this
   * bdSeq stay in the birth, as the registry has them, until their DBIRTHs replace them.
   */
  keepDevices(devices: Device[]): void {
    this.placeholders = devices;
  }

  /** Declares the metrics of an NBIRTH (device undefined) or a DBIRTH; returns those that cannot be stored. */
  define(spDeviceId: string | undefined, metrics: readonly SparkplugMetric[]): DefinitionReject[] {
    if (spDeviceId !== undefined) this.forgetDevice(spDeviceId); // a DBIRTH replaces the device's metrics
    const deviceId = deviceIdFor(this.rule, this.groupId, this.edgeNodeId, spDeviceId);
    const table = new Map<string, MetricDef>();
    const rejects: DefinitionReject[] = [];
    const usedKeys = new Set<string>();
    for (const m of metrics) {
      if (m.name === undefined) {
        rejects.push({ reason: 'badPoint', detail: 'a birth metric without a name (spec §6.4.4)' });
        continue;
      }
      if (isControlMetric(m.name)) continue;
      if (m.datatype === undefined || platformDatatype(m.datatype) === null) {
        const t = m.datatype === undefined ? 'no datatype' : typeName(m.datatype);
        rejects.push({ reason: 'sparkplugUnsupportedDatatype', detail: `${m.name}: ${t}` });
        continue;
      }
      let key = metricAttrsFor(this.rule, spDeviceId, m.name).key;
      for (let n = 2; usedKeys.has(key); n++)
        key = `${metricAttrsFor(this.rule, spDeviceId, m.name).key}_${n}`;
      usedKeys.add(key);
      const def: MetricDef = {
        i: this.book.indexOf(deviceId, key),
        deviceId,
        key,
        datatype: m.datatype,
        name: m.name,
        ...(m.alias !== undefined ? { alias: m.alias } : {}),
      };
      table.set(m.name, def);
      if (m.alias !== undefined) this.aliases.set(m.alias, { owner: spDeviceId, def });
    }
    if (spDeviceId === undefined) {
      for (const [k, v] of table) this.nodeMetrics.set(k, v);
    } else {
      const attrs: DeviceAttrs = deviceAttrsFor(this.rule, spDeviceId);
      this.devices.set(spDeviceId, { spId: spDeviceId, device: { id: deviceId, ...attrs }, metrics: table });
    }
    return rejects;
  }

  /** A device's DDEATH: its metrics are unknown until its next DBIRTH. */
  forgetDevice(spDeviceId: string): string | undefined {
    const d = this.devices.get(spDeviceId);
    if (!d) return undefined;
    this.devices.delete(spDeviceId);
    for (const [alias, a] of this.aliases) if (a.owner === spDeviceId) this.aliases.delete(alias);
    return d.device.id;
  }

  /** The metric a data message names, by alias (spec §6.4.6: data may carry the alias only) or name. */
  resolve(spDeviceId: string | undefined, m: SparkplugMetric): MetricDef | undefined {
    const table = spDeviceId === undefined ? this.nodeMetrics : this.devices.get(spDeviceId)?.metrics;
    if (!table) return undefined;
    if (m.name !== undefined) return table.get(m.name);
    if (m.alias === undefined) return undefined;
    const a = this.aliases.get(m.alias);
    // An alias of another device of the node is not this device's metric.
    return a && a.owner === spDeviceId ? a.def : undefined;
  }

  /**
   * The platform birth for the node as it stands: its own device (when it has metrics) and every device
   * born since the NBIRTH, with all their metrics — a birth describes the agent whole (absent devices go
   * offline, protocol/README.md).
   */
  birth(timestampMs: number): Birth {
    const devices: Device[] = [];
    const metrics: Metric[] = [];
    const add = (spDeviceId: string | undefined, table: Map<string, MetricDef>) => {
      for (const def of table.values()) metrics.push(this.metricOf(spDeviceId, def));
    };
    if (this.nodeMetrics.size > 0) {
      const id = deviceIdFor(this.rule, this.groupId, this.edgeNodeId);
      devices.push({
        id,
        kind: 'other',
        assetPath: '',
        name: `Sparkplug edge node ${this.edgeNodeId}`.slice(0, 200),
      });
      add(undefined, this.nodeMetrics);
    }
    for (const d of this.devices.values()) {
      devices.push(d.device);
      add(d.spId, d.metrics);
    }
    const born = new Set(devices.map((d) => d.id));
    devices.push(...this.placeholders.filter((d) => !born.has(d.id)));
    return {
      sessionId: this.sessionId,
      seq: this.takeSeq(),
      timestamp: timestampMs,
      agent: { version: 'sparkplug-b-3.0', hostname: this.edgeNodeId.slice(0, 128) },
      assets: [],
      devices,
      metrics,
    };
  }

  private metricOf(spDeviceId: string | undefined, def: MetricDef): Metric {
    const attrs = metricAttrsFor(this.rule, spDeviceId, def.name);
    const datatype = platformDatatype(def.datatype) ?? 'double';
    const kind =
      attrs.quantity === 'other' ? (datatype === 'string' ? 'text' : 'gauge') : quantityKinds[attrs.quantity];
    return {
      i: def.i,
      deviceId: def.deviceId,
      key: def.key,
      quantity: attrs.quantity,
      kind,
      datatype,
      unit: attrs.unit,
      ...(attrs.phase ? { phase: attrs.phase } : {}),
    };
  }
}
