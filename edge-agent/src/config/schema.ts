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
 * The agent's config file (YAML), validated here. This schema is the single source of truth: the types below,
 * the error messages (path + expectation) and the README's reference all come from it.
 */

const NODE_ID_RE = /^(ns=\d+;|nsu=[^;]+;)?(s=.+|i=\d+|g=[0-9a-fA-F-]{36}|b=[A-Za-z0-9+/=]+)$/;
export const nodeIdStringSchema = z
  .string()
  .regex(NODE_ID_RE, 'expected "ns=<n>;s=<id>" or "nsu=<uri>;…" (s=, i=, g= or b= identifier)');

/** Browse path relative to the Objects folder, "/" separated, each element "<nsIndex>:<BrowseName>". */
const BROWSE_PATH_RE = /^(\/[0-9]+:[^/]+)+$/;
export const browsePathSchema = z
  .string()
  .regex(BROWSE_PATH_RE, 'expected a browse path like "/2:Factory/2:WS1/2:M01/2:activePower"');

const fileRef = z.string().min(1, 'expected a file path');
const positiveMs = z.number().int().min(0);

/** Device metadata; declared once per device (top-level `devices`) or on any node of that device. */
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

export const deviceConfigSchema = deviceMetaSchema.extend({ id: idSchema });

/** What a value is: shared by OPC UA nodes and MQTT values. */
const metricMetaSchema = z.object({
  key: metricKeySchema,
  quantity: quantitySchema,
  /** Unit the source delivers; converted to the quantity's canonical unit (see README). Omitted = canonical. */
  unit: z.string().max(16).optional(),
  datatype: datatypeSchema.optional(),
  phase: phaseSchema.optional(),
  rolloverAt: z.number().positive().optional(),
});

const deadbandSchema = z.object({
  type: z.enum(['absolute', 'percent']),
  value: z.number().min(0),
});

export const opcuaNodeSchema = deviceMetaSchema
  .extend(metricMetaSchema.shape)
  .extend({
    deviceId: idSchema,
    nodeId: nodeIdStringSchema.optional(),
    browsePath: browsePathSchema.optional(),
    samplingIntervalMs: positiveMs.optional(),
    queueSize: z.number().int().min(1).max(10_000).optional(),
    deadband: deadbandSchema.optional(),
  })
  .refine((n) => (n.nodeId === undefined) !== (n.browsePath === undefined), {
    message: 'expected exactly one of nodeId or browsePath',
  });
export type OpcuaNodeConfig = z.infer<typeof opcuaNodeSchema>;

export const securityModeSchema = z.enum(['None', 'Sign', 'SignAndEncrypt']);
export const securityPolicySchema = z.enum([
  'None',
  'Basic256Sha256',
  'Aes128_Sha256_RsaOaep',
  'Aes256_Sha256_RsaPss',
]);

export const userIdentitySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('anonymous') }),
  z.object({ type: z.literal('username'), username: z.string().min(1), password: z.string() }),
  z.object({ type: z.literal('certificate'), certFile: fileRef, keyFile: fileRef }),
]);
export type UserIdentityConfig = z.infer<typeof userIdentitySchema>;

export const opcuaSourceSchema = z
  .object({
    type: z.literal('opcua'),
    name: idSchema,
    endpoint: z.string().regex(/^opc\.tcp:\/\/.+/, 'expected "opc.tcp://host:port[/path]"'),
    securityMode: securityModeSchema.default('None'),
    securityPolicy: securityPolicySchema.default('None'),
    user: userIdentitySchema.default({ type: 'anonymous' }),
    pki: z
      .object({
        /** PKI folder (own/, trusted/, rejected/); default <dataDir>/pki/<source name>. */
        dir: z.string().optional(),
        /** Accept and trust an unknown server certificate the first time it is seen (off by default). */
        trustOnFirstUse: z.boolean().default(false),
      })
      .default({ trustOnFirstUse: false }),
    defaults: z
      .object({
        samplingIntervalMs: positiveMs.default(1000),
        queueSize: z.number().int().min(1).max(10_000).default(10),
        publishingIntervalMs: z.number().int().min(10).default(1000),
      })
      .default({ samplingIntervalMs: 1000, queueSize: 10, publishingIntervalMs: 1000 }),
    reconnect: z
      .object({
        initialDelayMs: z.number().int().min(10).default(1000),
        maxDelayMs: z.number().int().min(10).default(30_000),
      })
      .default({ initialDelayMs: 1000, maxDelayMs: 30_000 }),
    nodes: z.array(opcuaNodeSchema).min(1, 'expected at least one node'),
  })
  .superRefine((s, ctx) => {
    if ((s.securityMode === 'None') !== (s.securityPolicy === 'None')) {
      ctx.addIssue({
        code: 'custom',
        path: ['securityPolicy'],
        message: `expected securityPolicy None exactly when securityMode is None (got ${s.securityMode}/${s.securityPolicy})`,
      });
    }
  });
export type OpcuaSourceConfig = z.infer<typeof opcuaSourceSchema>;

const brokerSchema = z.object({
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
      rejectUnauthorized: z.boolean().default(true),
    })
    .optional(),
});

const timestampSpecSchema = z.object({
  path: z.string().min(1),
  format: z.enum(['epochMs', 'epochS', 'iso', 'auto']).default('auto'),
});

export const mqttValueSchema = metricMetaSchema.extend({
  /** Where the value is in the payload (see README "JSON paths"). */
  path: z.string().min(1),
  /** Optional: where the payload states the value's unit; a unit other than `unit` rejects the value (wrongUnit). */
  unitPath: z.string().min(1).optional(),
  /** Optional: where the payload states an OPC UA status code for the value (omitted there = Good). */
  qualityPath: z.string().min(1).optional(),
});

export const mqttSubscriptionSchema = z.object({
  /** Topic filter; "+name" captures that level as a tag, "#" matches the rest. */
  topic: z.string().min(1),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
  /** Device id, literal or a template of topic tags: "{device}", "{line}-{device}". */
  deviceId: z.string().min(1),
  /** Where the reading time is; omitted = the time the message was received. */
  timestamp: timestampSpecSchema.optional(),
  /** Only these device ids are accepted; others are counted as unknownDevice. */
  devices: z.array(idSchema).optional(),
  /** Metadata for every device this subscription yields. */
  device: deviceMetaSchema.optional(),
  values: z.array(mqttValueSchema).min(1, 'expected at least one value'),
});
export type MqttSubscriptionConfig = z.infer<typeof mqttSubscriptionSchema>;

export const mqttSourceSchema = z.object({
  type: z.literal('mqtt'),
  name: idSchema,
  broker: brokerSchema,
  subscriptions: z.array(mqttSubscriptionSchema).min(1, 'expected at least one subscription'),
});
export type MqttSourceConfig = z.infer<typeof mqttSourceSchema>;

export const sourceSchema = z.discriminatedUnion('type', [opcuaSourceSchema, mqttSourceSchema]);
export type SourceConfig = z.infer<typeof sourceSchema>;

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
