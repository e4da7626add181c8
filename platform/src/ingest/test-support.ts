import { pino } from 'pino';
import { Registry as PromRegistry } from 'prom-client';
import { FACTORY, T0 } from '../../../tests/platform/fixtures.js';
import { ingestConfigSchema, mqttConfigSchema } from '../config/schema.js';
import { type Db, openPlatformDb } from '../registry/db.js';
import { Registry } from '../registry/registry.js';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import { createIngest, type Ingest } from './ingest.js';

/** The real ingest (processor, SQLite state, embedded store) in memory, without a broker; for unit tests. */
export type IngestRig = {
  db: Db;
  registry: Registry;
  store: EmbeddedStore;
  ingest: Ingest;
  prom: PromRegistry;
  /** Rebirth commands the processor sent: [factoryId/agentId, reason]. */
  commands: [string, string][];
  send(kind: string, body: unknown, f?: string, a?: string): Promise<void>;
  count(deviceId: string, metric: string, factoryId?: string): Promise<number>;
  close(): Promise<void>;
};

export async function ingestRig(
  overrides: Record<string, unknown> = {},
  now?: () => number,
): Promise<IngestRig> {
  const db = openPlatformDb(':memory:');
  const registry = new Registry(db);
  const store = new EmbeddedStore({ file: ':memory:', rollupRefreshMs: 0 });
  await store.init();
  const prom = new PromRegistry();
  const commands: [string, string][] = [];
  const ingest = createIngest({
    registry,
    store,
    log: pino({ level: 'silent' }),
    mqtt: mqttConfigSchema.parse({}),
    ingest: ingestConfigSchema.parse({ rebirthMinIntervalMs: 0, autoRegisterFactories: true, ...overrides }),
    promRegistry: prom,
    connect: false,
    onCommand: (f, a, cmd) => commands.push([`${f}/${a}`, cmd.reason ?? '']),
    ...(now ? { now } : {}),
  });
  return {
    db,
    registry,
    store,
    ingest,
    prom,
    commands,
    send: (kind, body, f = FACTORY, a = 'A1') =>
      ingest.processor.handle(
        `xiang/v1/${f}/${a}/${kind}`,
        Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      ),
    count: (deviceId, metric, factoryId = FACTORY) =>
      store.countPoints({ factoryId, deviceId, metric }, T0 - 400 * 86_400_000, T0 + 400 * 86_400_000),
    close: async () => {
      await ingest.stop();
      await store.close();
      db.close();
    },
  };
}
