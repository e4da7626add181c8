import { topicFor } from '@xiang/protocol';
import type { IngestContext, IngestProcessor } from '../ingest/index.js';
import { immediate } from '../registry/index.js';
import { agentIdFor, findGroup, type GroupRule, type SparkplugMapping } from './mapping.js';
import type { SparkplugMetrics } from './metrics.js';
import { EdgeNodeSession, IndexBook, isControlMetric } from './node-state.js';
import { NodeStateStore } from './node-store.js';
import { bdSeqOf, decodeSparkplug, encodeRebirthRequest, type SparkplugPayload } from './payload.js';
import { classifySeq, isValidSeq, rebirthAllowed } from './seq.js';
import {
  addReject,
  bdSeqOfSession,
  inRange,
  liveDevicesOf,
  type PointRejects,
  recordPointRejects,
  sessionIdOf,
  toRejects,
} from './session-support.js';
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
/** A data message translated into the xiang/v1 uplink, waiting for the group commit. */
type Translated = { topic: string; payload: Buffer };
type NodeTopic = Exclude<SparkplugTopic, { kind: 'state' }>;
type Target = { t: NodeTopic; rule: GroupRule; f: string; a: string; key: string; ctx: IngestContext };

/**
 * Sparkplug B 3.0 host-side ingest: follows each edge node's session (NBIRTH/DBIRTH/NDATA/DDATA/DDEATH/
 * NDEATH, bdSeq, seq, aliases) and translates it into uplink messages handed to the platform's ingest
 * processor — the same registry births, device ownership, online history, store writes, dead letters and
 * counters as the xiang/v1 uplink. NDATA/DDATA become xiang/v1 data messages handed to the processor's group
 * commit (`handleBatch`: one store write and one registry transaction per run of data, as native data); births
 * and deaths are barriers, handled one at a time after the data before them is durable. Node sessions are kept
 * in the repository (node-store.ts): after a restart the node's data by alias goes on being stored.
 */
export class SparkplugIngest {
  /** Cache of the repository's node sessions; dropped on a transient failure (the repository is the truth). */
  private readonly nodes = new Map<string, EdgeNodeSession>();
  private readonly books = new Map<string, IndexBook>();
  private readonly lastRebirthAtMs = new Map<string, number>();
  private readonly store: NodeStateStore;
  private pending: Translated[] = [];
  /** Nodes whose seq moved in this batch: written once at its end. */
  private readonly seqMoved = new Map<string, { f: string; a: string; node: EdgeNodeSession }>();

  constructor(private readonly s: SparkplugIngestDeps) {
    this.store = new NodeStateStore(s.processor.deps.registry.db);
  }

  get liveNodes(): number {
    return this.nodes.size;
  }

  /**
   * Resolves when every message is durable (data stored, sessions written); rejects only with a transient error,
   * then nothing of the batch may be acknowledged and the cached node sessions are re-read from the repository.
   */
  async handleBatch(msgs: readonly Msg[]): Promise<void> {
    try {
      for (const m of msgs) await this.handleOne(m);
      await this.flush();
      this.writeSeqs();
    } catch (e) {
      this.pending = [];
      this.seqMoved.clear();
      this.nodes.clear();
      this.books.clear();
      throw e;
    }
  }

  async handle(m: Msg): Promise<void> {
    await this.handleBatch([m]);
  }

