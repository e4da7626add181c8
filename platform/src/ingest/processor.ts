import {
  birthSchema,
  deathSchema,
  formatZodIssues,
  MAX_POINTS_PER_BATCH,
  type MessageKind,
  parseTopic,
  statusSchema,
} from '@xiang/protocol';
import { z } from 'zod';
import { immediate } from '../registry/db.js';
import { refuseContradictingHistory } from './counter-consistency.js';
import { drainParked } from './drain.js';
import type { Suspicion } from './rebirth.js';
import { type IngestContext, IngestSteps, isTransient, type ProcessorDeps } from './steps.js';

export { type ProcessorDeps, TransientIngestError } from './steps.js';

/** The data batch envelope; points are validated one by one (decode.ts) so one bad point spares the rest. */
const dataEnvelopeSchema = z.object({
  sessionId: z.string().min(8).max(64),
  seq: z.number().int().min(0),
  historical: z.boolean().default(false),
  points: z.array(z.unknown()).min(1, 'a batch needs at least one point'),
});

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
      if (payload.length > this.d.maxPayloadBytes) {
        return this.steps.rejectMessage(
          ctx,
          'payloadTooLarge',
          `${payload.length} bytes > limit ${this.d.maxPayloadBytes}`,
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(payload.toString('utf8'));
      } catch (e) {
        return this.steps.rejectMessage(ctx, 'invalidJson', (e as Error).message);
      }
      await this.dispatch(t.kind, t.factoryId, t.agentId, json, ctx);
    } catch (e) {
      if (isTransient(e)) {
        this.d.counters.discard();
        throw e;
      }
      this.d.log.error({ err: e, topic }, 'ingest failed on a message; dead-lettered as internalError');
      this.steps.rejectMessage(ctx, 'internalError', String((e as Error)?.message ?? e));
    }
  }

  private async dispatch(
    kind: MessageKind,
    f: string,
    a: string,
    json: unknown,
    ctx: IngestContext,
  ): Promise<void> {
    if (kind === 'birth') return this.onBirth(f, a, json, ctx);
    if (kind === 'data') return this.onData(f, a, json, ctx);
    if (kind === 'status') return this.onStatus(f, a, json, ctx);
    if (kind === 'death') return this.onDeath(f, a, json, ctx);
  }

  private async onBirth(f: string, a: string, json: unknown, ctx: IngestContext): Promise<void> {
    const r = birthSchema.safeParse(json);
    if (!r.success)
      return this.steps.rejectMessage(ctx, 'schemaViolation', formatZodIssues(r.error).join('; '));
    const birth = r.data;
    const seen = new Set<number>();
    for (const m of birth.metrics) {
      if (seen.has(m.i))
        return this.steps.rejectMessage(ctx, 'schemaViolation', `metrics: index ${m.i} is declared twice`);
      seen.add(m.i);
    }
    const res = this.d.registry.applyBirth(f, a, birth, ctx.nowMs);
    immediate(this.d.registry.db, () => {
      this.d.sessions.mark(f, a, birth.sessionId, 0, ctx.nowMs, true);
      this.d.counters.add('metricsRedefined', res.redefinedIndices.length);
      this.d.counters.commit();
    });
    this.steps.forgetTable(f, a);
    if (res.redefinedIndices.length > 0) {
      this.d.log.warn(
        { factoryId: f, agentId: a, indices: res.redefinedIndices },
        'birth redefines metric indices',
      );
    }
    this.d.log.info(
      {
        factoryId: f,
        agentId: a,
        sessionId: birth.sessionId,
        devices: res.devices,
        metrics: res.metrics,
        newSession: res.newSession,
        stale: res.stale,
      },
      'agent birth',
    );
    await drainParked(this, f, a);
    if (res.newSession) this.d.sessions.prune(ctx.nowMs);
  }

  private async onData(f: string, a: string, json: unknown, ctx: IngestContext): Promise<void> {
    const r = dataEnvelopeSchema.safeParse(json);
    if (!r.success)
      return this.steps.rejectMessage(ctx, 'schemaViolation', formatZodIssues(r.error).join('; '));
    const { sessionId, seq, historical, points } = r.data;
    if (points.length > MAX_POINTS_PER_BATCH) {
      return this.steps.rejectMessage(
        ctx,
        'batchTooLarge',
        `${points.length} points > ${MAX_POINTS_PER_BATCH}`,
        points.length,
      );
    }
    if (this.d.sessions.isSeen(f, a, sessionId, seq)) {
      this.d.counters.add('duplicates');
      return this.steps.commitCounters();
    }
    const sessionBorn = this.d.sessions.birthSeen(f, a, sessionId);
    const dec = this.steps.decode(f, a, points, ctx.nowMs);
    let parked: unknown[] = [];
    if (dec.unknown.length > 0) {
      if (sessionBorn) {
        const ex = dec.unknown.slice(0, 3).map((p) => `metric index ${JSON.stringify((p as unknown[])[0])}`);
        this.steps.addRejects(dec, 'unknownMetricIndex', dec.unknown.length, ex.join('; '));
      } else {
        parked = dec.unknown;
      }
    }
    if (historical && (await refuseContradictingHistory(this.steps, ctx, f, a, dec))) return;
    await this.steps.write(dec);
    const mark = immediate(this.d.registry.db, () => {
      if (parked.length > 0) {
        this.steps.park({
          factoryId: f,
          agentId: a,
          sessionId,
          seq,
          historical,
          topic: ctx.topic,
          points: parked,
          receivedAtMs: ctx.nowMs,
        });
      }
      this.steps.recordDecoded(ctx, dec);
      this.d.registry.touchDevices(f, dec.lastSeen);
      const m = this.d.sessions.mark(f, a, sessionId, seq, ctx.nowMs);
      this.d.counters.commit();
      return m;
    });
    const why: Suspicion[] = [];
    if (parked.length > 0) why.push({ kind: 'parked' });
    if (!sessionBorn && !historical) why.push({ kind: 'unknownSession', sessionId });
    if (sessionBorn && mark.hole) why.push({ kind: 'gap', sessionId });
    this.d.rebirth.suspect(f, a, ...why);
  }

  private async onStatus(f: string, a: string, json: unknown, ctx: IngestContext): Promise<void> {
    const r = statusSchema.safeParse(json);
    if (!r.success)
      return this.steps.rejectMessage(ctx, 'schemaViolation', formatZodIssues(r.error).join('; '));
    const s = r.data;
    if (this.d.sessions.isSeen(f, a, s.sessionId, s.seq)) {
      this.d.counters.add('duplicates');
      return this.steps.commitCounters();
    }
    const sessionBorn = this.d.sessions.birthSeen(f, a, s.sessionId);
    const mark = immediate(this.d.registry.db, () => {
      this.d.registry.applyStatus(f, a, s);
      const m = this.d.sessions.mark(f, a, s.sessionId, s.seq, ctx.nowMs);
      this.d.counters.commit();
      return m;
    });
    if (!sessionBorn) this.d.rebirth.suspect(f, a, { kind: 'unknownSession', sessionId: s.sessionId });
    else if (mark.hole) this.d.rebirth.suspect(f, a, { kind: 'gap', sessionId: s.sessionId });
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
