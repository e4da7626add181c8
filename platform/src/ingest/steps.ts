import type { Logger } from 'pino';
import type { IngestLimits } from '../config/schema.js';
import { immediate } from '../registry/db.js';
import type { Registry } from '../registry/registry.js';
import type { StoredPoint, TimeSeriesStore } from '../store/types.js';
import type { Budgets } from './budgets.js';
import type { DeadLetterStore } from './dead-letters.js';
import { type DecodedBatch, decodePoints, type MetricRef } from './decode.js';
import type { ParkingLot } from './parking.js';
import type { EntryRefuseReason, MessageRejectReason, PointRejectReason } from './reasons.js';
import type { RebirthScheduler } from './rebirth.js';
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
  budgets: Budgets;
  limits: IngestLimits;
  autoRegisterFactories: boolean;
  /** false: only agents an admin registered (or with a birth accepted earlier) may publish. */
  autoRegisterAgents: boolean;
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

/** SQLite: busy, locked, disk full or failing, unopenable — the disk's or another process's state. */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY)/;
/**
 * PostgreSQL SQLSTATEs (PostgreSQL manual, appendix A "PostgreSQL Error Codes") where the server or the
 * connection failed, not the statement: class 08 connection exception (08003 connection_does_not_exist,
 * 08006 connection_failure, …), 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now,
 * 40001 serialization_failure, 40P01 deadlock_detected, class 53 insufficient resources (disk full, out of
 * memory, too many connections), 58030 io_error.
 */
const PG_TRANSIENT = /^(08[0-9A-Z]{3}|57P0[123]|40001|40P01|53[0-9A-Z]{3}|58030)$/;
/** Node socket errors of a dropped, refused or unreachable connection. */
const NET_TRANSIENT = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** node-postgres (pg 8, pg-pool 3) reports a lost or closed connection and its timeouts without a code. */
const PG_CONNECTION_LOST =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Query read timeout|timeout expired)$/;

/**
 * A failure that is not the message's fault (store, repository, disk or connection): the message is left
 * unacknowledged for redelivery instead of dead-lettered. Looks through `cause` (wrapped errors).
 */
export function isTransient(e: unknown): boolean {
  let x: unknown = e;
  for (let depth = 0; depth < 5 && x && typeof x === 'object'; depth++) {
    if (x instanceof TransientIngestError) return true;
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (SQLITE_TRANSIENT.test(code) || PG_TRANSIENT.test(code) || NET_TRANSIENT.has(code)) return true;
    }
    const message = (x as { message?: unknown }).message;
    if (typeof message === 'string' && PG_CONNECTION_LOST.test(message)) return true;
    x = (x as { cause?: unknown }).cause;
  }
  return false;
}

export type IngestContext = {
  topic: string;
  payload: Buffer;
  factoryId?: string;
  agentId?: string;
  kind?: string;
  nowMs: number;
};

const TABLE_TTL_MS = 60_000;

/**
 * The steps every message kind shares: decoding with the agent's metric table, writing to the store,
 * recording rejections (dead letters + counters), parking, and rate-limited warnings.
 */
export class IngestSteps {
  private readonly tables = new Map<
    string,
    { table: Map<number, MetricRef>; loadedAtMs: number; ownershipVersion: number }
  >();
  private readonly lastWarn = new Map<string, { atMs: number; suppressed: number }>();

  constructor(readonly d: ProcessorDeps) {}

  now(): number {
    return (this.d.now ?? Date.now)();
  }

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

  table(f: string, a: string, reload: boolean): Map<number, MetricRef> {
    const key = `${f}/${a}`;
    const now = this.now();
    const hit = this.tables.get(key);
    const ownershipVersion = this.d.registry.ownership.version;
    if (hit && !reload && now - hit.loadedAtMs < TABLE_TTL_MS && hit.ownershipVersion === ownershipVersion)
      return hit.table;
    const table: Map<number, MetricRef> = this.d.registry.ownership.decodeTable(f, a);
    this.tables.set(key, { table, loadedAtMs: now, ownershipVersion });
    return table;
  }

  addRejects(dec: DecodedBatch, reason: PointRejectReason, n: number, example: string): void {
    const r = dec.rejects.get(reason) ?? { count: 0, examples: [] };
    r.count += n;
    if (r.examples.length < 3) r.examples.push(example);
    dec.rejects.set(reason, r);
  }

  /** Writes decoded points to the store; a failure is transient (the message stays unacknowledged). */
  async write(dec: DecodedBatch): Promise<void> {
    await this.writePoints(dec.points);
  }

