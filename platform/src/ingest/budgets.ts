import type { Db } from '../registry/db.js';

const WINDOW_MS = 60_000;

/**
 * Per-minute budgets (e.g. new series per agent and per factory), in SQLite so that instances sharing the
 * file share the budget. A fixed one-minute window per scope: `fits` before the work, `charge` after it,
 * inside the same transaction.
 */
export class Budgets {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS ingest_budgets (
      scope TEXT PRIMARY KEY, windowStartMs INTEGER NOT NULL, used INTEGER NOT NULL)`);
  }

  /** Used in the current window of `scope` (0 when the window has passed). */
  used(scope: string, nowMs: number): number {
    const r = this.db.prepare('SELECT windowStartMs, used FROM ingest_budgets WHERE scope = ?').get(scope) as
      | { windowStartMs: number; used: number }
      | undefined;
    return r && nowMs - r.windowStartMs < WINDOW_MS ? r.used : 0;
  }

  fits(scope: string, amount: number, limit: number, nowMs: number): boolean {
    return this.used(scope, nowMs) + amount <= limit;
  }

  charge(scope: string, amount: number, nowMs: number): void {
    if (amount <= 0) return;
    const used = this.used(scope, nowMs);
    this.db
      .prepare(
        `INSERT INTO ingest_budgets (scope, windowStartMs, used) VALUES (@scope, @now, @amount)
         ON CONFLICT (scope) DO UPDATE SET
           windowStartMs = CASE WHEN @fresh = 1 THEN @now ELSE ingest_budgets.windowStartMs END,
           used = CASE WHEN @fresh = 1 THEN @amount ELSE ingest_budgets.used + @amount END`,
      )
      .run({ scope, now: nowMs, amount, fresh: used === 0 ? 1 : 0 });
  }
}
