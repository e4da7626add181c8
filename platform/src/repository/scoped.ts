import type { Db } from './types.js';

/**
 * A write transaction scoped to `keys` where the engine can run such transactions concurrently (PostgreSQL:
 * one lock per key instead of one for all writers), and an immediate transaction — every writer serialised —
 * where it cannot (SQLite). Same outcome either way for a caller that keeps Db.transactionOn's promise.
 */
export function immediateOn<T>(db: Db, keys: readonly string[], fn: () => T): T {
  return db.transactionOn ? db.transactionOn(keys, fn) : db.transaction(fn).immediate();
}

/** The lock key of one agent's ingest state (its sessions, parked data and devices' last-seen). */
export const agentKey = (factoryId: string, agentId: string): string =>
  `agent\u0000${factoryId}\u0000${agentId}`;
