import { z } from 'zod';
import {
  assetLevelSchema,
  deviceKindSchema,
  mediumSchema,
  meterRoleSchema,
  metricKindSchema,
  phaseSchema,
  quantitySchema,
} from './enums.js';
import { equipmentSchema } from './equipment.js';
import { assetPathSchema, idSchema, metricKeySchema } from './ids.js';

/**
 * xiang/v1 uplink messages (see protocol/README.md). JSON over MQTT v5, QoS 1.
 * Timestamps are Unix epoch milliseconds (UTC). Every message of a session carries `sessionId` and `seq`;
 * `seq` starts at 0 with the session's first birth and grows by one per message published in that session
 * (birth, data, status) — it never restarts within a session: a rebirth's birth carries the next seq. So
 * (sessionId, seq) names one message for the whole session, across rebirths and redeliveries.
 */

const epochMs = z
  .number()
  .int()
  .min(946684800000, 'timestamp before 2000-01-01')
  .max(4102444800000, 'timestamp after 2100-01-01');
const sessionIdSchema = z.string().min(8).max(64);
const seqSchema = z.number().int().min(0);

export const assetSchema = z.object({
  path: assetPathSchema.refine((p) => p !== '', 'the factory itself is implicit'),
  level: assetLevelSchema,
  name: z.string().min(1).max(200).optional(),
});
export type Asset = z.infer<typeof assetSchema>;

export const deviceSchema = z.object({
  id: idSchema,
  kind: deviceKindSchema,
  /** Asset the device belongs to ("" = factory level, e.g. the main incomer). */
  assetPath: assetPathSchema,
  name: z.string().min(1).max(200).optional(),
  medium: mediumSchema.optional(),
  meterRole: meterRoleSchema.optional(),
  /** Device id of the upstream meter in the metering tree. */
  parentMeter: idSchema.optional(),
  ratedPowerKw: z.number().positive().optional(),
  /** Which source of the agent reads it (for status reporting). */
  source: z.string().max(64).optional(),
  /** Declared equipment: class (versioned list), lead/lag role, nominal voltage, operating profile, nameplate. */
  equipment: equipmentSchema.optional(),
  /** Meters: the devices (machines) this meter measures directly, not through a child meter. */
  measures: z.array(idSchema).max(1000).optional(),
});
export type Device = z.infer<typeof deviceSchema>;

export const datatypeSchema = z.enum(['double', 'int', 'bool', 'string']);
export type Datatype = z.infer<typeof datatypeSchema>;

export const metricSchema = z.object({
  /** Stable index used in data batches; an agent never reuses an index for another metric. */
  i: z.number().int().min(0).max(1_000_000),
  deviceId: idSchema,
  key: metricKeySchema,
  quantity: quantitySchema,
  kind: metricKindSchema,
  datatype: datatypeSchema,
  unit: z.string().max(16),
  phase: phaseSchema.optional(),
  /** Counter rollover value (e.g. 99999999.9 for an 8+1 digit register); used for rollover detection. */
  rolloverAt: z.number().positive().optional(),
  samplingIntervalMs: z.number().int().min(0).optional(),
});
export type Metric = z.infer<typeof metricSchema>;

export const birthSchema = z.object({
  sessionId: sessionIdSchema,
  /** 0 for the first birth of a session; a rebirth carries the session's next seq (it never restarts). */
  seq: seqSchema,
  timestamp: epochMs,
  agent: z.object({ version: z.string().max(32), hostname: z.string().max(128).optional() }),
  /**
   * The agent's previous session, which this one supersedes, and the highest seq of it the broker
   * acknowledged. The platform then accepts that session's messages only up to `lastSeq` (in flight or
   * redelivered) and dead-letters anything above it (`supersededSession`): a message above it never got a
   * PUBACK, so its data is still queued and goes again in the new session. Optional: agents before this
   * field (or one just restarted, with no earlier session in memory) omit it.
   */
  previous: z.object({ sessionId: sessionIdSchema, lastSeq: seqSchema }).optional(),
  assets: z.array(assetSchema).max(10_000),
  devices: z.array(deviceSchema).max(10_000),
  metrics: z.array(metricSchema).max(100_000),
});
export type Birth = z.infer<typeof birthSchema>;

/** [metric index, source timestamp ms, value, OPC UA status code (omitted = Good)] */
export const pointTupleSchema = z.union([
  z.tuple([
    z.number().int().min(0),
    epochMs,
    z.union([z.number(), z.boolean(), z.string().max(1024), z.null()]),
  ]),
  z.tuple([
    z.number().int().min(0),
    epochMs,
    z.union([z.number(), z.boolean(), z.string().max(1024), z.null()]),
    z.number().int().min(0).max(0xffffffff),
  ]),
]);
export type PointTuple = z.infer<typeof pointTupleSchema>;

export const MAX_POINTS_PER_BATCH = 50_000;

export const dataBatchSchema = z.object({
  sessionId: sessionIdSchema,
  seq: seqSchema,
  /** true when the batch was buffered while the uplink was down and is being replayed. */
  historical: z.boolean().default(false),
  points: z.array(pointTupleSchema).min(1).max(MAX_POINTS_PER_BATCH),
});
export type DataBatch = z.infer<typeof dataBatchSchema>;

/** Device reachability as the agent sees it (source connected, node readable). */
export const statusSchema = z.object({
  sessionId: sessionIdSchema,
  seq: seqSchema,
  timestamp: epochMs,
  devices: z
    .array(z.object({ id: idSchema, online: z.boolean(), reason: z.string().max(500).optional() }))
    .max(10_000),
});
export type Status = z.infer<typeof statusSchema>;

/** Published by the agent on clean shutdown, and set as its MQTT Will (so the broker says it on a crash). */
export const deathSchema = z.object({
  sessionId: sessionIdSchema,
  timestamp: epochMs.optional(),
  reason: z.enum(['shutdown', 'will']).default('will'),
});
export type Death = z.infer<typeof deathSchema>;

/** Platform → agent on xiang/v1/<f>/<a>/cmd. */
export const commandSchema = z.object({
  command: z.enum(['rebirth']),
  reason: z.string().max(500).optional(),
  requestedAt: epochMs.optional(),
});
export type Command = z.infer<typeof commandSchema>;

export const PROTOCOL_VERSION = 'xiang/v1';
