import type { Db } from '../registry/db.js';
import type { RejectReason } from './reasons.js';

export type DeadLetterInput = {
  atMs: number;
  topic: string;
  factoryId?: string;
  agentId?: string;
  kind?: string;
  reason: RejectReason;
  detail: string;
  /** Points rejected for this reason (0 for a whole-message rejection of a non-batch). */
  pointCount: number;
  payload: Buffer;
};

export type DeadLetter = Omit<DeadLetterInput, 'payload'> & {
  id: number;
  /** Original payload size in bytes. */
  payloadBytes: number;
  truncated: boolean;
  /** The kept payload: UTF-8 text when it decodes as such, else base64. */
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
};

export type DeadLetterQuery = { factoryId?: string; reason?: string; beforeId?: number; limit?: number };

type Row = {
  id: number;
  atMs: number;
  topic: string;
  factoryId: string | null;
  agentId: string | null;
  kind: string | null;
  reason: RejectReason;
  detail: string;
  pointCount: number;
  payload: Buffer;
  payloadBytes: number;
};

/**
 * Rejected input with its raw payload (truncated at a bound), so a person can see what an agent sent.
 * Bounded: the oldest rows go once `maxRows` is exceeded (ids only grow, so the bound is one range delete).
 */
export class DeadLetterStore {
  constructor(
    private readonly db: Db,
    private readonly opts: { maxRows: number; payloadBytes: number },
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS ingest_dead_letters (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      atMs INTEGER NOT NULL,
      topic TEXT NOT NULL,
      factoryId TEXT,
      agentId TEXT,
      kind TEXT,
      reason TEXT NOT NULL,
      detail TEXT NOT NULL,
      pointCount INTEGER NOT NULL,
      payload BLOB NOT NULL,
      payloadBytes INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS dead_letters_by_factory ON ingest_dead_letters (factoryId, id);`);
  }

  /** Call inside the message's transaction. */
  add(d: DeadLetterInput): void {
    const kept = d.payload.subarray(0, this.opts.payloadBytes);
    const r = this.db
      .prepare(
        `INSERT INTO ingest_dead_letters (atMs, topic, factoryId, agentId, kind, reason, detail, pointCount, payload, payloadBytes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        d.atMs,
        d.topic.slice(0, 1024),
        d.factoryId ?? null,
        d.agentId ?? null,
        d.kind ?? null,
        d.reason,
        d.detail.slice(0, 4000),
        d.pointCount,
        kept,
        d.payload.length,
      );
    const id = Number(r.lastInsertRowid);
    if (id > this.opts.maxRows)
      this.db.prepare('DELETE FROM ingest_dead_letters WHERE id <= ?').run(id - this.opts.maxRows);
  }

  /** Newest first, paged by `beforeId`. */
  list(q: DeadLetterQuery = {}): DeadLetter[] {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: Math.min(q.limit ?? 100, 1000) };
    if (q.factoryId !== undefined) {
      where.push('factoryId = @factoryId');
      params.factoryId = q.factoryId;
    }
    if (q.reason !== undefined) {
      where.push('reason = @reason');
      params.reason = q.reason;
    }
    if (q.beforeId !== undefined) {
      where.push('id < @beforeId');
      params.beforeId = q.beforeId;
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM ingest_dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`,
      )
      .all(params) as Row[];
    return rows.map(toDeadLetter);
  }

  count(factoryId?: string): number {
    const r = (
      factoryId === undefined
        ? this.db.prepare('SELECT COUNT(*) AS n FROM ingest_dead_letters').get()
        : this.db.prepare('SELECT COUNT(*) AS n FROM ingest_dead_letters WHERE factoryId = ?').get(factoryId)
    ) as { n: number };
    return r.n;
  }
}

function toDeadLetter(r: Row): DeadLetter {
  const truncated = r.payload.length < r.payloadBytes;
  let payload = r.payload.toString('base64');
  let payloadEncoding: 'utf8' | 'base64' = 'base64';
  // Truncation may cut a multi-byte character: allow up to 3 trailing bytes to be dropped.
  for (let cut = 0; cut <= (truncated ? 3 : 0) && cut <= r.payload.length; cut++) {
    try {
      payload = new TextDecoder('utf-8', { fatal: true }).decode(
        r.payload.subarray(0, r.payload.length - cut),
      );
      payloadEncoding = 'utf8';
      break;
    } catch {
      // binary payload (or a cut character): try shorter, else keep base64
    }
  }
  const d: DeadLetter = {
    id: r.id,
    atMs: r.atMs,
    topic: r.topic,
    reason: r.reason,
    detail: r.detail,
    pointCount: r.pointCount,
    payloadBytes: r.payloadBytes,
    truncated,
    payload,
    payloadEncoding,
  };
  if (r.factoryId !== null) d.factoryId = r.factoryId;
  if (r.agentId !== null) d.agentId = r.agentId;
  if (r.kind !== null) d.kind = r.kind;
  return d;
}
