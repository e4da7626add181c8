import type { Db } from './types.js';

/**
 * A job table with leases, in the shared repository: a named job (an instance's liveness, a rollup sweep, a
 * periodic task) is held by at most one holder until its lease expires; the holder renews it well before. A
 * holder that dies stops renewing, and the job is free again after the TTL. Plain SQL over the repository seam,
 * so the same code coordinates processes sharing a SQLite file and instances sharing PostgreSQL.
 */
export class Leases {
  constructor(
    private readonly db: Db,
    readonly holder: string,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS job_leases (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      expiresAtMs INTEGER NOT NULL
    )`);
  }

  /** Takes (or renews) the lease on `name` for ttlMs; false when another holder's lease is still running. */
  tryAcquire(name: string, ttlMs: number): boolean {
    return this.db
      .transaction(() => {
        const nowMs = this.now();
        const r = this.db.prepare('SELECT holder, expiresAtMs FROM job_leases WHERE name = ?').get(name) as
          | { holder: string; expiresAtMs: number }
          | undefined;
        if (r && r.holder !== this.holder && r.expiresAtMs > nowMs) return false;
        this.db
          .prepare(
            `INSERT INTO job_leases (name, holder, expiresAtMs) VALUES (?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expiresAtMs = excluded.expiresAtMs`,
          )
          .run(name, this.holder, nowMs + ttlMs);
        return true;
      })
      .immediate();
  }

  /** Gives the lease up (only one's own). */
  release(name: string): void {
    this.db.prepare('DELETE FROM job_leases WHERE name = ? AND holder = ?').run(name, this.holder);
  }

  /** The holder of a running lease, or null when nobody holds it (never taken, released or expired). */
  holderOf(name: string): string | null {
    const r = this.db
      .prepare('SELECT holder FROM job_leases WHERE name = ? AND expiresAtMs > ?')
      .get(name, this.now()) as { holder: string } | undefined;
    return r?.holder ?? null;
  }

  /**
   * Runs `job` only if this holder gets the lease: the job is done by exactly one holder per lease period.
   * The lease is kept after the job (until it expires), so a job done moments ago is not repeated elsewhere.
   */
  async once<T>(
    name: string,
    ttlMs: number,
    job: () => Promise<T>,
  ): Promise<{ ran: true; value: T } | { ran: false }> {
    if (!this.tryAcquire(name, ttlMs)) return { ran: false };
    return { ran: true, value: await job() };
  }
}

/** The lease every running instance holds on itself: its runs are live while it is. */
export const instanceLease = (instanceId: string): string => `instance:${instanceId}`;

/**
 * Holds `name` while the process lives: renews it every ttlMs/3 and calls `onBeat` after each renewal (sweeps of
 * what dead holders left). Returns a stop function: `stop()` releases the lease (a clean stop frees it at once),
 * `stop(false)` only stops renewing (a crash: the lease expires).
 */
export function holdWhileAlive(
  leases: Leases,
  name: string,
  ttlMs: number,
  onBeat: () => void,
  onError: (e: unknown) => void,
): (release?: boolean) => void {
  const beat = () => {
    try {
      leases.tryAcquire(name, ttlMs);
      onBeat();
    } catch (e) {
      onError(e);
    }
  };
  beat();
  const timer = setInterval(beat, Math.max(1000, Math.floor(ttlMs / 3)));
  timer.unref();
  return (release = true) => {
    clearInterval(timer);
    if (!release) return;
    try {
      leases.release(name);
    } catch (e) {
      onError(e);
    }
  };
}
