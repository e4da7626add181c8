import {
  assetPathSchema,
  datatypeSchema,
  deviceKindSchema,
  equipmentSchema,
  idSchema,
  mediumSchema,
  meterRoleSchema,
  metricKeySchema,
  phaseSchema,
  quantitySchema,
} from '@xiang/protocol';
import { z } from 'zod';

/**
 * Building blocks shared by the agent config (config/schema.ts) and the source plugins' own schemas
 * (sources/<type>/schema.ts). Kept apart from config/schema.ts, which is assembled from the plugin list.
 */

export const fileRef = z.string().min(1, 'expected a file path');
export const positiveMs = z.number().int().min(0);

/** Device metadata; declared once per device (top-level `devices`) or on any point of that device. */
export const deviceMetaSchema = z.object({
  kind: deviceKindSchema.optional(),
  assetPath: assetPathSchema.optional(),
  name: z.string().min(1).max(200).optional(),
  medium: mediumSchema.optional(),
  meterRole: meterRoleSchema.optional(),
  parentMeter: idSchema.optional(),
  ratedPowerKw: z.number().positive().optional(),
  /** Declared equipment (class, lead/lag role, nominal voltage, operating profile, nameplate), sent in the birth. */
  equipment: equipmentSchema.optional(),
  /** Meters: devices measured directly. */
  measures: z.array(idSchema).max(1000).optional(),
});
export type DeviceMeta = z.infer<typeof deviceMetaSchema>;

/** What a value is: shared by every source's points (OPC UA nodes, MQTT values, Modbus registers, …). */
export const metricMetaSchema = z.object({
  key: metricKeySchema,
  quantity: quantitySchema,
  /** Unit the source delivers; converted to the quantity's canonical unit (see README). Omitted = canonical. */
  unit: z.string().max(16).optional(),
  datatype: datatypeSchema.optional(),
  phase: phaseSchema.optional(),
  rolloverAt: z.number().positive().optional(),
});

/** An MQTT broker connection (the uplink, MQTT device sources). */
export const brokerSchema = z.object({
  url: z
    .string()
    .regex(/^(mqtts?|wss?|tcp|tls):\/\/.+/, 'expected "mqtt://host:port" or "mqtts://host:port"'),
  username: z.string().optional(),
  password: z.string().optional(),
  clientId: z.string().min(1).max(128).optional(),
  /** MQTT 5 by default; 4 (3.1.1) for brokers without v5, such as the embedded aedes broker of `npm start`. */
  protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
  keepaliveS: z.number().int().min(1).max(65_535).default(30),
  tls: z
    .object({
      caFile: fileRef.optional(),
      certFile: fileRef.optional(),
      keyFile: fileRef.optional(),
      /** Passphrase of an encrypted keyFile — a secret field: `${ENV}` or `file:<path>` (config/secrets.ts). */
      passphrase: z.string().optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .optional(),
});
export type BrokerConfig = z.infer<typeof brokerSchema>;

/** Reconnect/retry backoff of a source connection. */
export const reconnectSchema = z
  .object({
    initialDelayMs: z.number().int().min(10).default(1000),
    maxDelayMs: z.number().int().min(10).default(30_000),
  })
  .default({ initialDelayMs: 1000, maxDelayMs: 30_000 });
