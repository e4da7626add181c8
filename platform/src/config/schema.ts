import { idSchema } from '@xiang/protocol';
import { z } from 'zod';
import { tokenWeakness } from '../auth/strength.js';
import { storeConfigSchema as storeOptionsSchema } from '../store/index.js';

/**
 * The platform's configuration — the single source of truth for the YAML file, the XIANG_* environment
 * variables (see env.ts) and docker-compose (a test checks the compose file against this schema).
 */

const urlWith = (schemes: string[]) =>
  z.string().refine(
    (s) => {
      try {
        return schemes.includes(new URL(s).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    `expected a URL with scheme ${schemes.map((s) => `${s}://`).join(' or ')}`,
  );

const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** HTTPS: the platform serves TLS itself with this certificate (PEM files). */
export const httpTlsSchema = z.object({
  certFile: z.string().min(1, 'expected a PEM certificate file (chain: leaf first)'),
  keyFile: z.string().min(1, 'expected a PEM private key file'),
  /** Passphrase of an encrypted key (env XIANG_HTTP_TLS_KEY_PASSPHRASE keeps it out of the YAML file). */
  keyPassphrase: z.string().optional(),
});

export const httpConfigSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 = any free port (tests, `npm start`). */
  port: z.number().int().min(0).max(65_535).default(8080),
  tls: httpTlsSchema.optional(),
  /**
   * Serve plain HTTP on a non-loopback address anyway — only behind a TLS-terminating reverse proxy on the
   * same host or a closed network (platform/docs/deploy.md). Without it the platform refuses to start there.
   */
  allowInsecure: z.boolean().default(false),
  /** Requests per token and failed authentications per client IP, per minute (429 beyond). */
  rateLimit: z
    .object({
      perTokenPerMinute: z.number().int().min(1).max(1_000_000).default(6000),
      authFailuresPerMinutePerIp: z.number().int().min(1).max(100_000).default(20),
    })
    .default({ perTokenPerMinute: 6000, authFailuresPerMinutePerIp: 20 }),
});

export const mqttConfigSchema = z.object({
  url: urlWith(['mqtt', 'mqtts', 'tcp', 'tls', 'ws', 'wss']).default('mqtt://127.0.0.1:1883'),
  username: z.string().optional(),
  password: z.string().optional(),
  /** Share group for `$share/<group>/xiang/v1/+/+/+` — set it when several platform instances split the load. */
  sharedGroup: idSchema.optional(),
  /** Stable id: the broker keeps the persistent session (and unacknowledged messages) under it. */
  clientId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^/+#]+$/, 'expected no "/", "+" or "#"')
    .default('xiang-platform'),
  /** MQTT 5 everywhere; 4 (3.1.1) for brokers that lack 5, such as the embedded aedes broker. */
  protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
  /** How long the broker keeps the session (and queues QoS 1 messages) while the platform is away. */
  sessionExpirySec: z
    .number()
    .int()
    .min(60)
    .max(0xffffffff)
    .default(7 * 24 * 3600),
  keepaliveSec: z.number().int().min(5).max(3600).default(30),
  /** Messages the broker may send before the platform acknowledges (MQTT 5 Receive Maximum). */
  receiveMaximum: z.number().int().min(1).max(65_535).default(100),
  caFile: z.string().optional(),
});

/**
 * The store's own options (store/index.ts) minus dataDir, which is the platform's. InfluxDB when influxUrl is
 * set (`influx:` takes username, password, retention, batch sizes…), else the embedded SQLite store.
 */
export const storeConfigSchema = storeOptionsSchema
  .omit({ dataDir: true })
  .extend({ influxUrl: urlWith(['http', 'https']).optional() });

const MiB = 1024 * 1024;
const count = (max: number, dflt: number) => z.number().int().min(1).max(max).default(dflt);

/**
 * Per-agent and per-factory bounds on what one publisher can make the platform do. Each is checked before the
 * work is done; a message over a bound is refused whole with its own reason (counted, dead-lettered).
 */
export const ingestLimitsSchema = z.object({
  /** A birth larger than this is refused before it is parsed (`birthTooLarge`). */
  maxBirthBytes: count(64 * MiB, 4 * MiB),
  /** Metrics one birth may declare (`tooManyMetrics`). */
  maxMetricsPerBirth: count(100_000, 20_000),
  /** Length of a device-local metric key such as "voltage.L1" (`metricKeyTooLong`). */
  maxMetricKeyLength: count(1024, 128),
  /** Devices one agent may own (`tooManyDevices`). */
  maxDevicesPerAgent: count(100_000, 2_000),
  /** Devices of all agents of one factory (`tooManyDevices`). */
  maxDevicesPerFactory: count(1_000_000, 20_000),
  /** Agents one factory may have (`tooManyAgents`). */
  maxAgentsPerFactory: count(100_000, 500),
  /** Series (metric indices) an agent's births may add per minute (`seriesRateExceeded`). */
  newSeriesPerMinutePerAgent: count(1_000_000, 20_000),
  /** Series all agents of a factory may add per minute (`seriesRateExceeded`). */
  newSeriesPerMinutePerFactory: count(10_000_000, 50_000),
  /** Parked payload bytes per agent; a batch that does not fit is dead-lettered (`parkOverflow`). */
  maxParkedBytesPerAgent: count(4096 * MiB, 32 * MiB),
  /** Parked payload bytes per factory (`parkOverflow`). */
  maxParkedBytesPerFactory: count(16_384 * MiB, 128 * MiB),
  /** Session rows (dedupe state) kept per agent; the least recently used beyond it are forgotten. */
  maxSessionsPerAgent: count(100_000, 50),
  /**
   * Per-agent ingest budget (ingest/agent-rate.ts): points/s and data messages/s, with `agentBurstSeconds` of
   * each as burst. Over it an agent's next message waits (its PUBACK with it) — nothing is refused or lost,
   * other agents go on. Enforced where the platform holds the agent's PUBACK: the embedded broker's hand-off.
   */
  agentPointsPerSecond: count(100_000_000, 200_000),
  agentMessagesPerSecond: count(1_000_000, 2_000),
  agentBurstSeconds: count(3600, 10),
});
export type IngestLimits = z.infer<typeof ingestLimitsSchema>;

export const ingestConfigSchema = z.object({
  /**
   * false (default): a factory exists only once an admin created it (`POST /api/v1/factories`); messages for
   * any other factory are dead-lettered as `unknownFactory`. true: an agent's first birth creates it.
   */
  autoRegisterFactories: z.boolean().default(false),
  /**
   * true (default): any agent may join an existing (or auto-registered) factory by its first birth, and a
   * device then belongs to whichever agent the platform heard declare it first — so a platform started
   * after its agents can be pre-empted by any client allowed to publish under another agent id (soak seed
   * 258791). false: only agents an admin registered (`xiang factory agent <f> <a>`,
   * `POST /api/v1/factories/{id}/agents`) or that had a birth accepted earlier may publish; every message
   * of any other agent is dead-lettered as `unknownAgent` before it is parsed.
   */
  autoRegisterAgents: z.boolean().default(true),
  limits: ingestLimitsSchema.default(ingestLimitsSchema.parse({})),
  /** Messages parked while their session's birth is missing (durable; beyond it a batch is dead-lettered). */
  parkMaxMessages: z.number().int().min(1).max(1_000_000).default(10_000),
  deadLetterMaxRows: z.number().int().min(10).max(10_000_000).default(10_000),
  /** Raw payload kept per dead letter, bytes. */
  deadLetterPayloadBytes: z.number().int().min(64).max(1_048_576).default(16_384),
  /** Minimum time between two rebirth commands to one agent. */
  rebirthMinIntervalMs: z.number().int().min(0).max(3_600_000).default(10_000),
  /** At most this many rebirth commands to one agent per minute, whatever arrives on its topics. */
  rebirthMaxPerMinute: z.number().int().min(1).max(600).default(6),
  /**
   * How long a sequence hole or an unknown session may persist before a rebirth is requested. With a shared
   * subscription a sibling instance may hold the missing message, so a grace period avoids false alarms.
   */
  gapGraceMs: z.number().int().min(0).max(600_000).optional(),
  /** Points stamped further than this in the future are rejected (clock errors). */
  maxFutureSkewMs: z
    .number()
    .int()
    .min(0)
    .default(24 * 3600 * 1000),
  maxPayloadBytes: z
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
});

/**
 * What a PUBACK (and every other commit) survives. `process` (default): SQLite synchronous=NORMAL in WAL mode —
 * a crash of the platform process loses nothing it committed; an OS crash or power cut may lose the last
 * commits (the WAL frames not yet fsynced) although their messages were acknowledged. `power`:
 * synchronous=FULL for the registry, the embedded store and the InfluxDB sidecar journal — every commit is
 * fsynced before it returns, so nothing acknowledged is lost to a power cut either, at the cost measured in
 * platform/docs/ingest.md.
 */
export const durabilitySchema = z.enum(['process', 'power']);
export type Durability = z.infer<typeof durabilitySchema>;

/**
 * Sparkplug B ingest (platform/src/sparkplug/README.md): off by default. Subscribes `spBv1.0/<group>/#` for
 * `groups` (default: the groups the mapping file names) on the ingest connection.
 */
export const sparkplugConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** YAML mapping of groups/edge nodes/devices/metrics to factories/agents/devices/metrics. */
    mappingFile: z.string().min(1).optional(),
    /** Sparkplug group ids to subscribe, or "+" for all (unmapped groups are then dead-lettered). */
    groups: z
      .array(z.string().regex(/^(\+|[^/+#]+)$/, 'expected a group id without "/", "+" or "#", or "+"'))
      .max(1000)
      .optional(),
    /** Minimum time between two rebirth requests (NCMD) to one edge node. */
    rebirthMinIntervalMs: z.number().int().min(0).max(3_600_000).default(10_000),
    /**
     * Sparkplug Host Application id: when set, the platform is a Primary Host Application and publishes its
     * STATE (`spBv1.0/STATE/<hostId>`, retained, Will = offline) so edge nodes that wait for it send births.
     */
    hostId: z
      .string()
      .regex(/^[^/+#]{1,64}$/, 'expected 1–64 characters without "/", "+" or "#"')
      .optional(),
  })
  .refine((c) => !c.enabled || c.mappingFile !== undefined, {
    message: 'required when sparkplug.enabled is true',
    path: ['mappingFile'],
  });

/**
 * Where the platform's state lives (registry, sessions, parked data, dead letters, tokens, diagnosis runs):
 * `sqlite` = platform.db in the data dir (one instance per data dir); `postgres` = one PostgreSQL database shared
 * by any number of stateless instances (scale-out; see platform/docs/deploy.md). Credentials may also come from
 * libpq's PGPASSWORD / PGPASSFILE instead of the URL.
 */
export const repositoryConfigSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('sqlite') }).strict(),
    z
      .object({
        kind: z.literal('postgres'),
        url: urlWith(['postgres', 'postgresql']),
        /** A query not answered within this time fails (the instance then reports itself not ready). */
        queryTimeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
      })
      .strict(),
  ])
  .default({ kind: 'sqlite' });

export const platformConfigSchema = z.object({
  durability: durabilitySchema.default('process'),
  http: httpConfigSchema.default(httpConfigSchema.parse({})),
  mqtt: mqttConfigSchema.default(mqttConfigSchema.parse({})),
  store: storeConfigSchema.default(storeConfigSchema.parse({})),
  ingest: ingestConfigSchema.default(ingestConfigSchema.parse({})),
  sparkplug: sparkplugConfigSchema.default(sparkplugConfigSchema.parse({})),
  repository: repositoryConfigSchema,
  /** Registry (with the sqlite repository), embedded store, the InfluxDB store's write-ahead backlog. */
  dataDir: z.string().min(1).default('./data'),
  /**
   * Bootstrap admin token; when unset one is generated once, kept and printed only then. Checked for strength
   * (auth/strength.ts): 24 repeated characters are refused, with the reason. Removing it revokes it.
   */
  adminToken: z
    .string()
    .superRefine((t, ctx) => {
      const why = tokenWeakness(t);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    })
    .optional(),
  logLevel: logLevelSchema.default('info'),
  /**
   * Worker threads for heavy pure computations (diagnose(), report HTML, grading indicators), so they do not
   * stall request handling and ingest; 0 runs them on the event loop. One suits a 2-core host.
   */
  computeWorkers: z.number().int().min(0).max(32).default(1),
});
export type PlatformConfig = z.infer<typeof platformConfigSchema>;
export type PlatformConfigInput = z.input<typeof platformConfigSchema>;
export type MqttConfig = z.infer<typeof mqttConfigSchema>;
export type IngestConfig = z.infer<typeof ingestConfigSchema>;
export type StoreConfig = z.infer<typeof storeConfigSchema>;
export type HttpConfig = z.infer<typeof httpConfigSchema>;
export type RepositoryConfig = z.infer<typeof repositoryConfigSchema>;
export type SparkplugConfig = z.infer<typeof sparkplugConfigSchema>;
