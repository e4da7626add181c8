import type { Db } from '../registry/db.js';
import { emptySession, firstMissingAbove, type SessionState, seen } from './session-state.js';

/**
 * Persists the per-session state of session-state.ts (which seqs were fully handled — stored, parked or
 * rejected —, whether its birth was seen, legacy mode). A row exists only for sessions whose birth was seen:
 * data of an unknown session is parked, never tracked here, so random session ids cannot grow this table.
 * Bounded: sessions idle for SESSION_TTL_MS, and per agent all but the `maxPerAgent` most recently used,
 * are forgotten — which only means a redelivery of one of their messages is written again (idempotent).
 */
const SESSION_TTL_MS = 90 * 24 * 3600 * 1000;

type Row = {
  contiguousUpTo: number;
  sparse: string;
  birthSeen: number;
  legacy: number;
  firstBirthTs: number | null;
  lastBirthSeq: number;
  highestSeq: number;
  frozenAtSeq: number | null;
};

export class SessionTracker {
  constructor(
    private readonly db: Db,
    private readonly maxPerAgent = 50,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS ingest_sessions (
      factoryId TEXT NOT NULL,
      agentId TEXT NOT NULL,
      sessionId TEXT NOT NULL,
      birthSeen INTEGER NOT NULL DEFAULT 0,
      contiguousUpTo INTEGER NOT NULL DEFAULT -1,
      sparse TEXT NOT NULL DEFAULT '[]',
      firstAtMs INTEGER NOT NULL,
      lastAtMs INTEGER NOT NULL,
      PRIMARY KEY (factoryId, agentId, sessionId)
    )`);
    const cols = new Set(
      (db.prepare('PRAGMA table_info(ingest_sessions)').all() as { name: string }[]).map((c) => c.name),
    );
    // Added with issue 8 (continuous seq, legacy rebirths); older files get them on open.
    if (!cols.has('legacy'))
      db.exec('ALTER TABLE ingest_sessions ADD COLUMN legacy INTEGER NOT NULL DEFAULT 0');
    if (!cols.has('firstBirthTs')) db.exec('ALTER TABLE ingest_sessions ADD COLUMN firstBirthTs INTEGER');
    if (!cols.has('lastBirthSeq'))
      db.exec('ALTER TABLE ingest_sessions ADD COLUMN lastBirthSeq INTEGER NOT NULL DEFAULT 0');
    // Superseded sessions (a newer birth of the agent): frozen at the last seq they may still deliver.
    if (!cols.has('highestSeq'))
      db.exec('ALTER TABLE ingest_sessions ADD COLUMN highestSeq INTEGER NOT NULL DEFAULT -1');
    if (!cols.has('frozenAtSeq')) db.exec('ALTER TABLE ingest_sessions ADD COLUMN frozenAtSeq INTEGER');
    db.exec('CREATE INDEX IF NOT EXISTS sessions_by_agent ON ingest_sessions (factoryId, agentId, lastAtMs)');
  }

  get(f: string, a: string, s: string): SessionState | undefined {
    const r = this.db
      .prepare(
        `SELECT contiguousUpTo, sparse, birthSeen, legacy, firstBirthTs, lastBirthSeq, highestSeq, frozenAtSeq
         FROM ingest_sessions
         WHERE factoryId = ? AND agentId = ? AND sessionId = ?`,
      )
      .get(f, a, s) as Row | undefined;
    if (!r) return undefined;
    const sparse = JSON.parse(r.sparse) as number[];
    return {
      birthSeen: r.birthSeen === 1,
      legacy: r.legacy === 1,
      window: { contiguousUpTo: r.contiguousUpTo, sparse },
      firstBirthTs: r.firstBirthTs,
      lastBirthSeq: r.lastBirthSeq,
      // Rows written before highestSeq existed: the window holds it.
      highestSeq: Math.max(r.highestSeq, r.contiguousUpTo, sparse.at(-1) ?? -1),
      frozenAtSeq: r.frozenAtSeq,
    };
  }

  /** The state to start from when a birth arrives (a fresh one for a session never seen). */
  getOrEmpty(f: string, a: string, s: string): SessionState {
    return this.get(f, a, s) ?? emptySession();
  }

  /** Writes the state; call inside the message's transaction. */
  put(f: string, a: string, s: string, st: SessionState, nowMs: number): void {
    this.db
      .prepare(
        `INSERT INTO ingest_sessions (factoryId, agentId, sessionId, birthSeen, contiguousUpTo, sparse, firstAtMs,
           lastAtMs, legacy, firstBirthTs, lastBirthSeq, highestSeq, frozenAtSeq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (factoryId, agentId, sessionId) DO UPDATE SET birthSeen = excluded.birthSeen,
           contiguousUpTo = excluded.contiguousUpTo, sparse = excluded.sparse, lastAtMs = excluded.lastAtMs,
           legacy = excluded.legacy, firstBirthTs = excluded.firstBirthTs, lastBirthSeq = excluded.lastBirthSeq,
           highestSeq = excluded.highestSeq, frozenAtSeq = excluded.frozenAtSeq`,
      )
      .run(
        f,
        a,
        s,
        st.birthSeen ? 1 : 0,
        st.window.contiguousUpTo,
        JSON.stringify(st.window.sparse),
        nowMs,
        nowMs,
        st.legacy ? 1 : 0,
        st.firstBirthTs,
        st.lastBirthSeq,
        st.highestSeq,
        st.frozenAtSeq,
      );
  }

  isSeen(f: string, a: string, s: string, seq: number): boolean {
    const st = this.get(f, a, s);
    return !!st && !st.legacy && seen(st.window, seq);
  }

  birthSeen(f: string, a: string, s: string): boolean {
    return this.get(f, a, s)?.birthSeen === true;
  }

  /** The first missing seq above the session's latest birth, or null when there is no such hole. */
  firstMissing(f: string, a: string, s: string): number | null {
    const st = this.get(f, a, s);
    if (!st || st.legacy) return null;
    return firstMissingAbove(st.window, st.lastBirthSeq);
  }

  count(f?: string, a?: string): number {
    const r = (
      f === undefined
        ? this.db.prepare('SELECT COUNT(*) AS n FROM ingest_sessions').get()
        : this.db
            .prepare('SELECT COUNT(*) AS n FROM ingest_sessions WHERE factoryId = ? AND agentId = ?')
            .get(f, a)
    ) as { n: number };
    return r.n;
  }

  /** Forgets idle sessions, and the agent's least recently used beyond the per-agent bound (never `keep`). */
  prune(nowMs: number, agent?: { f: string; a: string; keep: string }): number {
    let n = this.db
      .prepare('DELETE FROM ingest_sessions WHERE lastAtMs < ?')
      .run(nowMs - SESSION_TTL_MS).changes;
    if (agent) {
      n += this.db
        .prepare(
          `DELETE FROM ingest_sessions WHERE factoryId = @f AND agentId = @a AND sessionId != @keep
           AND sessionId NOT IN (SELECT sessionId FROM ingest_sessions WHERE factoryId = @f AND agentId = @a
             AND sessionId != @keep ORDER BY lastAtMs DESC, rowid DESC LIMIT @max)`,
        )
        .run({ ...agent, max: Math.max(0, this.maxPerAgent - 1) }).changes;
    }
    return n;
  }
}
