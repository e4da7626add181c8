import type { PlatformConfig } from './schema.js';

/** SQLite `synchronous` levels the platform uses (WAL mode throughout). */
export type SqliteSynchronous = 'normal' | 'full';

/**
 * The `synchronous` level of every SQLite file the platform commits to before it acknowledges a message:
 * the registry (platform.db: sessions, dead letters, parked batches, tokens) and the time-series store
 * (embedded SQLite, or the InfluxDB store's on-disk journal). `power` raises all of them to FULL; a store
 * configured `store.synchronous: full` stays FULL under `process` too.
 */
export function storageSynchronous(config: Pick<PlatformConfig, 'durability' | 'store'>): {
  registry: SqliteSynchronous;
  store: SqliteSynchronous;
} {
  if (config.durability === 'power') return { registry: 'full', store: 'full' };
  return { registry: 'normal', store: config.store.synchronous };
}
