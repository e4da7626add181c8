import type { Device } from '@xiang/protocol';
import type { IngestContext, IngestProcessor, PointRejectReason } from '../ingest/index.js';
import { immediate } from '../registry/index.js';
import { agentIdFor, findGroup, type GroupRule, type SparkplugMapping } from './mapping.js';
import type { SparkplugMetrics } from './metrics.js';
import { EdgeNodeSession, IndexBook, isControlMetric } from './node-state.js';
import { bdSeqOf, decodeSparkplug, encodeRebirthRequest, type SparkplugPayload } from './payload.js';
import { classifySeq, isValidSeq, rebirthAllowed } from './seq.js';
import { ncmdTopic, parseSparkplugTopic, type SparkplugTopic } from './topic.js';
import { convertValue } from './values.js';

export type SparkplugIngestDeps = {
  processor: IngestProcessor;
  /** QoS 0 publish on the ingest connection (NCMD). */
  publish: (topic: string, payload: Uint8Array) => void;
  mapping: SparkplugMapping;
  rebirthMinIntervalMs: number;
  metrics: SparkplugMetrics;
};

type Msg = { topic: string; payload: Buffer; qos?: 0 | 1 | 2 };
type NodeTopic = Exclude<SparkplugTopic, { kind: 'state' }>;
type Target = { t: NodeTopic; rule: GroupRule; f: string; a: string; key: string; ctx: IngestContext };
type PointRejects = Map<PointRejectReason, { count: number; examples: string[] }>;

const EPOCH_MIN = 946684800000;
const EPOCH_MAX = 4102444800000;
const inRange = (ms: number | undefined): ms is number =>
  ms !== undefined && ms >= EPOCH_MIN && ms < EPOCH_MAX;
/** NBIRTH bdSeq and timestamp name the platform session (so a redelivered NBIRTH is recognised). */
const sessionIdOf = (bdSeq: number, tsMs: number) => `spb-${bdSeq}-${tsMs}`;
const bdSeqOfSession = (sessionId: string | null | undefined): number | undefined => {
  const m = /^spb-(\d+)-\d+$/.exec(sessionId ?? '');
  return m ? Number(m[1]) : undefined;
};

/**
 * Sparkplug B 3.0 host-side ingest: follows each edge node's session (NBIRTH/DBIRTH/NDATA/DDATA/DDEATH/
 * NDEATH, bdSeq, seq, aliases) and translates it into uplink messages handed to the platform's ingest
 * processor — the same registry births, device ownership, online history, store writes, dead letters and
 * counters as the xiang/v1 uplink. Session state is in memory: after a restart, data of a node is dead-lettered
 * `sparkplugNoBirth` and a rebirth is requested.
 */
export class SparkplugIngest {
  private readonly nodes = new Map<string, EdgeNodeSession>();
  private readonly books = new Map<string, IndexBook>();
  private readonly lastRebirthAtMs = new Map<string, number>();

  constructor(private readonly s: SparkplugIngestDeps) {}

  get liveNodes(): number {
    return this.nodes.size;
  }

  async handleBatch(msgs: readonly Msg[]): Promise<void> {
    for (const m of msgs) await this.handle(m);
  }

  async handle(m: Msg): Promise<void> {
    const proc = this.s.processor;
    const ctx: IngestContext = { topic: m.topic, payload: m.payload, nowMs: proc.steps.now() };
    const t = parseSparkplugTopic(m.topic);
    if ('error' in t) return proc.steps.rejectMessage(ctx, 'badTopic', t.error);
    const type = t.kind === 'state' ? 'STATE' : t.type;
    ctx.kind = type;
    this.s.metrics.messages.inc({ type, qos: String(m.qos ?? 1) });
    proc.deps.counters.add(`messages.sparkplug.${type}`);
    if (t.kind === 'state' || type === 'NCMD' || type === 'DCMD') return proc.steps.commitCounters();
    try {
      const target = this.target(t, ctx);
      if (!target) return;
      let p: SparkplugPayload;
      try {
        p = decodeSparkplug(m.payload);
      } catch (e) {
        return proc.steps.rejectMessage(ctx, 'sparkplugUndecodable', (e as Error).message);
      }
      await this.dispatch(target, p);
    } catch (e) {
      proc.failed(e, ctx); // transient: rethrown, the message stays unacknowledged
    }
  }

