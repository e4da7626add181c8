import path from 'node:path';
import type { PlatformConfig } from '../config/schema.js';
import { type Db, openPlatformDb } from '../registry/db.js';
import type { FactoryProfile } from '../registry/model.js';
import { Registry } from '../registry/registry.js';
import { createStore } from '../store/index.js';
import type { TimeSeriesStore } from '../store/types.js';
import { type CliIo, EXIT } from './types.js';

export type FactoryData = {
  db: Db;
  store: TimeSeriesStore;
  registry: Registry;
  profile: FactoryProfile;
  /** Prints a progress line on stderr, prefixed with the seconds since the command started. */
  step: (line: string) => void;
  startedAtMs: number;
};

/** Progress lines on stderr, prefixed with the seconds since `startedAtMs`. */
export function stepPrinter(io: CliIo, startedAtMs: number): (line: string) => void {
  return (s) => io.err(`[${((Date.now() - startedAtMs) / 1000).toFixed(1)} s] ${s}`);
}

/** Finds the factory or says which ones exist (exit code 1). */
function factoryOrHint(
  command: string,
  where: string,
  registry: Registry,
  factoryId: string,
  io: CliIo,
): FactoryProfile | null {
  const profile = registry.factory(factoryId);
  if (profile) return profile;
  const known =
    registry
      .factories()
      .map((f) => f.id)
      .join(', ') || 'none';
  io.err(`xiang ${command}: factory "${factoryId}" is not in ${where} (known: ${known})`);
  return null;
}

/**
 * The same for a command that runs inside the serving platform (POST /api/v1/cli/{command}): its own
 * registry and store, already open.
 */
export async function withServerData(
  command: string,
  platform: { registry: Registry; store: TimeSeriesStore; dataDir: string },
  factoryId: string,
  io: CliIo,
  body: (data: FactoryData) => Promise<number>,
): Promise<number> {
  const startedAtMs = Date.now();
  const profile = factoryOrHint(command, platform.dataDir, platform.registry, factoryId, io);
  if (!profile) return EXIT.failed;
  const { registry, store } = platform;
  return await body({
    db: registry.db,
    store,
    registry,
    profile,
    step: stepPrinter(io, startedAtMs),
    startedAtMs,
  });
}

/**
 * What the data commands (`xiang diagnose`, `xiang grade`) share when no platform serves the directory (the
 * caller holds the data-directory lock, data-dir-lock.ts): open it like `xiang serve` does (registry +
 * time-series store), find the factory (or say which ones exist), run `body`, and close everything whatever
 * happens. Resolves with the process exit code.
 */
export async function withFactoryData(
  command: string,
  config: PlatformConfig,
  factoryId: string,
  io: CliIo,
  body: (data: FactoryData) => Promise<number>,
): Promise<number> {
  const startedAtMs = Date.now();
  const step = stepPrinter(io, startedAtMs);
  step(
    `opening ${config.dataDir} (${config.store.influxUrl ? `InfluxDB ${config.store.influxUrl}` : 'embedded store'})`,
  );
  const db = openPlatformDb(path.join(config.dataDir, 'platform.db'));
  try {
    const store = await createStore({ ...config.store, dataDir: config.dataDir, rollupRefreshMs: 0 });
    try {
      const registry = new Registry(db);
      const profile = factoryOrHint(command, config.dataDir, registry, factoryId, io);
      if (!profile) return EXIT.failed;
      return await body({ db, store, registry, profile, step, startedAtMs });
    } finally {
      await store.close();
    }
  } finally {
    db.close();
  }
}
