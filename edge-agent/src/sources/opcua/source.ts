import {
  type ClientSession,
  type ClientSubscription,
  DataChangeFilter,
  DataChangeTrigger,
  type DataValue,
  DeadbandType,
  type NodeId,
  NumericRange,
  type OPCUAClient,
  TimestampsToReturn,
} from 'node-opcua';
import { buildMetric, type MetricDef, pickDeviceMeta } from '../../config/model.js';
import { Backoff } from '../../uplink/backoff.js';
import type { Source, SourceContext } from '../types.js';
import { arrayProblem, readArrayShapes, scalarOf } from './arrays.js';
import { type ClientOptions, connectOnce } from './client.js';
import { chunk, type OperationLimits, readOperationLimits } from './limits.js';
import { resolveNodes } from './resolve.js';
import type { OpcuaNodeConfig, OpcuaSourceConfig } from './schema.js';
import { unwrapVariant } from './variant.js';

type NodeEntry = { cfg: OpcuaNodeConfig; def: MetricDef; index: number; commBad: boolean };

/** Status codes (upper 16 bits) that mean "the device behind this node cannot be reached". */
const COMM_ERRORS = new Set([0x80050000, 0x80310000, 0x808a0000, 0x808b0000, 0x800d0000]);
/** DataValue InfoBits: InfoType = DataValue (0x400) with the Overflow bit (0x80) — OPC 10000-4 §7.39.2. */
const OVERFLOW_BITS = 0x0480;

/**
 * One OPC UA endpoint: one session, one subscription, monitored items created in chunks within the server's
 * MaxMonitoredItemsPerCall. node-opcua reconnects on its own after a break (bounded backoff from the config)
 * and transfers or re-creates the subscription; this class only reports what happens and forwards values.
 */
export class OpcuaSource implements Source {
  readonly type = 'opcua' as const;
  readonly name: string;
  private readonly nodes: NodeEntry[] = [];
  private client: OPCUAClient | null = null;
  private session: ClientSession | null = null;
  private subscription: ClientSubscription | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  private readonly deviceIds: string[];
  limits: OperationLimits | null = null;
  /** Number of CreateMonitoredItems calls made (tests check the grouping). */
  monitorCalls = 0;

  constructor(
    private readonly cfg: OpcuaSourceConfig,
    private readonly ctx: SourceContext,
  ) {
    this.name = cfg.name;
    this.backoff = new Backoff(cfg.reconnect.initialDelayMs, cfg.reconnect.maxDelayMs);
    ctx.stats.nodes = {};
    ctx.stats.counters.queueOverflows = 0;
    for (const n of cfg.nodes) {
      const def = buildMetric(
        n.deviceId,
        { ...n, samplingIntervalMs: n.samplingIntervalMs ?? cfg.defaults.samplingIntervalMs },
        cfg.name,
      );
      if (typeof def === 'string') throw new Error(`${cfg.name}: ${def}`); // validated already
      const meta = { ...(ctx.devices.get(n.deviceId) ?? {}), ...pickDeviceMeta(n) };
      const index = ctx.sink.register(def, meta);
      this.nodes.push({ cfg: n, def, index, commBad: false });
      ctx.stats.nodes[def.name] = {
        metric: def.name,
        nodeId: `${n.nodeId ?? n.browsePath ?? ''}${n.index !== undefined ? `[${n.index}]` : ''}`,
        status: 'BadWaitingForInitialData (not connected yet)',
      };
    }
    this.deviceIds = [...new Set(this.nodes.map((n) => n.def.deviceId))];
  }

  private clientOptions(): ClientOptions {
    return {
      endpoint: this.cfg.endpoint,
      securityMode: this.cfg.securityMode,
      securityPolicy: this.cfg.securityPolicy,
      user: this.cfg.user,
      pkiDir: this.cfg.pki.dir!,
      trustOnFirstUse: this.cfg.pki.trustOnFirstUse,
      initialDelayMs: this.cfg.reconnect.initialDelayMs,
      maxDelayMs: this.cfg.reconnect.maxDelayMs,
    };
  }

  async start(): Promise<void> {
    void this.connectLoop();
  }

  private error(msg: string): void {
    this.ctx.stats.lastError = msg;
    this.ctx.stats.lastErrorAt = Date.now();
  }

