/**
 * One platform instance's ingest, as a process of its own, for scale-out-concurrency.int.test.ts: opens the
 * shared repository (a SQLite file or a PostgreSQL URL), builds the real ingest processor over its own
 * in-memory store, prints `ready`, waits for `go` on stdin (so that both instances start together), handles its
 * share of the messages in the given group-commit chunks, then prints what its store holds as JSON.
 *   node --import tsx tests/platform/scale-out-instance.ts <job.json>
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { ingestConfigSchema, mqttConfigSchema } from '../../platform/src/config/schema.js';
import { createIngest } from '../../platform/src/ingest/ingest.js';
import { Registry } from '../../platform/src/registry/registry.js';
import { openPostgresRepository } from '../../platform/src/repository/postgres/index.js';
import { openSqliteRepository } from '../../platform/src/repository/sqlite/index.js';
import { EmbeddedStore } from '../../platform/src/store/embedded/embedded-store.js';
import type { SeriesKey } from '../../platform/src/store/types.js';

export type InstanceJob = {
  engine: 'sqlite' | 'postgres';
  /** The SQLite file or the PostgreSQL URL. */
  target: string;
  /** handleBatch calls, in order: each a list of [topic, JSON payload]. */
  chunks: [string, string][][];
  /** Series whose stored timestamps are reported. */
  series: SeriesKey[];
  fromMs: number;
  toMs: number;
};
export type InstanceResult = { stored: Record<string, number[]> };

const job = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as InstanceJob;
const repo =
  job.engine === 'sqlite'
    ? openSqliteRepository({ file: job.target })
    : openPostgresRepository({ url: job.target });
const store = new EmbeddedStore({ file: ':memory:', rollupRefreshMs: 0 });
await store.init();
const ingest = createIngest({
  registry: new Registry(repo.db),
  store,
  log: pino({ level: 'silent' }),
  mqtt: mqttConfigSchema.parse({}),
  ingest: ingestConfigSchema.parse({ rebirthMinIntervalMs: 0, autoRegisterFactories: true }),
  connect: false,
});
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;
for (const chunk of job.chunks)
  await ingest.processor.handleBatch(chunk.map(([topic, body]) => ({ topic, payload: Buffer.from(body) })));
const stored: InstanceResult['stored'] = {};
for (const s of job.series)
  stored[s.deviceId] = (await store.raw(s, job.fromMs, job.toMs)).map((p) => p.tsMs);
await ingest.stop();
await store.close();
repo.close();
process.stdout.write(`${JSON.stringify({ stored } satisfies InstanceResult)}\n`);
process.exit(0);
