import {
  birthSchema,
  deathSchema,
  formatZodIssues,
  MAX_POINTS_PER_BATCH,
  type MessageKind,
  parseTopic,
  statusSchema,
} from '@xiang/protocol';
import type { Logger } from 'pino';
import { z } from 'zod';
import { immediate } from '../registry/db.js';
import type { Registry } from '../registry/registry.js';
import type { TimeSeriesStore } from '../store/types.js';
import { type DecodedBatch, decodePoints, type MetricRef } from './decode.js';
import type { DeadLetterStore } from './dead-letters.js';
import { drainParked } from './drain.js';
import type { ParkingLot } from './parking.js';
import type { MessageRejectReason } from './reasons.js';
import type { RebirthScheduler, Suspicion } from './rebirth.js';
import type { SessionTracker } from './sessions.js';
import type { IngestCounters } from './stats.js';

export type ProcessorDeps = {
  registry: Registry;
  store: TimeSeriesStore;
  log: Logger;
  counters: IngestCounters;
  deadLetters: DeadLetterStore;
  sessions: SessionTracker;
  parking: ParkingLot;
  rebirth: RebirthScheduler;
  maxFutureSkewMs: number;
  maxPayloadBytes: number;
  now?: () => number;
};

/** A failure that is not the message's fault (store or disk): the message must not be acknowledged. */
export class TransientIngestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientIngestError';
  }
}

function isTransient(e: unknown): boolean {
  if (e instanceof TransientIngestError) return true;
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY)/.test(code);
}

/** The data batch envelope; points are validated one by one (decode.ts) so one bad point spares the rest. */
const dataEnvelopeSchema = z.object({
  sessionId: z.string().min(8).max(64),
  seq: z.number().int().min(0),
  historical: z.boolean().default(false),
  points: z.array(z.unknown()).min(1, 'a batch needs at least one point'),
});

type Ctx = { topic: string; payload: Buffer; factoryId?: string; agentId?: string; kind?: string; nowMs: number };

const TABLE_TTL_MS = 60_000;

/**
 * Handles one uplink message end to end. Resolves when everything it implies is durable (points in the store,
 * registry, session state, dead letters, counters in SQLite) — only then may the caller acknowledge it to the
 * broker. Rejects only with a transient error (store or disk), in which case the message must stay unacked.
 * Malformed input never rejects: it is dead-lettered and counted.
 */
export class IngestProcessor {
  private readonly tables = new Map<string, { table: Map<number, MetricRef>; loadedAtMs: number }>();
  private readonly lastWarn = new Map<string, { atMs: number; suppressed: number }>();

