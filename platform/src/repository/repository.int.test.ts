import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { freshDatabase, startPostgres } from '../../../tests/harness/postgres.js';
import type { Service } from '../../../tests/harness/services.js';
import { describeRepositoryConformance } from './conformance.js';
import { openPostgresRepository } from './postgres/index.js';
import { openSqliteRepository } from './sqlite/index.js';

// Embedded: a fresh platform.db per test (two handles on one file = two processes sharing it).
describeRepositoryConformance('sqlite', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-repo-'));
  const file = path.join(dir, 'platform.db');
  return {
    open: () => openSqliteRepository({ file }).db,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

// PostgreSQL: one server for this file (initdb on a free loopback port), a fresh database per test.
const pgServer: Service | null = await startPostgres(); // null = loudly skipped (never on CI: it throws)
afterAll(async () => {
  await pgServer?.dispose();
});
if (pgServer) {
  const server = pgServer;
  describeRepositoryConformance('postgres', async () => {
    const url = await freshDatabase(server.url);
    return { open: () => openPostgresRepository({ url }).db, dispose: async () => {} };
  });
}
