import path from 'node:path';
import type { RepositoryConfig } from '../config/schema.js';
import { openPostgresRepository } from './postgres/index.js';
import { openSqliteRepository } from './sqlite/index.js';
import type { Repository } from './types.js';

export { holdWhileAlive, instanceLease, Leases } from './leases.js';
export { registerRepositoryMetrics } from './metrics.js';
export { RollupMarks } from './rollup-marks.js';
export { agentKey, immediateOn } from './scoped.js';
export type { Db, Repository, RepositoryKind, RunResult, Statement, Transaction } from './types.js';

type Context = { dataDir: string; synchronous: 'normal' | 'full' };

/** The engines, by config kind: the only place that knows there is more than one. */
const ENGINES: {
  [K in RepositoryConfig['kind']]: (c: Extract<RepositoryConfig, { kind: K }>, ctx: Context) => Repository;
} = {
  sqlite: (_c, ctx) =>
    openSqliteRepository({ file: path.join(ctx.dataDir, 'platform.db'), synchronous: ctx.synchronous }),
  postgres: (c) => openPostgresRepository({ url: c.url, queryTimeoutMs: c.queryTimeoutMs }),
};

/** Opens the repository the config names. */
export function openRepository(config: RepositoryConfig, ctx: Context): Repository {
  const open = ENGINES[config.kind] as (c: RepositoryConfig, ctx: Context) => Repository;
  return open(config, ctx);
}
