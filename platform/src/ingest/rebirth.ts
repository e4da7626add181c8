import type { Db } from '../registry/db.js';
import { immediate } from '../registry/db.js';

/** Something that makes the platform want a fresh birth from an agent; re-checked before the command goes out. */
export type Suspicion =
  | { kind: 'parked' }
  | { kind: 'unknownSession'; sessionId: string }
  | { kind: 'gap'; sessionId: string };

export type RebirthDeps = {
  db: Db;
  /** 0 = decide at once (one instance reads the topic in order); > 0 = wait, a sibling may hold the message. */
  graceMs: number;
  minIntervalMs: number;
  /** Returns the reason if the suspicion still holds now, else null. */
  stillHolds: (factoryId: string, agentId: string, s: Suspicion) => string | null;
  publish: (factoryId: string, agentId: string, reason: string) => void;
  now?: () => number;
};

/**
 * Decides when to send a rebirth command: after the grace period, if the reason still holds, at most once
 * per `minIntervalMs` per agent — across instances, since the last-sent time is in the shared SQLite file.
 */
export class RebirthScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Map<string, Suspicion[]>();
  private closed = false;

  constructor(private readonly deps: RebirthDeps) {
    deps.db.exec(`CREATE TABLE IF NOT EXISTS ingest_rebirths (
      factoryId TEXT NOT NULL, agentId TEXT NOT NULL, lastAtMs INTEGER NOT NULL, count INTEGER NOT NULL,
      PRIMARY KEY (factoryId, agentId))`);
  }

  /** Several suspicions from one message lead to at most one command. */
  suspect(factoryId: string, agentId: string, ...suspicions: Suspicion[]): void {
    if (this.closed || suspicions.length === 0) return;
    if (this.deps.graceMs <= 0) {
      this.evaluate(factoryId, agentId, suspicions);
      return;
    }
    const key = `${factoryId}/${agentId}`;
    const list = this.pending.get(key) ?? [];
    for (const s of suspicions) if (list.length < 16) list.push(s);
    this.pending.set(key, list);
    if (this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      const due = this.pending.get(key) ?? [];
      this.pending.delete(key);
      this.evaluate(factoryId, agentId, due);
    }, this.deps.graceMs);
    t.unref();
    this.timers.set(key, t);
  }

  private evaluate(factoryId: string, agentId: string, suspicions: Suspicion[]): void {
    if (this.closed) return;
    let reason: string | null = null;
    for (const s of suspicions) {
      reason = this.deps.stillHolds(factoryId, agentId, s);
      if (reason) break;
    }
    if (!reason) return;
    const now = (this.deps.now ?? Date.now)();
    const send = immediate(this.deps.db, () => {
      const row = this.deps.db
        .prepare('SELECT lastAtMs FROM ingest_rebirths WHERE factoryId = ? AND agentId = ?')
        .get(factoryId, agentId) as { lastAtMs: number } | undefined;
      if (row && now - row.lastAtMs < this.deps.minIntervalMs) return false;
      this.deps.db
        .prepare(
          `INSERT INTO ingest_rebirths (factoryId, agentId, lastAtMs, count) VALUES (?, ?, ?, 1)
           ON CONFLICT (factoryId, agentId) DO UPDATE SET lastAtMs = excluded.lastAtMs, count = count + 1`,
        )
        .run(factoryId, agentId, now);
      return true;
    });
    if (send) {
      this.deps.publish(factoryId, agentId, reason);
    } else {
      // Rate-limited: look again once the interval has passed, so a lasting problem is not forgotten.
      this.retryLater(factoryId, agentId, suspicions);
    }
  }

  private retryLater(factoryId: string, agentId: string, suspicions: Suspicion[]): void {
    const key = `${factoryId}/${agentId}#retry`;
    if (this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.evaluate(factoryId, agentId, suspicions);
    }, this.deps.minIntervalMs);
    t.unref();
    this.timers.set(key, t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
  }
}
