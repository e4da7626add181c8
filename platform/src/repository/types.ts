/**
 * The repositories' seam: a synchronous SQL handle with better-sqlite3's shape (the registry, ingest state,
 * dead letters, tokens and diagnosis runs are written against it, in transactions that must stay atomic across
 * platform instances). One folder per engine implements it — sqlite/ (embedded, the default) and postgres/
 * (shared by stateless platform instances) — and index.ts picks one from the config. Nothing else knows which.
 */
export type RunResult = { changes: number; lastInsertRowid: number | bigint };

export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** A transaction: all-or-nothing, and serialised against other writers (of all instances sharing the state). */
export interface Transaction<T> {
  (): T;
  immediate(): T;
  deferred(): T;
  exclusive(): T;
}

export interface Db {
  prepare(sql: string): Statement;
  exec(sql: string): unknown;
  transaction<T>(fn: () => T): Transaction<T>;
  /**
   * Optional, for engines whose writers can run concurrently (PostgreSQL): a write transaction serialised only
   * against unscoped transactions and against those sharing one of `keys`. The caller vouches that whatever fn
   * reads to decide a write belongs to those keys, and that what it writes outside them commutes (counter
   * increments, last-seen maxima). Use it through `immediateOn`, which falls back to `transaction` elsewhere.
   */
  transactionOn?<T>(keys: readonly string[], fn: () => T): T;
  close(): unknown;
}

export type RepositoryKind = 'sqlite' | 'postgres';

/** A platform's shared state: the SQL handle plus the engine's name (logs, health). */
export type Repository = {
  readonly kind: RepositoryKind;
  /** Where it lives, without credentials (logs). */
  readonly where: string;
  readonly db: Db;
  close(): void;
  /**
   * Engines that reach their server through a synchronous bridge (PostgreSQL): round trips so far and the
   * time the calling thread spent blocked on them — the event loop stands still for that long —, of which
   * on BEGIN and the transaction's locks (waiting for other writers).
   */
  stats?(): { roundTrips: number; blockedMs: number; beginMs: number };
};