  /** Group → factory, edge node → agent; unmapped groups and unknown factories are dead-lettered. */
  private target(t: NodeTopic, ctx: IngestContext): Target | undefined {
    const proc = this.s.processor;
    const d = proc.deps;
    const rule = findGroup(this.s.mapping, t.groupId);
    if (!rule) {
      proc.steps.rejectMessage(
        ctx,
        'sparkplugUnknownGroup',
        `group "${t.groupId}" is not in the mapping file`,
      );
      return undefined;
    }
    const f = rule.factory;
    const a = agentIdFor(rule, t.groupId, t.edgeNodeId);
    ctx.factoryId = f;
    ctx.agentId = a;
    if (ctx.payload.length > d.maxPayloadBytes) {
      proc.steps.rejectMessage(ctx, 'payloadTooLarge', `${ctx.payload.length} bytes > ${d.maxPayloadBytes}`);
      return undefined;
    }
    if (!d.autoRegisterFactories && !d.registry.hasFactory(f)) {
      proc.steps.rejectMessage(ctx, 'unknownFactory', `factory "${f}" (group "${t.groupId}") does not exist`);
      return undefined;
    }
    return { t, rule, f, a, key: `${t.groupId}/${t.edgeNodeId}`, ctx };
  }

  private async dispatch(x: Target, p: SparkplugPayload): Promise<void> {
    const { t } = x;
    if (t.type === 'NBIRTH') return this.onNodeBirth(x, p);
    if (t.type === 'NDEATH') return this.onNodeDeath(x, p);
    const node = this.nodes.get(x.key);
    const device = t.kind === 'device' ? t.deviceId : undefined;
    if (!node || (device !== undefined && t.type !== 'DBIRTH' && !node.hasDevice(device))) {
      const whose = node ? `device "${device}"` : `edge node "${t.edgeNodeId}"`;
      this.s.processor.steps.rejectMessage(x.ctx, 'sparkplugNoBirth', `no birth of ${whose} seen`);
      return this.requestRebirth(x, `${t.type} without a birth of ${whose}`);
    }
    if (!this.checkSeq(x, node, p)) return;
    if (t.type === 'DBIRTH') return this.onDeviceBirth(x, node, device as string, p);
    if (t.type === 'DDEATH') return this.onDeviceDeath(x, node, device as string, p);
    return this.onData(x, node, device, p);
  }

  private async onNodeBirth(x: Target, p: SparkplugPayload): Promise<void> {
    const steps = this.s.processor.steps;
    const bdSeq = bdSeqOf(p);
    if (bdSeq === undefined) return steps.rejectMessage(x.ctx, 'sparkplugNoBdSeq', 'NBIRTH without bdSeq');
    if (p.seq === undefined || !isValidSeq(p.seq))
      return steps.rejectMessage(
        x.ctx,
        'schemaViolation',
        `NBIRTH seq ${p.seq ?? 'missing'} (0–255 required)`,
      );
    const ts = inRange(p.timestampMs) ? p.timestampMs : x.ctx.nowMs;
    const sessionId = sessionIdOf(bdSeq, ts);
    if (this.nodes.get(x.key)?.sessionId === sessionId) {
      this.s.processor.deps.counters.add('duplicates');
      return steps.commitCounters();
    }
    const node = new EdgeNodeSession(
      x.rule,
      x.t.groupId,
      x.t.edgeNodeId,
      bdSeq,
      sessionId,
      p.seq,
      this.book(x),
    );
    const prev = this.nodes.get(x.key);
    if (prev?.bdSeq === bdSeq) node.carryDevicesFrom(prev);
    else if (!prev) node.keepDevices(this.liveDevicesOf(x, bdSeq));
    this.nodes.set(x.key, node);
    this.recordPointRejects(x.ctx, toRejects(node.define(undefined, p.metrics)));
    await this.birth(x, node, ts);
  }