  /** Writes points (of one message or of a group of messages) to the store; a failure is transient. */
  async writePoints(points: StoredPoint[]): Promise<void> {
    if (points.length === 0) return;
    try {
      await this.d.store.write(points);
    } catch (e) {
      this.d.counters.add('storeErrors');
      throw new TransientIngestError(`store write failed: ${(e as Error)?.message ?? e}`, { cause: e });
    }
  }

  /**
   * A store read the ingest needs to judge a message (stored counter neighbours). A failure is not the
   * message's fault (InfluxDB down, disk): transient like a failed write — the message stays unacknowledged
   * and comes again. It used to be dead-lettered as internalError and acknowledged: with InfluxDB stopped, a
   * replayed historical batch with counter samples was lost (soak seed 257117 on InfluxDB: 352 values).
   */
  async readStore<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (e) {
      this.d.counters.add('storeErrors');
      throw new TransientIngestError(`store read (${what}) failed: ${(e as Error)?.message ?? e}`, {
        cause: e,
      });
    }
  }

  /** Point rejections → dead letters + counters, stored points → counter. Call inside the transaction. */
  recordDecoded(ctx: IngestContext, dec: DecodedBatch): void {
    for (const [reason, r] of dec.rejects) {
      this.d.deadLetters.add({
        ...this.dlBase(ctx),
        reason,
        detail: r.examples.join('; '),
        pointCount: r.count,
      });
      this.d.counters.add(`rejectedPoints.${reason}`, r.count);
      this.warn(reason, ctx, r.examples[0] ?? '');
    }
    this.d.counters.add('points.stored', dec.points.length);
  }

  /** Parks a batch, or dead-letters it (`parkOverflow`, counted) when it does not fit the bounds. */
  park(ctx: IngestContext, b: Parameters<ParkingLot['park']>[0]): boolean {
    const why = this.d.parking.park(b);
    if (!why) {
      this.d.counters.add('parked');
      return true;
    }
    const detail = `waits for the birth of session ${b.sessionId}, but ${why}`;
    this.d.deadLetters.add({
      ...this.dlBase(ctx),
      reason: 'parkOverflow',
      detail,
      pointCount: b.points.length,
    });
    this.d.counters.add('rejectedMessages.parkOverflow');
    this.warn('parkOverflow', ctx, detail);
    return false;
  }

  dlBase(ctx: IngestContext) {
    return {
      atMs: ctx.nowMs,
      topic: ctx.topic,
      factoryId: ctx.factoryId,
      agentId: ctx.agentId,
      kind: ctx.kind,
      payload: ctx.payload,
    };
  }

  rejectMessage(ctx: IngestContext, reason: MessageRejectReason, detail: string, pointCount = 0): void {
    immediate(this.d.registry.db, () => {
      this.d.deadLetters.add({ ...this.dlBase(ctx), reason, detail, pointCount });
      this.d.counters.add(`rejectedMessages.${reason}`);
      this.d.counters.commit();
    });
    this.warn(reason, ctx, detail);
  }

  /** A message of a superseded session above its freeze: dead-lettered, counted, never asks for a rebirth. */
  rejectSuperseded(ctx: IngestContext, sessionId: string, seq: number, frozenAtSeq: number | null): void {
    const detail = `session ${sessionId} was superseded by a newer birth of the agent; it may deliver up to seq ${frozenAtSeq}, not ${seq}`;
    this.rejectMessage(ctx, 'supersededSession', detail);
  }

  /** Entries of an applied birth or status refused (e.g. another agent's devices): one dead letter, counted. */
  refuseEntries(ctx: IngestContext, reason: EntryRefuseReason, n: number, detail: string): void {
    if (n === 0) return;
    this.d.deadLetters.add({ ...this.dlBase(ctx), reason, detail, pointCount: 0 });
    this.d.counters.add(`refused.${reason}`, n);
    this.warn(reason, ctx, detail);
  }

  commitCounters(): void {
    immediate(this.d.registry.db, () => this.d.counters.commit());
  }

  /** At most one warning per reason per 10 s, with the number suppressed — a flood must not flood the log. */
  warn(reason: string, ctx: IngestContext, detail: string): void {
    const s = this.lastWarn.get(reason) ?? { atMs: 0, suppressed: 0 };
    if (ctx.nowMs - s.atMs < 10_000) {
      s.suppressed++;
      this.lastWarn.set(reason, s);
      return;
    }
    this.d.log.warn(
      { reason, topic: ctx.topic, detail: detail.slice(0, 500), suppressedSinceLast: s.suppressed },
      'ingest rejected input',
    );
    this.lastWarn.set(reason, { atMs: ctx.nowMs, suppressed: 0 });
  }

  forgetTable(f: string, a: string): void {
    this.tables.delete(`${f}/${a}`);
  }
}
