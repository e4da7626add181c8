import { deathSchema, formatZodIssues, type MessageKind, parseTopic, statusSchema } from '@xiang/protocol';
import { immediate } from '../registry/db.js';
import { handleBirth } from './birth-handler.js';
import { DataGroup } from './data-group.js';
import { handleData } from './data-handler.js';
import { beyondFreeze, onMessage } from './session-state.js';
import { type IngestContext, IngestSteps, isTransient, type ProcessorDeps } from './steps.js';

export { type ProcessorDeps, TransientIngestError } from './steps.js';

/** Points of one group commit at most (a group of 100 messages of 50 000 points would hold 5 M in memory). */
const GROUP_MAX_POINTS = 100_000;

/**
 * Handles one uplink message end to end. Resolves when everything it implies is durable (points in the store,
 * registry, session state, dead letters, counters in SQLite) — only then may the caller acknowledge it to the
 * broker. Rejects only with a transient error (store or disk), in which case the message must stay unacked.
 * Malformed input never rejects: it is dead-lettered and counted.
 */
export class IngestProcessor {
  readonly steps: IngestSteps;
  private readonly d: ProcessorDeps;

  constructor(deps: ProcessorDeps) {
    this.d = deps;
    this.steps = new IngestSteps(deps);
  }

  /**
   * Handles messages in arrival order, making them durable with as few writes as it can (group commit, see
   * DataGroup): resolves when every one of them is durable; rejects only with a transient error, in which
   * case none of them may be acknowledged. Same outcome as calling handle() on each in turn.
   */
  async handleBatch(msgs: readonly { topic: string; payload: Buffer }[]): Promise<void> {
    const group = new DataGroup(this);
    for (const m of msgs) {
      if (group.tryAdd(m.topic, m.payload)) {
        if (group.points >= GROUP_MAX_POINTS) await group.commit();
        continue;
      }
      await group.commit(); // a barrier: what came before is durable before this message is handled
      await this.handle(m.topic, m.payload);
    }
    await group.commit();
  }

  async handle(topic: string, payload: Buffer): Promise<void> {
    const ctx: IngestContext = { topic, payload, nowMs: this.steps.now() };
    const t = parseTopic(topic);
    if ('error' in t) {
      this.d.counters.add('messages.invalid');
      const reason = t.error.startsWith('unknown message kind') ? 'unknownKind' : 'badTopic';
      return this.steps.rejectMessage(ctx, reason, t.error);
    }
    Object.assign(ctx, t);
    this.d.counters.add(`messages.${t.kind}`);
    try {
      if (t.kind === 'cmd') {
        // Our own rebirth commands come back through the wildcard subscription (noLocal is not allowed on shared subscriptions).
        this.steps.commitCounters();
        return;
      }
      const limit =
        t.kind === 'birth'
          ? Math.min(this.d.maxPayloadBytes, this.d.limits.maxBirthBytes)
          : this.d.maxPayloadBytes;
      if (payload.length > limit) {
        const reason =
          t.kind === 'birth' && limit < this.d.maxPayloadBytes ? 'birthTooLarge' : 'payloadTooLarge';
        return this.steps.rejectMessage(ctx, reason, `${payload.length} bytes > limit ${limit}`);
      }
      if (!this.d.autoRegisterFactories && !this.d.registry.hasFactory(t.factoryId)) {
        const detail = `factory "${t.factoryId}" does not exist: an admin creates it (POST /api/v1/factories), or set ingest.autoRegisterFactories`;
        return this.steps.rejectMessage(ctx, 'unknownFactory', detail);
      }
      if (this.refusedAgent(t.factoryId, t.agentId, ctx)) return;
      let json: unknown;
      try {
        json = JSON.parse(payload.toString('utf8'));
      } catch (e) {
        return this.steps.rejectMessage(ctx, 'invalidJson', (e as Error).message);
      }
      await this.dispatch(t.kind, t.factoryId, t.agentId, json, ctx);
    } catch (e) {
      this.failed(e, ctx);
    }
  }

  /**
   * A message of another protocol (Sparkplug B) already translated into an uplink message: the same path as
   * handle() after parsing; ctx keeps the original topic and payload for dead letters.
   */
  async handleTranslated(
    kind: MessageKind,
    f: string,
    a: string,
    json: unknown,
    ctx: IngestContext,
  ): Promise<void> {
    try {
      if (this.refusedAgent(f, a, ctx)) return;
      await this.dispatch(kind, f, a, json, ctx);
    } catch (e) {
      this.failed(e, ctx);
    }
  }