  constructor(private readonly d: ProcessorDeps) {}

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  async handle(topic: string, payload: Buffer): Promise<void> {
    const ctx: Ctx = { topic, payload, nowMs: this.now() };
    const t = parseTopic(topic);
    if ('error' in t) {
      this.d.counters.add('messages.invalid');
      const reason = t.error.startsWith('unknown message kind') ? 'unknownKind' : 'badTopic';
      return this.rejectMessage(ctx, reason, t.error);
    }
    Object.assign(ctx, t);
    this.d.counters.add(`messages.${t.kind}`);
    try {
      if (t.kind === 'cmd') {
        // Our own rebirth commands come back through the wildcard subscription (noLocal is not allowed on shared subscriptions).
        this.commitCounters();
        return;
      }
      if (payload.length > this.d.maxPayloadBytes) {
        return this.rejectMessage(ctx, 'payloadTooLarge', `${payload.length} bytes > limit ${this.d.maxPayloadBytes}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(payload.toString('utf8'));
      } catch (e) {
        return this.rejectMessage(ctx, 'invalidJson', (e as Error).message);
      }
      await this.dispatch(t.kind, t.factoryId, t.agentId, json, ctx);
    } catch (e) {
      if (isTransient(e)) throw e;
      this.d.log.error({ err: e, topic }, 'ingest failed on a message; dead-lettered as internalError');
      this.rejectMessage(ctx, 'internalError', String((e as Error)?.message ?? e));
    }
  }

  private async dispatch(kind: MessageKind, f: string, a: string, json: unknown, ctx: Ctx): Promise<void> {
    if (kind === 'birth') return this.onBirth(f, a, json, ctx);
    if (kind === 'data') return this.onData(f, a, json, ctx);
    if (kind === 'status') return this.onStatus(f, a, json, ctx);
    if (kind === 'death') return this.onDeath(f, a, json, ctx);
  }

  private async onBirth(f: string, a: string, json: unknown, ctx: Ctx): Promise<void> {
    const r = birthSchema.safeParse(json);
    if (!r.success) return this.rejectMessage(ctx, 'schemaViolation', formatZodIssues(r.error).join('; '));
    const birth = r.data;
    const seen = new Set<number>();
    for (const m of birth.metrics) {
      if (seen.has(m.i)) return this.rejectMessage(ctx, 'schemaViolation', `metrics: index ${m.i} is declared twice`);
      seen.add(m.i);
    }
    const res = this.d.registry.applyBirth(f, a, birth, ctx.nowMs);
    immediate(this.d.registry.db, () => {
      this.d.sessions.mark(f, a, birth.sessionId, 0, ctx.nowMs, true);
      this.d.counters.add('metricsRedefined', res.redefinedIndices.length);
      this.d.counters.commit();
    });
    this.tables.delete(`${f}/${a}`);
    if (res.redefinedIndices.length > 0) {
      this.d.log.warn({ factoryId: f, agentId: a, indices: res.redefinedIndices }, 'birth redefines metric indices');
    }
    this.d.log.info(
      { factoryId: f, agentId: a, sessionId: birth.sessionId, devices: res.devices, metrics: res.metrics, newSession: res.newSession },
      'agent birth',
    );
    await drainParked(this, f, a);
    if (res.newSession) this.d.sessions.prune(ctx.nowMs);
  }

  private async onData(f: string, a: string, json: unknown, ctx: Ctx): Promise<void> {
    const r = dataEnvelopeSchema.safeParse(json);
    if (!r.success) return this.rejectMessage(ctx, 'schemaViolation', formatZodIssues(r.error).join('; '));
    const { sessionId, seq, historical, points } = r.data;
    if (points.length > MAX_POINTS_PER_BATCH) {
      return this.rejectMessage(ctx, 'batchTooLarge', `${points.length} points > ${MAX_POINTS_PER_BATCH}`, points.length);
    }
    if (this.d.sessions.isSeen(f, a, sessionId, seq)) {
      this.d.counters.add('duplicates');
      return this.commitCounters();
    }
    const sessionBorn = this.d.sessions.birthSeen(f, a, sessionId);
    const dec = this.decode(f, a, points, ctx.nowMs);
    let parked: unknown[] = [];
    if (dec.unknown.length > 0) {
      if (sessionBorn) {
        const ex = dec.unknown.slice(0, 3).map((p) => `metric index ${JSON.stringify((p as unknown[])[0])}`);
        this.addRejects(dec, 'unknownMetricIndex', dec.unknown.length, ex.join('; '));
      } else {
        parked = dec.unknown;
      }
    }
    await this.write(dec);
    const mark = immediate(this.d.registry.db, () => {
      if (parked.length > 0) {
        this.park({ factoryId: f, agentId: a, sessionId, seq, historical, topic: ctx.topic, points: parked, receivedAtMs: ctx.nowMs });
      }
      this.recordDecoded(ctx, dec);
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

  private async onStatus(f: string, a: string, json: unknown, ctx: Ctx): Promise<void> {
    const r = statusSchema.safeParse(json);
    if (!r.success) return this.rejectMessage(ctx, 'schemaViolation', formatZodIssues(r.error).join('; '));
    const s = r.data;
    if (this.d.sessions.isSeen(f, a, s.sessionId, s.seq)) {
      this.d.counters.add('duplicates');
      return this.commitCounters();
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

  private async onDeath(f: string, a: string, json: unknown, ctx: Ctx): Promise<void> {
    const r = deathSchema.safeParse(json);
    if (!r.success) return this.rejectMessage(ctx, 'schemaViolation', formatZodIssues(r.error).join('; '));
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

  // ---- shared steps (also used by drain.ts) --------------------------------------------------------

  /** Decodes with the agent's metric table, reloading it once from SQLite on a miss (a sibling's birth). */
  decode(f: string, a: string, points: readonly unknown[], nowMs: number): DecodedBatch {
    const opts = { nowMs, maxFutureSkewMs: this.d.maxFutureSkewMs };
    const dec = decodePoints(f, points, this.table(f, a, false), opts);
    if (dec.unknown.length === 0) return dec;
    const again = decodePoints(f, dec.unknown, this.table(f, a, true), opts);
    dec.points.push(...again.points);
    for (const [dev, ts] of again.lastSeen) dec.lastSeen.set(dev, Math.max(ts, dec.lastSeen.get(dev) ?? ts));
    for (const [reason, r] of again.rejects) this.addRejects(dec, reason, r.count, r.examples.join('; '));
    dec.unknown = again.unknown;
    return dec;
  }

  private table(f: string, a: string, reload: boolean): Map<number, MetricRef> {
    const key = `${f}/${a}`;
    const now = this.now();
    const hit = this.tables.get(key);
    if (hit && !reload && now - hit.loadedAtMs < TABLE_TTL_MS) return hit.table;
    const table = new Map<number, MetricRef>();
    for (const [i, m] of this.d.registry.metricTable(f, a)) table.set(i, { deviceId: m.deviceId, key: m.key, datatype: m.datatype });
    this.tables.set(key, { table, loadedAtMs: now });
    return table;
  }

  addRejects(dec: DecodedBatch, reason: Parameters<DecodedBatch['rejects']['get']>[0], n: number, example: string): void {
    const r = dec.rejects.get(reason) ?? { count: 0, examples: [] };
    r.count += n;
    if (r.examples.length < 3) r.examples.push(example);
    dec.rejects.set(reason, r);
  }

  /** Writes decoded points to the store; a failure is transient (the message stays unacknowledged). */
  async write(dec: DecodedBatch): Promise<void> {
    if (dec.points.length === 0) return;
    try {
      await this.d.store.write(dec.points);
    } catch (e) {
      this.d.counters.add('storeErrors');
      throw new TransientIngestError(`store write failed: ${(e as Error)?.message ?? e}`, { cause: e });
    }
  }

  /** Point rejections → dead letters + counters, stored points → counter. Call inside the transaction. */
  recordDecoded(ctx: Ctx, dec: DecodedBatch): void {
    for (const [reason, r] of dec.rejects) {
      this.d.deadLetters.add({ ...this.dlBase(ctx), reason, detail: r.examples.join('; '), pointCount: r.count });
      this.d.counters.add(`rejectedPoints.${reason}`, r.count);
      this.warn(reason, ctx, r.examples[0] ?? '');
    }
    this.d.counters.add('points.stored', dec.points.length);
  }

  private park(b: Parameters<ParkingLot['park']>[0]): void {
    this.d.counters.add('parked');
    for (const e of this.d.parking.park(b)) {
      const payload = Buffer.from(JSON.stringify({ sessionId: e.sessionId, seq: e.seq, historical: e.historical, points: e.points }));
      const ctx: Ctx = { topic: e.topic, payload, factoryId: e.factoryId, agentId: e.agentId, kind: 'data', nowMs: this.now() };
      const detail = `parked since ${new Date(e.receivedAtMs).toISOString()} without a birth; the parking lot is full`;
      this.d.deadLetters.add({ ...this.dlBase(ctx), reason: 'parkOverflow', detail, pointCount: e.points.length });
      this.d.counters.add('rejectedMessages.parkOverflow');
      this.warn('parkOverflow', ctx, detail);
    }
  }

  private dlBase(ctx: Ctx) {
    return { atMs: ctx.nowMs, topic: ctx.topic, factoryId: ctx.factoryId, agentId: ctx.agentId, kind: ctx.kind, payload: ctx.payload };
  }

  private rejectMessage(ctx: Ctx, reason: MessageRejectReason, detail: string, pointCount = 0): void {
    immediate(this.d.registry.db, () => {
      this.d.deadLetters.add({ ...this.dlBase(ctx), reason, detail, pointCount });
      this.d.counters.add(`rejectedMessages.${reason}`);
      this.d.counters.commit();
    });
    this.warn(reason, ctx, detail);
  }

  private commitCounters(): void {
    immediate(this.d.registry.db, () => this.d.counters.commit());
  }

  /** At most one warning per reason per 10 s, with the number suppressed — a flood must not flood the log. */
  private warn(reason: string, ctx: Ctx, detail: string): void {
    const s = this.lastWarn.get(reason) ?? { atMs: 0, suppressed: 0 };
    if (ctx.nowMs - s.atMs < 10_000) {
      s.suppressed++;
      this.lastWarn.set(reason, s);
      return;
    }
    this.d.log.warn({ reason, topic: ctx.topic, detail: detail.slice(0, 500), suppressedSinceLast: s.suppressed }, 'ingest rejected input');
    this.lastWarn.set(reason, { atMs: ctx.nowMs, suppressed: 0 });
  }

  get deps(): ProcessorDeps {
    return this.d;
  }
}

export type { Ctx as IngestContext };
