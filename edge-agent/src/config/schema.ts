import { idSchema } from '@xiang/protocol';
import { z } from 'zod';
import { sourceSchema } from '../sources/registry.js';
import { brokerSchema, deviceMetaSchema } from './parts.js';

/**
 * The agent's config file (YAML), validated here. This schema is the single source of truth: the types below,
 * the error messages (path + expectation) and the README's reference all come from it. The `sources[]`
 * entries come from the source plugins (sources/registry.ts), each owning its own schema.
 */

export type { SourceConfig } from '../sources/registry.js';
export type { DeviceMeta } from './parts.js';

export const deviceConfigSchema = deviceMetaSchema.extend({ id: idSchema });

export const agentConfigSchema = z.object({
  factoryId: idSchema,
  agentId: idSchema,
  /** Where the queue, the metric index table and the PKI live. */
  dataDir: z.string().min(1),
  uplink: brokerSchema.extend({
    sessionExpiryS: z
      .number()
      .int()
      .min(0)
      .default(7 * 24 * 3600),
    reconnect: z
      .object({
        initialDelayMs: z.number().int().min(10).default(500),
        maxDelayMs: z.number().int().min(10).default(30_000),
      })
      .default({ initialDelayMs: 500, maxDelayMs: 30_000 }),
    /** Unacknowledged data messages at once. */
    maxInflight: z.number().int().min(1).max(1000).default(32),
  }),
  queue: z
    .object({
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .default(512 * 1024 * 1024),
      maxAgeHours: z
        .number()
        .positive()
        .default(7 * 24),
    })
    .default({ maxBytes: 512 * 1024 * 1024, maxAgeHours: 7 * 24 }),
  replay: z
    .object({ maxPointsPerSecond: z.number().int().min(1).default(20_000) })
    .default({ maxPointsPerSecond: 20_000 }),
  batching: z
    .object({
      maxPoints: z.number().int().min(1).max(50_000).default(1000),
      maxDelayMs: z.number().int().min(0).max(60_000).default(1000),
    })
    .default({ maxPoints: 1000, maxDelayMs: 1000 }),
  health: z
    .object({
      enabled: z.boolean().default(true),
      host: z.string().default('127.0.0.1'),
      /** 0 = any free port (tests). */
      port: z.number().int().min(0).max(65_535).default(9480),
      logIntervalS: z.number().int().min(0).default(60),
    })
    .default({ enabled: true, host: '127.0.0.1', port: 9480, logIntervalS: 60 }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  devices: z.array(deviceConfigSchema).default([]),
  sources: z.array(sourceSchema).min(1, 'expected at least one source'),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
