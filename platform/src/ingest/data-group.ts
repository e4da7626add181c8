import { MAX_POINTS_PER_BATCH, parseTopic } from '@xiang/protocol';
import { agentKey, immediateOn } from '../repository/index.js';
import type { StoredPoint } from '../store/types.js';
import { historyNeedsCheck } from './counter-consistency.js';
import type { DecodedBatch } from './decode.js';
import type { IngestProcessor } from './processor.js';
import { beyondFreeze, onMessage, type SessionState } from './session-state.js';
import { type IngestContext, isTransient } from './steps.js';

/** A data message of a born session, decoded and ready to be stored (or a duplicate to be counted). */
type Prepared = {
  ctx: IngestContext;
  f: string;
  a: string;
  sessionId: string;
  seq: number;
  /** The session's state before this message (used if its row has gone by commit time, as handleData does). */
  before: SessionState;
  /** Null for a duplicate (already handled before: counted, nothing stored). */
  dec: DecodedBatch | null;
};

const sessionKey = (f: string, a: string, s: string) => `${f}\u0000${a}\u0000${s}`;

/**
 * The group commit of data messages (issue 13): consecutive data batches of sessions whose birth was seen are
 * decoded one by one, then stored with ONE store write and recorded with ONE registry transaction — the same
 * outcome as handling them one after another (handleData), at the cost of one durable write per group
 * instead of one per message.
 *
 * Only the common case joins a group; anything else — a birth, status or death, an invalid or rejected
 * message, data of an unborn session (parked), points with unknown metric indices — is a barrier: the group
 * is committed first, then that message takes the one-at-a-time path, so it sees exactly the state it
 * would have seen had every message been handled alone. Within a group, each session's state is carried
 * from message to message in memory (a redelivery inside the group is a duplicate), and re-read from
 * SQLite inside the commit transaction (a sibling instance may have moved it meanwhile), as handleData does.
 */
export class DataGroup {
  private items: Prepared[] = [];
  /** Points in the group so far. */
  points = 0;
  /** Session states after the messages of this group (what the next message of the session must see). */
  private readonly states = new Map<string, SessionState>();
  /** Factories known to exist (checked once per group). */
  private readonly factories = new Map<string, boolean>();

  constructor(private readonly proc: IngestProcessor) {}

  get size(): number {
    return this.items.length;
  }

  /** Adds the message if it is a plain data batch of a born session; false = handle it on its own. */
  tryAdd(topic: string, payload: Buffer): boolean {
    try {
      const p = this.prepare(topic, payload);
      if (!p) return false;
      this.items.push(p);
      this.points += p.dec?.points.length ?? 0;
      return true;
    } catch {
      return false; // whatever went wrong, the one-at-a-time path handles (and reports) it
    }
  }

  private prepare(topic: string, payload: Buffer): Prepared | null {
    const d = this.proc.deps;
    const t = parseTopic(topic);
    if ('error' in t || t.kind !== 'data' || payload.length > d.maxPayloadBytes) return null;
    const { factoryId: f, agentId: a } = t;
    if (!d.autoRegisterFactories && !this.factoryExists(f)) return null;
    const env = plainEnvelope(JSON.parse(payload.toString('utf8')));
    if (!env || env.points.length > MAX_POINTS_PER_BATCH) return null;
    const { sessionId, seq, historical, points } = env;
    const key = sessionKey(f, a, sessionId);
    const st = this.states.get(key) ?? d.sessions.get(f, a, sessionId);
    if (!st?.birthSeen) return null;
    const nowMs = this.proc.steps.now();
    const ctx: IngestContext = { topic, payload, factoryId: f, agentId: a, kind: 'data', nowMs };
    const m = onMessage(st, seq);
    if (m.duplicate) return { ctx, f, a, sessionId, seq, before: st, dec: null };
    if (beyondFreeze(st, seq)) return null; // refused (supersededSession): handleData reports it
    const dec = this.proc.steps.decode(f, a, points, nowMs);
    if (dec.unknown.length > 0) return null; // rejected or parked, depending on the session: handleData decides
    // History that may contradict stored counters is judged against what is stored before it: on its own.
    if (historical && historyNeedsCheck(this.proc.steps, f, a, dec)) return null;
    this.states.set(key, m.state);
    return { ctx, f, a, sessionId, seq, before: st, dec };
  }

