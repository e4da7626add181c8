import type { Db } from '../registry/db.js';

/**
 * Who changed what, when: every token and settings change (the API records each successful change request;
 * the token store records what happens outside the API: a configured bootstrap token installed or removed, the
 * generated admin token replaced). Inspectors and assessors read it to trust the settings behind a report.
 * Append-only for the API; the oldest rows beyond MAX_ROWS are dropped.
 */
export type AuditEntry = {
  id: number;
  atMs: number;
  /** Token id and name of the caller, or "system" / "cli" for changes made outside the API. */
  actorTokenId: string;
  actorName: string;
  action: string;
  /** The factory the change concerns, or null for platform-wide changes (tokens, new factories). */
  factoryId: string | null;
  target: string;
  detail: unknown;
};

export type AuditInput = Omit<AuditEntry, 'id' | 'atMs'> & { atMs?: number };

const MAX_ROWS = 1_000_000;
const MAX_DETAIL_CHARS = 4096;

type Row = Omit<AuditEntry, 'detail'> & { detail: string | null };

export class AuditLog {
  private writes = 0;
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS audit_log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      atMs INTEGER NOT NULL,
      actorTokenId TEXT NOT NULL,
      actorName TEXT NOT NULL,
      action TEXT NOT NULL,
      factoryId TEXT,
      target TEXT NOT NULL,
      detail TEXT
    );
    CREATE INDEX IF NOT EXISTS audit_log_factory ON audit_log (factoryId, atMs)`);
  }

  record(e: AuditInput): void {
    let detail = e.detail === undefined ? null : JSON.stringify(e.detail);
    if (detail && detail.length > MAX_DETAIL_CHARS)
      detail = JSON.stringify({ truncated: true, head: detail.slice(0, MAX_DETAIL_CHARS) });
    this.db
      .prepare(
        'INSERT INTO audit_log (atMs, actorTokenId, actorName, action, factoryId, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(e.atMs ?? Date.now(), e.actorTokenId, e.actorName, e.action, e.factoryId, e.target, detail);
    if (++this.writes % 1000 === 0)
      this.db.prepare('DELETE FROM audit_log WHERE id <= (SELECT MAX(id) FROM audit_log) - ?').run(MAX_ROWS);
  }

  /** Newest first, within [fromMs, toMs), at most `limit`, optionally one factory's. */
  list(q: { fromMs?: number; toMs?: number; factoryId?: string; limit: number }): AuditEntry[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM audit_log WHERE atMs >= ? AND atMs < ? AND (CAST(? AS TEXT) IS NULL OR factoryId = ?)
         ORDER BY id DESC LIMIT ?`,
      )
      .all(
        q.fromMs ?? 0,
        q.toMs ?? Number.MAX_SAFE_INTEGER,
        q.factoryId ?? null,
        q.factoryId ?? null,
        q.limit,
      ) as Row[];
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) }));
  }
}