  private async connectLoop(): Promise<void> {
    if (this.stopped) return;
    try {
      const { client, session } = await connectOnce(this.clientOptions());
      if (this.stopped) {
        await session.close().catch(() => {});
        await client.disconnect().catch(() => {});
        return;
      }
      this.client = client;
      this.session = session;
      this.attachEvents(client);
      await this.setup(session);
      this.backoff.reset();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.error(msg);
      this.ctx.sink.deviceStatus(this.deviceIds, false, msg);
      await this.closeClient();
      if (this.stopped) return;
      const delay = this.backoff.next();
      this.ctx.log.warn({ source: this.name, err: msg, retryInMs: delay }, 'OPC UA connect failed');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        void this.connectLoop();
      }, delay);
    }
  }

  private attachEvents(client: OPCUAClient): void {
    client.on('connection_lost', () => {
      this.ctx.stats.connected = false;
      this.error('connection lost');
      this.ctx.log.warn({ source: this.name }, 'OPC UA connection lost; reconnecting');
      this.ctx.sink.deviceStatus(this.deviceIds, false, 'OPC UA connection lost');
      this.markNodes(`BadNotConnected (connection lost at ${new Date().toISOString()})`);
    });
    client.on('connection_reestablished', () => {
      this.ctx.stats.reconnections++;
      this.ctx.log.info({ source: this.name }, 'OPC UA connection re-established');
    });
    client.on('after_reconnection', (err?: Error | null) => {
      if (err) {
        this.error(`reconnection failed: ${err.message}`);
        return;
      }
      this.ctx.stats.connected = true;
      this.markNodes('monitored');
      this.markOnline();
    });
  }

  /**
   * Sets the status of every node that is not in error (errors stay until fixed): while the source is
   * disconnected no node may look Good; after a reconnection each waits for its next value.
   */
  private markNodes(status: string): void {
    for (const n of this.nodes) {
      const st = this.ctx.stats.nodes?.[n.def.name];
      if (st && st.error === undefined) st.status = status;
    }
  }

  private markOnline(): void {
    const down = new Set(this.nodes.filter((n) => n.commBad).map((n) => n.def.deviceId));
    this.ctx.sink.deviceStatus(
      this.deviceIds.filter((d) => !down.has(d)),
      true,
    );
  }

  private async setup(session: ClientSession): Promise<void> {
    const namespaces = await session.readNamespaceArray();
    this.limits = await readOperationLimits(session);
    const resolved = await resolveNodes(
      session,
      this.nodes.map((n) => n.cfg),
      namespaces,
      this.limits.maxNodesPerTranslateBrowsePathsToNodeIds,
    );
    const found: Array<{ node: NodeEntry; nodeId: NodeId }> = [];
    resolved.forEach((r, i) => {
      const node = this.nodes[i]!;
      if ('error' in r) this.nodeError(node, 'unresolved', r.error);
      else found.push({ node, nodeId: r.nodeId });
    });
    // Array variables are read element by element (`index`) or refused here, never forwarded whole.
    const shapes = await readArrayShapes(
      session,
      found.map((f) => f.nodeId),
      this.limits.maxNodesPerRead,
    );
    const good = found.filter((f, i) => {
      const problem = arrayProblem(f.node.cfg.index, shapes[i]!);
      if (problem) this.nodeError(f.node, 'arrayNotMapped', problem);
      return problem === null;
    });
    this.subscription = await session.createSubscription2({
      requestedPublishingInterval: this.cfg.defaults.publishingIntervalMs,
      requestedLifetimeCount: 600,
      requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    // Items with the same monitoring parameters share calls; each call stays within the server's limit.
    const groups = new Map<string, typeof good>();
    for (const g of good) {
      const key = JSON.stringify(this.parameters(g.node.cfg));
      groups.set(key, [...(groups.get(key) ?? []), g]);
    }
    for (const list of groups.values()) {
      for (const part of chunk(list, this.limits.maxMonitoredItemsPerCall)) await this.monitor(part, 0);
    }
    this.ctx.stats.connected = true;
    this.markOnline();
    const monitored = this.nodes.filter(
      (n) => this.ctx.stats.nodes?.[n.def.name]?.status === 'monitored',
    ).length;
    this.ctx.log.info(
      {
        source: this.name,
        nodes: this.nodes.length,
        monitored,
        limits: this.limits,
        calls: this.monitorCalls,
      },
      'OPC UA subscription ready',
    );
  }

  private parameters(n: OpcuaNodeConfig) {
    const db = n.deadband;
    return {
      samplingInterval: n.samplingIntervalMs ?? this.cfg.defaults.samplingIntervalMs,
      queueSize: n.queueSize ?? this.cfg.defaults.queueSize,
      discardOldest: true,
      deadband: db ? { type: db.type, value: db.value } : null,
    };
  }

  /** Creates one chunk of monitored items; if the server refuses the whole call, halves it (bounded depth). */
  private async monitor(part: Array<{ node: NodeEntry; nodeId: NodeId }>, depth: number): Promise<void> {
    const sub = this.subscription;
    if (!sub || part.length === 0) return;
    const p = this.parameters(part[0]!.node.cfg);
    const filter = p.deadband
      ? new DataChangeFilter({
          trigger: DataChangeTrigger.StatusValue,
          deadbandType: p.deadband.type === 'absolute' ? DeadbandType.Absolute : DeadbandType.Percent,
          deadbandValue: p.deadband.value,
        })
      : null;
    this.monitorCalls++;
    try {
      const group = await sub.monitorItems(
        part.map((x) => ({
          nodeId: x.nodeId,
          attributeId: 13,
          ...(x.node.cfg.index !== undefined
            ? { indexRange: new NumericRange(String(x.node.cfg.index)) }
            : {}),
        })),
        { samplingInterval: p.samplingInterval, queueSize: p.queueSize, discardOldest: true, filter },
        TimestampsToReturn.Both,
      );
      group.monitoredItems.forEach((item, i) => {
        const x = part[i]!;
        const sc = item.statusCode;
        if (sc && !sc.isGood()) this.nodeError(x.node, sc.name, `monitoring refused: ${sc.toString()}`);
        else this.nodeOk(x.node);
      });
      group.on('changed', (_item, dv: DataValue, index: number) => {
        const x = part[index];
        if (x) this.onValue(x.node, dv);
      });
    } catch (e) {
      if (part.length > 1 && depth < 12) {
        const half = Math.ceil(part.length / 2);
        await this.monitor(part.slice(0, half), depth + 1);
        await this.monitor(part.slice(half), depth + 1);
        return;
      }
      for (const x of part)
        this.nodeError(x.node, 'monitorFailed', `CreateMonitoredItems failed: ${String(e)}`);
    }
  }

  private nodeError(node: NodeEntry, reason: string, detail: string): void {
    const st = this.ctx.stats.nodes?.[node.def.name];
    if (st) {
      st.status = reason;
      st.error = detail;
    }
    this.ctx.stats.rejected[reason] = (this.ctx.stats.rejected[reason] ?? 0) + 1;
    this.ctx.log.warn(
      { source: this.name, metric: node.def.name, nodeId: node.cfg.nodeId ?? node.cfg.browsePath, detail },
      'node not monitored',
    );
  }

  private nodeOk(node: NodeEntry): void {
    const st = this.ctx.stats.nodes?.[node.def.name];
    if (st) {
      st.status = 'monitored';
      delete st.error;
    }
  }

  private onValue(node: NodeEntry, dv: DataValue): void {
    const value = scalarOf(unwrapVariant(dv.value), node.cfg.index);
    if (value === undefined) {
      // ValueRank Any/ScalarOrOneDimension that turned out to be an array: refused (counted, logged once),
      // never forwarded as a scalar that could only be a BadTypeMismatch.
      const st = this.ctx.stats.nodes?.[node.def.name];
      if (st?.status === 'arrayValue')
        this.ctx.stats.rejected.arrayValue = (this.ctx.stats.rejected.arrayValue ?? 0) + 1;
      else this.nodeError(node, 'arrayValue', 'the server sent an array: set "index" to read one element');
      return;
    }
    const code = dv.statusCode.value >>> 0;
    if ((code & OVERFLOW_BITS) === OVERFLOW_BITS)
      this.ctx.stats.counters.queueOverflows = (this.ctx.stats.counters.queueOverflows ?? 0) + 1;
    const srcTs =
      dv.sourceTimestamp && dv.sourceTimestamp.getTime() > 0 ? dv.sourceTimestamp.getTime() : undefined;
    const srvTs =
      dv.serverTimestamp && dv.serverTimestamp.getTime() > 0 ? dv.serverTimestamp.getTime() : undefined;
    const st = this.ctx.stats.nodes?.[node.def.name];
    if (st) {
      st.status = dv.statusCode.name;
      if (srcTs !== undefined) st.lastSourceTs = srcTs;
      if (srvTs !== undefined) st.lastServerTs = srvTs;
    }
    const commBad = COMM_ERRORS.has((code & 0xffff0000) >>> 0);
    if (commBad !== node.commBad) {
      node.commBad = commBad;
      const deviceDown = this.nodes.some((n) => n.def.deviceId === node.def.deviceId && n.commBad);
      this.ctx.sink.deviceStatus(
        [node.def.deviceId],
        !deviceDown,
        deviceDown ? `${node.def.key}: ${dv.statusCode.name}` : undefined,
      );
    }
    // The point time is the SOURCE timestamp (when the device measured); server time only if there is none.
    this.ctx.sink.push(node.index, node.def, srcTs ?? srvTs ?? Date.now(), value, code);
  }

  private async closeClient(): Promise<void> {
    const sub = this.subscription;
    const session = this.session;
    const client = this.client;
    this.subscription = null;
    this.session = null;
    this.client = null;
    // Bounded: while node-opcua is reconnecting, a terminate/close request may never be answered.
    await settleWithin(sub?.terminate(), 3000);
    await settleWithin(session?.close(), 3000);
    await settleWithin(client?.disconnect(), 5000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.closeClient();
    this.ctx.stats.connected = false;
  }
}

/** Waits for a promise to settle, at most `ms`; errors are ignored (shutdown path). */
async function settleWithin(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!p) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => {}), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
