import type { Db } from '../registry/db.js';
import { immediate } from '../registry/db.js';

/** Something that makes the platform want a fresh birth from an agent; re-checked before the command goes out. */
export type Suspicion =
  /** A message of a session whose birth was not seen arrived at `sinceMs` (data is parked meanwhile). */
  | { kind: 'unbornSession'; sessionId: string; sinceMs: number }
  /** The current session misses a seq above its latest birth (maybe a birth that declares parked metrics). */
  | { kind: 'gap'; sessionId: string };

export type RebirthDeps = {
  db: Db;
  /** 0 = decide at once (one instance reads the topic in order); > 0 = wait, a sibling may hold the message. */
  graceMs: number;
  minIntervalMs: number;
  /** Commands to one agent per minute, whatever arrives on its topics. */
  maxPerMinute: number;
  /** Returns the reason if the suspicion still holds now, else null. */
  stillHolds: (factoryId: string, agentId: string, s: Suspicion) => string | null;
  publish: (factoryId: string, agentId: string, reason: string) => void;
  /**
   * A check after the grace period failed (the repository unreachable, a PostgreSQL timeout): reported here and
   * tried again later. It runs in a timer, where a thrown error would stop the whole process.
   */
  onError?: (e: unknown, factoryId: string, agentId: string) => void;
  now?: () => number;
};

const MINUTE_MS = 60_000;
/** Rate-limit rows of agents never born are kept this long (longer than the one-minute window). */
const FORGET_UNBORN_MS = 10 * MINUTE_MS;

type Row = { lastAtMs: number; windowStartMs: number; windowCount: number; lastBirthAtMs: number };

/**
 * Decides when to send a rebirth command: after the grace period, if the reason still holds, at most once
 * per `minIntervalMs` and `maxPerMinute` times per minute per agent — across instances, since the state is
 * in the shared SQLite file. Also remembers when each agent last published a birth, so a suspicion that the
 * agent has already answered (it was born since, with another session) is not raised again.
 */
export class RebirthScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Map<string, Suspicion[]>();
  private closed = false;

  constructor(private readonly deps: RebirthDeps) {
    deps.db.exec(`CREATE TABLE IF NOT EXISTS ingest_rebirths (
      factoryId TEXT NOT NULL, agentId TEXT NOT NULL, lastAtMs INTEGER NOT NULL, count INTEGER NOT NULL,
      PRIMARY KEY (factoryId, agentId))`);
    const cols = (deps.db.prepare('PRAGMA table_info(ingest_rebirths)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    for (const c of ['windowStartMs', 'windowCount', 'lastBirthAtMs'])
      if (!cols.includes(c))
        deps.db.exec(`ALTER TABLE ingest_rebirths ADD COLUMN ${c} INTEGER NOT NULL DEFAULT 0`);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private row(f: string, a: string): Row | undefined {
    return this.deps.db
      .prepare(
        'SELECT lastAtMs, windowStartMs, windowCount, lastBirthAtMs FROM ingest_rebirths WHERE factoryId = ? AND agentId = ?',
      )
      .get(f, a) as Row | undefined;
  }

  /** Platform time of the agent's latest birth (0 = none since this table exists). */
  lastBirthAtMs(f: string, a: string): number {
    return this.row(f, a)?.lastBirthAtMs ?? 0;
  }

  /** Records that the agent published a birth; call inside the birth's transaction. */
  birthSeen(f: string, a: string, atMs: number): void {
    this.deps.db
      .prepare(
        `INSERT INTO ingest_rebirths (factoryId, agentId, lastAtMs, count, lastBirthAtMs) VALUES (?, ?, 0, 0, ?)
         ON CONFLICT (factoryId, agentId) DO UPDATE SET lastBirthAtMs = MAX(ingest_rebirths.lastBirthAtMs, excluded.lastBirthAtMs)`,
      )
      .run(f, a, atMs);
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
      this.evaluateInTimer(factoryId, agentId, due);
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
    const now = this.now();
    const send = immediate(this.deps.db, () => {
      const row = this.row(factoryId, agentId);
      if (row && now - row.lastAtMs < this.deps.minIntervalMs) return false;
      const fresh = !row || now - row.windowStartMs >= MINUTE_MS;
      if (!fresh && row.windowCount >= this.deps.maxPerMinute) return false;
      this.deps.db
        .prepare(
          `INSERT INTO ingest_rebirths (factoryId, agentId, lastAtMs, count, windowStartMs, windowCount)
           VALUES (@f, @a, @now, 1, @now, 1)
           ON CONFLICT (factoryId, agentId) DO UPDATE SET lastAtMs = @now, count = ingest_rebirths.count + 1,
             windowStartMs = @windowStartMs, windowCount = @windowCount`,
        )
        .run({
          f: factoryId,
          a: agentId,
          now,
          windowStartMs: fresh ? now : row.windowStartMs,
          windowCount: fresh ? 1 : row.windowCount + 1,
        });
      return true;
    });
    if (send) {
      this.deps.publish(factoryId, agentId, reason);
      // Agents that never published a birth (typos, forged agent ids) keep no rate-limit row for long.
      this.deps.db
        .prepare('DELETE FROM ingest_rebirths WHERE lastBirthAtMs = 0 AND lastAtMs < ?')
        .run(now - FORGET_UNBORN_MS);
    }
    // Rate-limited: look again once the interval has passed, so a lasting problem is not forgotten.
    else this.retryLater(factoryId, agentId, suspicions);
  }

  /** evaluate() from a timer: an error is reported and the suspicions are looked at again later. */
  private evaluateInTimer(factoryId: string, agentId: string, suspicions: Suspicion[]): void {
    try {
      this.evaluate(factoryId, agentId, suspicions);
    } catch (e) {
      this.deps.onError?.(e, factoryId, agentId);
      if (!this.closed) this.retryLater(factoryId, agentId, suspicions);
    }
  }

  private retryLater(factoryId: string, agentId: string, suspicions: Suspicion[]): void {
    const key = `${factoryId}/${agentId}#retry`;
    if (this.timers.has(key)) return;
    const t = setTimeout(
      () => {
        this.timers.delete(key);
        this.evaluateInTimer(factoryId, agentId, suspicions);
      },
      Math.max(this.deps.minIntervalMs, 1000),
    );
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
