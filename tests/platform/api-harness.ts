import { pino } from 'pino';
import { Registry as PromRegistry } from 'prom-client';
import { buildApi } from '../../platform/src/api/server.js';
import type { ApiDeps, ZodApp } from '../../platform/src/api/types.js';
import { TokenStore } from '../../platform/src/auth/tokens.js';
import { ingestConfigSchema, mqttConfigSchema } from '../../platform/src/config/schema.js';
import { createIngest, type Ingest } from '../../platform/src/ingest/ingest.js';
import { openPlatformDb } from '../../platform/src/registry/db.js';
import { Registry } from '../../platform/src/registry/registry.js';
import { EmbeddedStore } from '../../platform/src/store/embedded/embedded-store.js';

/**
 * The real API over real parts (SQLite registry in memory, the embedded store in memory, the ingest
 * processor without a broker) for fastify.inject tests.
 */
export type ApiHarness = {
  app: ZodApp;
  registry: Registry;
  tokens: TokenStore;
  store: EmbeddedStore;
  ingest: Ingest;
  adminToken: string;
  close(): Promise<void>;
};

export async function apiHarness(extra: Partial<ApiDeps> = {}): Promise<ApiHarness> {
  const log = pino({ level: 'silent' });
  const db = openPlatformDb(':memory:');
  const registry = new Registry(db);
  const tokens = new TokenStore(db);
  const adminToken = tokens.bootstrap(undefined);
  const store = new EmbeddedStore({ file: ':memory:', rollupRefreshMs: 0 });
  await store.init();
  const promRegistry = new PromRegistry();
  const ingest = createIngest({
    registry,
    store,
    log,
    mqtt: mqttConfigSchema.parse({}),
    ingest: ingestConfigSchema.parse({ autoRegisterFactories: true }),
    promRegistry,
    connect: false,
  });
  const app = await buildApi(
    {
      registry,
      store,
      tokens,
      ingest,
      promRegistry,
      readiness: () => ({ ready: true, checks: { store: { ok: true }, broker: { ok: true } } }),
      version: 'test',
      ...extra,
    },
    log,
  );
  return {
    app,
    registry,
    tokens,
    store,
    ingest,
    adminToken,
    close: async () => {
      await app.close();
      await ingest.stop();
      await store.close();
      db.close();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