  private async onDeviceBirth(x: Target, node: EdgeNodeSession, device: string, p: SparkplugPayload) {
    this.recordPointRejects(x.ctx, toRejects(node.define(device, p.metrics)));
    await this.birth(x, node, inRange(p.timestampMs) ? p.timestampMs : x.ctx.nowMs);
  }

  /** Hands the node's whole birth to the processor; a refused birth (limits) ends the node's session here. */
  private async birth(x: Target, node: EdgeNodeSession, ts: number): Promise<void> {
    const proc = this.s.processor;
    await proc.handleTranslated('birth', x.f, x.a, node.birth(ts), x.ctx);
    if (!proc.deps.sessions.birthSeen(x.f, x.a, node.sessionId)) this.nodes.delete(x.key);
  }

  /** NDEATH (the node's MQTT Will or a clean disconnect): applies only with the bdSeq of the current NBIRTH. */
  private async onNodeDeath(x: Target, p: SparkplugPayload): Promise<void> {
    const proc = this.s.processor;
    const bdSeq = bdSeqOf(p);
    if (bdSeq === undefined)
      return proc.steps.rejectMessage(x.ctx, 'sparkplugNoBdSeq', 'NDEATH without bdSeq');
    // After a restart the node's session is known from the registry only (its id carries the bdSeq).
    const sessionId =
      this.nodes.get(x.key)?.sessionId ?? proc.deps.registry.agent(x.f, x.a)?.currentSessionId ?? undefined;
    if (sessionId === undefined || bdSeqOfSession(sessionId) !== bdSeq) {
      this.s.metrics.staleDeaths.inc();
      proc.deps.counters.add('staleDeaths');
      return proc.steps.commitCounters();
    }
    this.nodes.delete(x.key);
    await proc.handleTranslated('death', x.f, x.a, { sessionId, reason: 'will' }, x.ctx);
  }

  private async onDeviceDeath(x: Target, node: EdgeNodeSession, device: string, p: SparkplugPayload) {
    const id = node.forgetDevice(device);
    if (id === undefined) return this.s.processor.steps.commitCounters();
    const status = {
      sessionId: node.sessionId,
      seq: node.takeSeq(),
      timestamp: inRange(p.timestampMs) ? p.timestampMs : x.ctx.nowMs,
      devices: [{ id, online: false, reason: 'Sparkplug DDEATH' }],
    };
    await this.s.processor.handleTranslated('status', x.f, x.a, status, x.ctx);
  }

  private async onData(x: Target, node: EdgeNodeSession, device: string | undefined, p: SparkplugPayload) {
    const points: [number, number, number | boolean | string | null][] = [];
    const rejects: PointRejects = new Map();
    let unknown = 0;
    for (const m of p.metrics) {
      if (m.name !== undefined && isControlMetric(m.name)) continue;
      const def = node.resolve(device, m);
      const label = m.name ?? `alias ${m.alias ?? '(none)'}`;
      if (!def) {
        unknown++;
        addReject(rejects, 'sparkplugUnknownMetric', `${label} was not in the birth`);
        continue;
      }
      if (m.datatype !== undefined && m.datatype !== def.datatype) {
        addReject(rejects, 'wrongValueType', `${label}: datatype ${m.datatype}, birth said ${def.datatype}`);
        continue;
      }
      const v = convertValue(def.datatype, m.raw, m.isNull);
      if (!v.ok) {
        addReject(rejects, v.reason, `${label}: ${v.detail}`);
        continue;
      }
      points.push([def.i, m.timestampMs ?? p.timestampMs ?? x.ctx.nowMs, v.value]);
    }
    this.recordPointRejects(x.ctx, rejects);
    if (points.length > 0) {
      const batch = { sessionId: node.sessionId, seq: node.takeSeq(), historical: false, points };
      await this.s.processor.handleTranslated('data', x.f, x.a, batch, x.ctx);
    } else if (rejects.size === 0) {
      this.s.processor.steps.commitCounters(); // e.g. only control metrics: counted, nothing to store
    }
    if (unknown > 0) this.requestRebirth(x, `${unknown} metrics not in the birth`);
  }

