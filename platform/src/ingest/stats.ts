import { Counter, type Registry as PromRegistry } from 'prom-client';
import type { Db } from '../registry/db.js';
import type { EntryRefuseReason, MessageRejectReason, PointRejectReason } from './reasons.js';

/**
 * Ingest counters, kept twice: in SQLite (totals that survive restarts and add up across instances sharing
 * the file — what `GET /api/v1/ingest/stats` shows) and in prom-client (this process, for `/metrics`).
 * Increments are buffered and written in the same transaction as the message they belong to.
 */
export type CounterName =
  | `messages.${string}`
  | `rejectedMessages.${MessageRejectReason}`
  | `rejectedPoints.${PointRejectReason}`
  | `refused.${EntryRefuseReason}`
  | 'points.stored'
  | 'duplicates'
  | 'parked'
  | 'unparked'
  | 'rebirthsRequested'
  | 'staleDeaths'
  | 'metricsRedefined'
  | 'legacyRebirths'
  | 'staleStatus'
  | 'storeErrors';

export type IngestTotals = {
  messages: Record<string, number>;
  rejectedMessages: Record<string, number>;
  rejectedPoints: Record<string, number>;
  /** Entries (devices of a birth or status) refused from an otherwise applied message, per reason. */
  refused: Record<string, number>;
  pointsStored: number;
  duplicates: number;
  parked: number;
  unparked: number;
  rebirthsRequested: number;
  staleDeaths: number;
  metricsRedefined: number;
  /** Births with seq 0 in a session that already had higher seqs (an agent of the legacy protocol). */
  legacyRebirths: number;
  /** Status messages of a session other than the agent's current one (ignored). */
  staleStatus: number;
  storeErrors: number;
};

export class IngestCounters {
  private pending = new Map<CounterName, number>();
  private readonly prom?: {
    messages: Counter<'kind'>;
    rejectedMessages: Counter<'reason'>;
    rejectedPoints: Counter<'reason'>;
    refused: Counter<'reason'>;
    pointsStored: Counter;
    other: Counter<'event'>;
  };

  constructor(
    private readonly db: Db,
    promRegistry?: PromRegistry,
  ) {
    db.exec('CREATE TABLE IF NOT EXISTS ingest_counters (name TEXT PRIMARY KEY, count INTEGER NOT NULL)');
    if (promRegistry) {
      const registers = [promRegistry];
      this.prom = {
        messages: new Counter({
          name: 'xiang_ingest_messages_total',
          help: 'MQTT messages received, by kind',
          labelNames: ['kind'],
          registers,
        }),
        rejectedMessages: new Counter({
          name: 'xiang_ingest_rejected_messages_total',
          help: 'Messages rejected whole (dead-lettered), by reason',
          labelNames: ['reason'],
          registers,
        }),
        rejectedPoints: new Counter({
          name: 'xiang_ingest_rejected_points_total',
          help: 'Points rejected from otherwise good batches, by reason',
          labelNames: ['reason'],
          registers,
        }),
        refused: new Counter({
          name: 'xiang_ingest_refused_entries_total',
          help: 'Devices of births or status messages refused (the rest of the message applied), by reason',
          labelNames: ['reason'],
          registers,
        }),
        pointsStored: new Counter({
          name: 'xiang_ingest_points_stored_total',
          help: 'Points written to the store',
          registers,
        }),
        other: new Counter({
          name: 'xiang_ingest_events_total',
          help: 'Other ingest events (duplicates, parked, unparked, rebirthsRequested, staleDeaths, staleStatus, legacyRebirths, metricsRedefined, storeErrors)',
          labelNames: ['event'],
          registers,
        }),
      };
    }
  }

  add(name: CounterName, n = 1): void {
    if (n === 0) return;
    this.pending.set(name, (this.pending.get(name) ?? 0) + n);
    const p = this.prom;
    if (!p) return;
    const dot = name.indexOf('.');
    const head = dot < 0 ? name : name.slice(0, dot);
    const tail = dot < 0 ? '' : name.slice(dot + 1);
    if (head === 'messages') p.messages.inc({ kind: tail }, n);
    else if (head === 'rejectedMessages') p.rejectedMessages.inc({ reason: tail }, n);
    else if (head === 'rejectedPoints') p.rejectedPoints.inc({ reason: tail }, n);
    else if (head === 'refused') p.refused.inc({ reason: tail }, n);
    else if (name === 'points.stored') p.pointsStored.inc(n);
    else p.other.inc({ event: name }, n);
  }

  /** Counts an event that belongs to no message (e.g. a rebirth command sent from a timer), written at once. */
  addNow(name: CounterName, n = 1): void {
    const before = this.pending;
    this.pending = new Map();
    try {
      this.add(name, n);
      this.commit();
    } finally {
      this.pending = before;
    }
  }

  /** Drops buffered increments of a message that will be redelivered (it will be counted then). */
  discard(): void {
    this.pending = new Map();
  }

  /** Writes buffered increments; call inside the message's transaction. */
  commit(): void {
    if (this.pending.size === 0) return;
    const stmt = this.db.prepare(
      'INSERT INTO ingest_counters (name, count) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET count = ingest_counters.count + excluded.count',
    );
    // In name order: concurrent writers (PostgreSQL, scoped transactions) lock the shared rows in one order.
    for (const [name, n] of [...this.pending].sort(([x], [y]) => (x < y ? -1 : 1))) stmt.run(name, n);
    this.pending = new Map();
  }

  totals(): IngestTotals {
    const rows = this.db.prepare('SELECT name, count FROM ingest_counters').all() as {
      name: string;
      count: number;
    }[];
    const t: IngestTotals = {
      messages: {},
      rejectedMessages: {},
      rejectedPoints: {},
      refused: {},
      pointsStored: 0,
      duplicates: 0,
      parked: 0,
      unparked: 0,
      rebirthsRequested: 0,
      staleDeaths: 0,
      metricsRedefined: 0,
      legacyRebirths: 0,
      staleStatus: 0,
      storeErrors: 0,
    };
    for (const { name, count } of rows) {
      const dot = name.indexOf('.');
      const head = dot < 0 ? name : name.slice(0, dot);
      const tail = name.slice(dot + 1);
      if (
        head === 'messages' ||
        head === 'rejectedMessages' ||
        head === 'rejectedPoints' ||
        head === 'refused'
      )
        t[head][tail] = count;
      else if (name === 'points.stored') t.pointsStored = count;
      else if (name in t) (t as unknown as Record<string, number>)[name] = count;
    }
    return t;
  }
}