  /** Hands the translated data so far to the processor's group commit (a barrier before anything else). */
  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    await this.s.processor.handleBatch(batch);
  }

  private writeSeqs(): void {
    if (this.seqMoved.size === 0) return;
    const nowMs = this.s.processor.steps.now();
    immediate(this.s.processor.deps.registry.db, () => {
      for (const { f, a, node } of this.seqMoved.values())
        this.store.putSeq(f, a, node.sessionId, node.lastSeq, nowMs);
    });
    this.seqMoved.clear();
  }

  private async handleOne(m: Msg): Promise<void> {
    const proc = this.s.processor;
    const ctx: IngestContext = { topic: m.topic, payload: m.payload, nowMs: proc.steps.now() };
    const t = parseSparkplugTopic(m.topic);
    if ('error' in t) return proc.steps.rejectMessage(ctx, 'badTopic', t.error);
    const type = t.kind === 'state' ? 'STATE' : t.type;
    ctx.kind = type;
    this.s.metrics.messages.inc({ type, qos: String(m.qos ?? 1) });
    proc.deps.counters.add(`messages.sparkplug.${type}`);
    if (t.kind === 'state' || type === 'NCMD' || type === 'DCMD') return proc.steps.commitCounters();
    if (type !== 'NDATA' && type !== 'DDATA') await this.flush(); // births and deaths see the data before them
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
    const node = this.nodeOf(x);
    const device = t.kind === 'device' ? t.deviceId : undefined;
    if (!node || (device !== undefined && t.type !== 'DBIRTH' && !node.hasDevice(device))) {
      const whose = node ? `device "${device}"` : `edge node "${t.edgeNodeId}"`;
      this.s.processor.steps.rejectMessage(x.ctx, 'sparkplugNoBirth', `no birth of ${whose} seen`);
      return this.requestRebirth(x, `${t.type} without a birth of ${whose}`);
    }
    if (!this.checkSeq(x, node, p)) return;
    this.seqMoved.set(x.key, { f: x.f, a: x.a, node });
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
    const prev = this.nodeOf(x);
    if (prev?.sessionId === sessionId) {
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
    if (prev?.bdSeq === bdSeq) node.carryDevicesFrom(prev);
    else if (!prev) node.keepDevices(liveDevicesOf(this.s.processor.deps.registry, x.f, x.a, bdSeq));
    this.nodes.set(x.key, node);
    recordPointRejects(this.s.processor, x.ctx, toRejects(node.define(undefined, p.metrics)));
    await this.birth(x, node, ts);
  }

  private async onDeviceBirth(x: Target, node: EdgeNodeSession, device: string, p: SparkplugPayload) {
    recordPointRejects(this.s.processor, x.ctx, toRejects(node.define(device, p.metrics)));
    await this.birth(x, node, inRange(p.timestampMs) ? p.timestampMs : x.ctx.nowMs);
  }

  /** Hands the node's whole birth to the processor; a refused birth (limits) ends the node's session here. */
  private async birth(x: Target, node: EdgeNodeSession, ts: number): Promise<void> {
    const proc = this.s.processor;
    await proc.handleTranslated('birth', x.f, x.a, node.birth(ts), x.ctx);
    if (!proc.deps.sessions.birthSeen(x.f, x.a, node.sessionId)) {
      this.nodes.delete(x.key);
      return;
    }
    this.save(x, node);
  }

  private save(x: Target, node: EdgeNodeSession): void {
    const nowMs = x.ctx.nowMs;
    immediate(this.s.processor.deps.registry.db, () => this.store.put(x.f, x.a, node.snapshot(), nowMs));
  }

  /**
   * The node's session: cached, else as the repository kept it — while it is still the agent's current platform
   * session with its birth seen (a newer birth or a death since makes the kept one void).
   */
  private nodeOf(x: Target): EdgeNodeSession | undefined {
    const cached = this.nodes.get(x.key);
    if (cached) return cached;
    const d = this.s.processor.deps;
    const kept = this.store.get(x.f, x.a, x.t.groupId, x.t.edgeNodeId);
    if (!kept || d.registry.agent(x.f, x.a)?.currentSessionId !== kept.sessionId) return undefined;
    const st = d.sessions.get(x.f, x.a, kept.sessionId);
    if (!st?.birthSeen) return undefined;
    const node = EdgeNodeSession.restore(x.rule, kept, this.book(x), st.highestSeq + 1);
    this.nodes.set(x.key, node);
    return node;
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
    this.seqMoved.delete(x.key);
    immediate(proc.deps.registry.db, () => this.store.delete(x.f, x.a));
    await proc.handleTranslated('death', x.f, x.a, { sessionId, reason: 'will' }, x.ctx);
  }

  private async onDeviceDeath(x: Target, node: EdgeNodeSession, device: string, p: SparkplugPayload) {
    const id = node.forgetDevice(device);
    if (id === undefined) return this.s.processor.steps.commitCounters();
    this.save(x, node);
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
    recordPointRejects(this.s.processor, x.ctx, rejects);
    if (points.length > 0) {
      // The Sparkplug topic rides along (ignored by the uplink schema) so a dead letter names its source.
      const batch = { sessionId: node.sessionId, seq: node.takeSeq(), points, sparkplugTopic: x.ctx.topic };
      this.pending.push({ topic: topicFor('data', x.f, x.a), payload: Buffer.from(JSON.stringify(batch)) });
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
