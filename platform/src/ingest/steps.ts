import type { Logger } from 'pino';
import { immediate } from '../registry/db.js';
import type { Registry } from '../registry/registry.js';
import type { TimeSeriesStore } from '../store/types.js';
import type { DeadLetterStore } from './dead-letters.js';
import { type DecodedBatch, decodePoints, type MetricRef } from './decode.js';
import type { ParkingLot } from './parking.js';
import type { MessageRejectReason, PointRejectReason } from './reasons.js';
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

export function isTransient(e: unknown): boolean {
  if (e instanceof TransientIngestError) return true;
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY)/.test(code);
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
  private readonly tables = new Map<string, { table: Map<number, MetricRef>; loadedAtMs: number }>();
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
    if (hit && !reload && now - hit.loadedAtMs < TABLE_TTL_MS) return hit.table;
    const table = new Map<number, MetricRef>();
    for (const [i, m] of this.d.registry.metricTable(f, a))
      table.set(i, { deviceId: m.deviceId, key: m.key, datatype: m.datatype });
    this.tables.set(key, { table, loadedAtMs: now });
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
    if (dec.points.length === 0) return;
    try {
      await this.d.store.write(dec.points);
    } catch (e) {
      this.d.counters.add('storeErrors');
      throw new TransientIngestError(`store write failed: ${(e as Error)?.message ?? e}`, { cause: e });
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

  park(b: Parameters<ParkingLot['park']>[0]): void {
    this.d.counters.add('parked');
    for (const e of this.d.parking.park(b)) {
      const payload = Buffer.from(
        JSON.stringify({ sessionId: e.sessionId, seq: e.seq, historical: e.historical, points: e.points }),
      );
      const ctx: IngestContext = {
        topic: e.topic,
        payload,
        factoryId: e.factoryId,
        agentId: e.agentId,
        kind: 'data',
        nowMs: this.now(),
      };
      const detail = `parked since ${new Date(e.receivedAtMs).toISOString()} without a birth; the parking lot is full`;
      this.d.deadLetters.add({
        ...this.dlBase(ctx),
        reason: 'parkOverflow',
        detail,
        pointCount: e.points.length,
      });
      this.d.counters.add('rejectedMessages.parkOverflow');
      this.warn('parkOverflow', ctx, detail);
    }
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
