import { z } from 'zod';

/** An InfluxQL duration for a retention policy: INF or a whole number of hours, days or weeks. */
const durationSchema = z
  .string()
  .regex(/^(INF|[1-9][0-9]*[hdw])$/, 'expected "INF" or a duration such as "90d", "104w", "720h"');

export const influxStoreOptionsSchema = z.object({
  /** http(s)://[user:password@]host:port */
  url: z.url(),
  database: z.string().min(1).default('xiang'),
  username: z.string().optional(),
  password: z.string().optional(),
  /**
   * A file holding the password (its first line; a secrets mount, deploy/secrets/): kept out of the YAML and
   * the environment. Wins over `password`.
   */
  passwordFile: z.string().min(1).optional(),
  /** Holds the durable backlog and rollup bookkeeping (influx-sidecar.sqlite). */
  dataDir: z.string().min(1),
  retention: z
    .object({
      // INF by default (as InfluxDB's own autogen): importing history older than a finite raw retention would be
      // refused by InfluxDB and leave no rollups behind. Operators who want less raw data set e.g. '90d'.
      raw: durationSchema.default('INF'),
      rollup1m: durationSchema.default('104w'),
      // Quarter-hour pages are compact (~1 KB per series and day): kept as long as hourly ones by default.
      rollup15m: durationSchema.default('INF'),
      rollup1h: durationSchema.default('INF'),
    })
    .prefault({}),
  /** Retention policy names (raw is the database's default policy). */
  retentionNames: z
    .object({
      raw: z.string().min(1).default('raw'),
      rollup1m: z.string().min(1).default('rollup_1m'),
      rollup15m: z.string().min(1).default('rollup_15m'),
      rollup1h: z.string().min(1).default('rollup_1h'),
    })
    .prefault({}),
  /** 'journal': write() is durable on local disk, shipped in batches (see writer.ts); 'direct': in InfluxDB. */
  writeMode: z.enum(['journal', 'direct']).default('journal'),
  batchSize: z.number().int().min(1).max(100_000).default(20_000),
  flushIntervalMs: z.number().int().min(0).max(60_000).default(20),
  memoryRetryMs: z.number().int().min(0).max(60_000).default(1_000),
  // ~100 bytes of line protocol per point: 10 M points ≈ 1 GB of disk.
  maxBacklogPoints: z.number().int().min(1).default(10_000_000),
  requestTimeoutMs: z.number().int().min(100).default(30_000),
  rollupRefreshMs: z.number().int().min(0).default(5_000),
  rollupHoursPerTick: z.number().int().min(1).default(2_000),
  synchronous: z.enum(['normal', 'full']).default('normal'),
});
export type InfluxStoreOptions = z.infer<typeof influxStoreOptionsSchema>;
export type InfluxStoreOptionsInput = z.input<typeof influxStoreOptionsSchema>;

/** Milliseconds of an InfluxQL duration; Infinity for INF. */
export function durationMs(d: string): number {
  if (d === 'INF') return Number.POSITIVE_INFINITY;
  const n = Number(d.slice(0, -1));
  const unit = d.slice(-1);
  return n * (unit === 'h' ? 3_600_000 : unit === 'd' ? 86_400_000 : 604_800_000);
}
