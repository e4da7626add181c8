import type { Db } from '../registry/db.js';

/**
 * Which sequence numbers of each agent session the platform has fully handled (stored, parked or rejected).
 * Exact redeliveries are skipped cheaply by this; holes in the current session are sequence gaps.
 * Per session: every seq ≤ `contiguousUpTo` was seen, plus a sorted list of seen seqs above it. The list is
 * bounded: beyond the bound the lowest entries are forgotten, which only means a redelivery of one of them
 * is stored again — harmless, because the store is idempotent on (series, ts). Never the other way round.
 */
const SPARSE_MAX = 4096;
/** Sessions nobody has spoken in for this long are forgotten (their replays then dedupe in the store). */
const SESSION_TTL_MS = 90 * 24 * 3600 * 1000;

type Row = { contiguousUpTo: number; sparse: string; birthSeen: number };

export type SeqMark = { hole: boolean; maxSeq: number; contiguousUpTo: number };

export class SessionTracker {
  constructor(private readonly db: Db) {
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
  }

  private row(f: string, a: string, s: string): Row | undefined {
    return this.db
      .prepare(
        'SELECT contiguousUpTo, sparse, birthSeen FROM ingest_sessions WHERE factoryId = ? AND agentId = ? AND sessionId = ?',
      )
      .get(f, a, s) as Row | undefined;
  }

  isSeen(f: string, a: string, s: string, seq: number): boolean {
    const r = this.row(f, a, s);
    if (!r) return false;
    return seq <= r.contiguousUpTo || (JSON.parse(r.sparse) as number[]).includes(seq);
  }

  birthSeen(f: string, a: string, s: string): boolean {
    return this.row(f, a, s)?.birthSeen === 1;
  }

  /** Records seq as handled; call inside the message's transaction. */
  mark(f: string, a: string, s: string, seq: number, nowMs: number, isBirth = false): SeqMark {
    const r = this.row(f, a, s);
    let contiguous = r?.contiguousUpTo ?? -1;
    let sparse = r ? (JSON.parse(r.sparse) as number[]) : [];
    if (seq === contiguous + 1) {
      contiguous = seq;
      while (sparse.length > 0 && sparse[0]! <= contiguous + 1) {
        contiguous = Math.max(contiguous, sparse.shift()!);
      }
    } else if (seq > contiguous + 1 && !sparse.includes(seq)) {
      sparse.push(seq);
      sparse.sort((x, y) => x - y);
      if (sparse.length > SPARSE_MAX) sparse = sparse.slice(sparse.length - SPARSE_MAX);
    }
    const birth = isBirth || r?.birthSeen === 1 ? 1 : 0;
    this.db
      .prepare(
        `INSERT INTO ingest_sessions (factoryId, agentId, sessionId, birthSeen, contiguousUpTo, sparse, firstAtMs, lastAtMs)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (factoryId, agentId, sessionId) DO UPDATE SET birthSeen = excluded.birthSeen,
           contiguousUpTo = excluded.contiguousUpTo, sparse = excluded.sparse, lastAtMs = excluded.lastAtMs`,
      )
      .run(f, a, s, birth, contiguous, JSON.stringify(sparse), nowMs, nowMs);
    return {
      hole: sparse.length > 0,
      maxSeq: sparse.length ? sparse[sparse.length - 1]! : contiguous,
      contiguousUpTo: contiguous,
    };
  }

  /** The first missing seq of a session, or null when there is no hole. */
  firstMissing(f: string, a: string, s: string): number | null {
    const r = this.row(f, a, s);
    if (!r) return null;
    return (JSON.parse(r.sparse) as number[]).length > 0 ? r.contiguousUpTo + 1 : null;
  }

  prune(nowMs: number): number {
    return this.db.prepare('DELETE FROM ingest_sessions WHERE lastAtMs < ?').run(nowMs - SESSION_TTL_MS)
      .changes;
  }
}