  /** seq must follow the last on the 0–255 ring; a gap (lost messages) asks for a rebirth, data is kept. */
  private checkSeq(x: Target, node: EdgeNodeSession, p: SparkplugPayload): boolean {
    if (p.seq === undefined || !isValidSeq(p.seq)) {
      this.s.processor.steps.rejectMessage(
        x.ctx,
        'schemaViolation',
        `seq ${p.seq ?? 'missing'} (0–255 required)`,
      );
      return false;
    }
    const v = classifySeq(node.lastSeq, p.seq);
    if (v.kind === 'behind') {
      this.s.metrics.outOfOrder.inc();
      return true;
    }
    const previous = node.lastSeq;
    node.lastSeq = p.seq;
    if (v.kind === 'gap') {
      this.s.metrics.seqGaps.inc();
      this.requestRebirth(x, `seq ${p.seq} after ${previous}: ${v.missing} lost`);
    }
    return true;
  }

  private requestRebirth(x: Target, reason: string): void {
    const nowMs = x.ctx.nowMs;
    const d = this.s.processor.deps;
    if (!rebirthAllowed(this.lastRebirthAtMs.get(x.key), nowMs, this.s.rebirthMinIntervalMs)) {
      this.s.metrics.rebirthRequests.inc({ result: 'suppressed' });
      return;
    }
    this.lastRebirthAtMs.set(x.key, nowMs);
    this.s.publish(ncmdTopic(x.t.groupId, x.t.edgeNodeId), encodeRebirthRequest(nowMs));
    this.s.metrics.rebirthRequests.inc({ result: 'sent' });
    d.counters.addNow('rebirthsRequested');
    d.log.info(
      { group: x.t.groupId, edgeNode: x.t.edgeNodeId, reason },
      'sparkplug: rebirth requested (NCMD)',
    );
  }

  private recordPointRejects(ctx: IngestContext, rejects: PointRejects): void {
    if (rejects.size === 0) return;
    const { steps, deps: d } = this.s.processor;
    immediate(d.registry.db, () => {
      for (const [reason, r] of rejects) {
        d.deadLetters.add({
          ...steps.dlBase(ctx),
          reason,
          detail: r.examples.join('; '),
          pointCount: r.count,
        });
        d.counters.add(`rejectedPoints.${reason}`, r.count);
      }
      d.counters.commit();
    });
    for (const [reason, r] of rejects) steps.warn(reason, ctx, r.examples[0] ?? '');
  }

  /** The agent's online devices when its live session (per the registry) has this bdSeq: a rebirth. */
  private liveDevicesOf(x: Target, bdSeq: number): Device[] {
    const registry = this.s.processor.deps.registry;
    const agent = registry.agent(x.f, x.a);
    if (!agent?.online || bdSeqOfSession(agent.currentSessionId) !== bdSeq) return [];
    return registry
      .devices(x.f)
      .filter((d) => d.agentId === x.a && d.online)
      .map((d) => ({
        id: d.id,
        kind: d.kind,
        assetPath: d.assetPath,
        ...(d.name ? { name: d.name } : {}),
        ...(d.medium ? { medium: d.medium } : {}),
        ...(d.meterRole ? { meterRole: d.meterRole } : {}),
      }));
  }

  private book(x: Target): IndexBook {
    const k = `${x.f}/${x.a}`;
    let b = this.books.get(k);
    if (!b) {
      b = new IndexBook(this.s.processor.deps.registry.ownership.decodeTable(x.f, x.a));
      this.books.set(k, b);
    }
    return b;
  }
}

function addReject(r: PointRejects, reason: PointRejectReason, example: string): void {
  const e = r.get(reason) ?? { count: 0, examples: [] };
  e.count++;
  if (e.examples.length < 3) e.examples.push(example);
  r.set(reason, e);
}

function toRejects(list: readonly { reason: PointRejectReason; detail: string }[]): PointRejects {
  const r: PointRejects = new Map();
  for (const x of list) addReject(r, x.reason, x.detail);
  return r;
}