  /**
   * With `ingest.autoRegisterAgents: false`, an agent nobody registered is refused whole: with open
   * enrolment a device belongs to whichever agent the platform heard first, so a client publishing under
   * another agent id before the real agent's birth reached the platform (a platform started after its
   * agents) took its devices — and the real agent's data was then refused (soak seed 258791).
   */
  private refusedAgent(f: string, a: string, ctx: IngestContext): boolean {
    if (this.d.autoRegisterAgents || this.d.registry.ownership.hasAgent(f, a)) return false;
    const detail = `agent "${a}" is not registered in factory "${f}": an admin registers it (POST /api/v1/factories/${f}/agents, xiang factory agent ${f} ${a}), or set ingest.autoRegisterAgents`;
    this.steps.rejectMessage(ctx, 'unknownAgent', detail);
    return true;
  }

  /** Transient: rethrown (the message stays unacknowledged); anything else is a bug, dead-lettered. */
  failed(e: unknown, ctx: IngestContext): void {
    if (isTransient(e)) {
      this.d.counters.discard();
      throw e;
    }
    this.d.log.error(
      { err: e, topic: ctx.topic },
      'ingest failed on a message; dead-lettered as internalError',
    );
    this.steps.rejectMessage(ctx, 'internalError', String((e as Error)?.message ?? e));
  }

  private async dispatch(
    kind: MessageKind,
    f: string,
    a: string,
    json: unknown,
    ctx: IngestContext,
  ): Promise<void> {
    if (kind === 'birth') return handleBirth(this, f, a, json, ctx);
    if (kind === 'data') return handleData(this, f, a, json, ctx);
    if (kind === 'status') return this.onStatus(f, a, json, ctx);
    if (kind === 'death') return this.onDeath(f, a, json, ctx);
  }

  /**
   * Device reachability, from the agent's current session only, for the devices it owns. A status of a
   * session whose birth was not seen is dead-lettered (the agent sends a fresh one after its birth).
   */
  private async onStatus(f: string, a: string, json: unknown, ctx: IngestContext): Promise<void> {
    const r = statusSchema.safeParse(json);
    if (!r.success)
      return this.steps.rejectMessage(ctx, 'schemaViolation', formatZodIssues(r.error).join('; '));
    const s = r.data;
    const st = this.d.sessions.get(f, a, s.sessionId);
    if (!st?.birthSeen) {
      this.steps.rejectMessage(ctx, 'unknownSession', `no birth of session ${s.sessionId} was seen`);
      this.d.rebirth.suspect(f, a, { kind: 'unbornSession', sessionId: s.sessionId, sinceMs: ctx.nowMs });
      return;
    }
    if (onMessage(st, s.seq).duplicate) {
      this.d.counters.add('duplicates');
      return this.steps.commitCounters();
    }
    if (beyondFreeze(st, s.seq)) return this.steps.rejectSuperseded(ctx, s.sessionId, s.seq, st.frozenAtSeq);
    const current = this.d.registry.agent(f, a)?.currentSessionId === s.sessionId;
    const m = immediate(this.d.registry.db, () => {
      const m = onMessage(this.d.sessions.get(f, a, s.sessionId) ?? st, s.seq);
      if (current) {
        const { refused } = this.d.registry.applyStatus(f, a, s);
        const detail = `status for devices the agent does not own: ${refused.slice(0, 20).join(', ')}`;
        this.steps.refuseEntries(ctx, 'deviceNotOwned', refused.length, detail);
      } else {
        this.d.counters.add('staleStatus');
      }
      this.d.sessions.put(f, a, s.sessionId, m.state, ctx.nowMs);
      this.d.counters.commit();
      return m;
    });
    if (current && m.hole) this.d.rebirth.suspect(f, a, { kind: 'gap', sessionId: s.sessionId });
  }

  private async onDeath(f: string, a: string, json: unknown, ctx: IngestContext): Promise<void> {
    const r = deathSchema.safeParse(json);
    if (!r.success)
      return this.steps.rejectMessage(ctx, 'schemaViolation', formatZodIssues(r.error).join('; '));
    const res = immediate(this.d.registry.db, () => {
      const out = this.d.registry.applyDeath(f, a, r.data, ctx.nowMs);
      if (!out.applied) this.d.counters.add('staleDeaths');
      this.d.counters.commit();
      return out;
    });
    this.d.log.info(
      { factoryId: f, agentId: a, sessionId: r.data.sessionId, reason: r.data.reason, ...res },
      res.applied ? 'agent death: devices offline' : 'death of a superseded session ignored',
    );
  }

  get deps(): ProcessorDeps {
    return this.d;
  }
}
