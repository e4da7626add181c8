import type { Repository } from '../types.js';
import { PostgresDb } from './postgres-db.js';
import { SyncPgClient } from './sync-client.js';

export { PostgresError } from './sync-client.js';

/** Opens the shared PostgreSQL repository (`repository: { kind: postgres, url }`); the schema is created on open. */
export function openPostgresRepository(opts: { url: string; queryTimeoutMs?: number }): Repository {
  const client = new SyncPgClient(opts.url, opts.queryTimeoutMs);
  const db = new PostgresDb(client);
  try {
    db.prepare('SELECT 1').get(); // fail at start, with the server's reason, rather than at the first birth
  } catch (e) {
    db.close();
    throw new Error(`cannot reach the PostgreSQL repository: ${(e as Error).message}`);
  }
  const u = new URL(opts.url);
  return {
    kind: 'postgres',
    where: `postgres://${u.host}${u.pathname}`,
    db,
    close: () => db.close(),
    stats: () => db.stats(),
  };
}
