import path from 'node:path';
import { z } from 'zod';
import { EmbeddedStore } from './embedded/embedded-store.js';
import { InfluxStore } from './influx/influx-store.js';
import { influxStoreOptionsSchema } from './influx/options.js';
import type { SharedRollupMarks, TimeSeriesStore } from './types.js';

export { EmbeddedStore } from './embedded/embedded-store.js';
export { StoreQueryError } from './engine/align.js';
export { ColumnPool } from './engine/column-pool.js';
export { DEFAULT_MAX_GAP_MS } from './engine/counter.js';
export { InfluxAuthError } from './influx/auth.js';
export { InfluxStore } from './influx/influx-store.js';
export { BacklogFullError } from './influx/writer.js';
export { ROLLOVER_NEAR_FRACTION } from './rollup/summary.js';
export type * from './types.js';

/**
 * Store configuration: InfluxDB when influxUrl is set, else the embedded SQLite store in dataDir.
 * Every InfluxDB option of influx/options.ts may be given under `influx`.
 */
export const storeConfigSchema = z.object({
  influxUrl: z.url().optional(),
  database: z.string().min(1).default('xiang'),
  dataDir: z.string().min(1),
  synchronous: z.enum(['normal', 'full']).default('normal'),
  rollupRefreshMs: z.number().int().min(0).default(5_000),
  influx: influxStoreOptionsSchema.omit({ url: true, database: true, dataDir: true }).partial().optional(),
});
export type StoreConfig = z.input<typeof storeConfigSchema>;

/** The file the embedded store keeps its data in, inside dataDir. */
export const EMBEDDED_FILE = 'timeseries.sqlite';

/**
 * Builds and initialises the configured store. `sharedMarks` (the shared repository's rollup marks) lets
 * several instances writing one InfluxDB build each rollup once; the embedded store has no use for it.
 */
export async function createStore(
  config: StoreConfig,
  deps: { sharedMarks?: SharedRollupMarks } = {},
): Promise<TimeSeriesStore> {
  const c = storeConfigSchema.parse(config);
  const store: TimeSeriesStore = c.influxUrl
    ? new InfluxStore(
        {
          ...c.influx,
          url: c.influxUrl,
          database: c.database,
          dataDir: c.dataDir,
          synchronous: c.synchronous,
          rollupRefreshMs: c.influx?.rollupRefreshMs ?? c.rollupRefreshMs,
        },
        deps,
      )
    : new EmbeddedStore({
        file: path.join(c.dataDir, EMBEDDED_FILE),
        synchronous: c.synchronous,
        rollupRefreshMs: c.rollupRefreshMs,
      });
  await store.init();
  return store;
}