  private factoryExists(f: string): boolean {
    let known = this.factories.get(f);
    if (known === undefined) {
      known = this.proc.deps.registry.hasFactory(f);
      this.factories.set(f, known);
    }
    return known;
  }

  /**
   * Makes the group durable: its points in one store write, then outcomes, counters, device last-seen and
   * session states in one transaction. Rejects only with a transient error (nothing of the group may be
   * acknowledged then); any other failure handles the group's messages again one by one, which reports them.
   */
  async commit(): Promise<void> {
    const items = this.items;
    this.items = [];
    this.points = 0;
    this.states.clear();
    this.factories.clear();
    if (items.length === 0) return;
    const d = this.proc.deps;
    try {
      await this.proc.steps.writePoints(collectPoints(items));
      // Scoped to the group's agents: instances committing other agents' groups do not wait (PostgreSQL).
      const keys = items.map((it) => agentKey(it.f, it.a));
      const gaps = immediateOn(d.registry.db, keys, () => this.record(items));
      for (const [f, a, sessionId] of gaps) d.rebirth.suspect(f, a, { kind: 'gap', sessionId });
    } catch (e) {
      d.counters.discard();
      if (isTransient(e)) throw e;
      d.log.error({ err: e }, 'group commit failed; its messages are handled one by one');
      for (const it of items) await this.proc.handle(it.ctx.topic, it.ctx.payload);
    }
  }

  /** Inside the commit transaction: what handleData records per message, once per group where it can. */
  private record(items: readonly Prepared[]): [string, string, string][] {
    const { counters, sessions, registry } = this.proc.deps;
    const states = new Map<string, { f: string; a: string; s: string; st: SessionState; gap: boolean }>();
    const lastSeen = new Map<string, Map<string, number>>();
    let nowMs = 0;
    for (const it of items) {
      counters.add('messages.data');
      nowMs = Math.max(nowMs, it.ctx.nowMs);
      if (!it.dec) {
        counters.add('duplicates');
        continue;
      }
      this.proc.steps.recordDecoded(it.ctx, it.dec);
      const seen = lastSeen.get(it.f) ?? new Map<string, number>();
      for (const [dev, ts] of it.dec.lastSeen) seen.set(dev, Math.max(ts, seen.get(dev) ?? ts));
      lastSeen.set(it.f, seen);
      const key = sessionKey(it.f, it.a, it.sessionId);
      // Re-read once per session: a sibling instance may have applied a birth of this session meanwhile.
      const cur = states.get(key) ?? {
        f: it.f,
        a: it.a,
        s: it.sessionId,
        st: sessions.get(it.f, it.a, it.sessionId) ?? it.before,
        gap: false,
      };
      const m = onMessage(cur.st, it.seq);
      states.set(key, { ...cur, st: m.state, gap: cur.gap || m.hole });
    }
    for (const [f, seen] of lastSeen) registry.touchDevices(f, seen);
    for (const { f, a, s, st } of states.values()) sessions.put(f, a, s, st, nowMs);
    counters.commit();
    return [...states.values()].filter((x) => x.gap).map((x) => [x.f, x.a, x.s]);
  }
}

type Envelope = { sessionId: string; seq: number; historical: boolean; points: unknown[] };

/**
 * The envelope of a plainly valid data batch without zod (which copies the points array element by element —
 * a cost per point on the hot path): accepts only what dataEnvelopeSchema accepts, with the same result;
 * anything else is null and takes the one-at-a-time path, where the schema reports it.
 */
export function plainEnvelope(json: unknown): Envelope | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const { sessionId, seq, historical, points } = json as Record<string, unknown>;
  if (typeof sessionId !== 'string' || sessionId.length < 8 || sessionId.length > 64) return null;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return null;
  if (historical !== undefined && typeof historical !== 'boolean') return null;
  if (!Array.isArray(points) || points.length === 0) return null;
  return { sessionId, seq, historical: historical ?? false, points };
}

function collectPoints(items: readonly Prepared[]): StoredPoint[] {
  const out: StoredPoint[] = [];
  for (const it of items) if (it.dec) for (const p of it.dec.points) out.push(p);
  return out;
}
