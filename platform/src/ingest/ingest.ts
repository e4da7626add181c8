import { type Command, UPLINK_FILTER } from '@xiang/protocol';
import type { Logger } from 'pino';
import type { Registry as PromRegistry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { IngestConfig, MqttConfig } from '../config/schema.js';
import type { Registry } from '../registry/registry.js';
import type { TimeSeriesStore } from '../store/types.js';
import { AgentRateLimiter } from './agent-rate.js';
import { Budgets } from './budgets.js';
import { DeadLetterStore } from './dead-letters.js';
import { IngestHandoff, serially } from './handoff.js';
import { type IngestRoute, MqttIngest } from './mqtt-ingest.js';
import { ParkingLot } from './parking.js';
import { IngestProcessor } from './processor.js';
import { RebirthScheduler, type Suspicion } from './rebirth.js';
import { SessionTracker } from './sessions.js';
import { IngestCounters } from './stats.js';

export type IngestOptions = {
  registry: Registry;
  store: TimeSeriesStore;
  log: Logger;
  mqtt: MqttConfig;
  ingest: IngestConfig;
  promRegistry?: PromRegistry;
  /** false = processor only (tests that feed messages directly, or an API-only platform). */
  connect?: boolean;
  /** Clock (tests). */
  now?: () => number;
  /**
   * Routes of other protocols (Sparkplug B) on the same connection and acknowledgement path, built with the
   * processor they translate into and a QoS 0 publisher (e.g. rebirth requests).
   */
  extraRoutes?: (p: {
    processor: IngestProcessor;
    publish: (topic: string, payload: Uint8Array) => void;
  }) => IngestRoute[];
  /** Also called with every command sent (tests without a broker). */
  onCommand?: (factoryId: string, agentId: string, cmd: Command) => void;
};

export type Ingest = {
  processor: IngestProcessor;
  mqtt: MqttIngest | null;
  counters: IngestCounters;
  deadLetters: DeadLetterStore;
  parking: ParkingLot;
  sessions: SessionTracker;
  /** Messages handed over by a broker in this process (the embedded one), acknowledged once durable. */
  handoff: IngestHandoff;
  /** Connected and subscribed (true when MQTT is off). */
  ready(): boolean;
  /** Finishes the message in hand, acknowledges it, disconnects. */
  stop(): Promise<void>;
  /** Crash simulation: disconnects at once, acknowledging nothing further. */
  abort(): Promise<void>;
};

/** Wires the ingest parts over the platform's SQLite file and the time-series store. */
export function createIngest(o: IngestOptions): Ingest {
  const db = o.registry.db;
  const log = o.log.child({ component: 'ingest' });
  const counters = new IngestCounters(db, o.promRegistry);
  const deadLetters = new DeadLetterStore(db, {
    maxRows: o.ingest.deadLetterMaxRows,
    payloadBytes: o.ingest.deadLetterPayloadBytes,
  });
  const limits = o.ingest.limits;
  const sessions = new SessionTracker(db, limits.maxSessionsPerAgent);
  const parking = new ParkingLot(db, {
    maxMessages: o.ingest.parkMaxMessages,
    maxBytesPerAgent: limits.maxParkedBytesPerAgent,
    maxBytesPerFactory: limits.maxParkedBytesPerFactory,
  });
  let mqtt: MqttIngest | null = null;

  const stillHolds = (f: string, a: string, s: Suspicion): string | null => {
    if (s.kind === 'unbornSession') {
      if (sessions.birthSeen(f, a, s.sessionId)) return null;
      // The agent was born since this session first spoke: it answered, and did not claim this session.
      const first = Math.min(s.sinceMs, ...parking.receivedAt(f, a, s.sessionId));
      if (rebirth.lastBirthAtMs(f, a) >= first) return null;
      return `messages of session ${s.sessionId} arrived without its birth`;
    }
    if (o.registry.agent(f, a)?.currentSessionId !== s.sessionId) return null;
    const missing = sessions.firstMissing(f, a, s.sessionId);
    return missing === null ? null : `sequence gap in session ${s.sessionId}: seq ${missing} missing`;
  };
  const rebirth: RebirthScheduler = new RebirthScheduler({
    db,
    // One subscriber sees an agent's messages in order, so a hole is a hole at once; with a shared
    // subscription a sibling may be handling the missing message right now.
    graceMs: o.ingest.gapGraceMs ?? (o.mqtt.sharedGroup ? 3000 : 0),
    minIntervalMs: o.ingest.rebirthMinIntervalMs,
    maxPerMinute: o.ingest.rebirthMaxPerMinute,
    stillHolds,
    publish: (f, a, reason) => {
      counters.addNow('rebirthsRequested');
      log.info({ factoryId: f, agentId: a, reason }, 'requesting rebirth');
      const cmd: Command = { command: 'rebirth', reason, requestedAt: Date.now() };
      mqtt?.publishCommand(f, a, cmd);
      o.onCommand?.(f, a, cmd);
    },
    onError: (e, f, a) =>
      log.error({ factoryId: f, agentId: a, err: e }, 'rebirth check failed; trying again later'),
    ...(o.now ? { now: o.now } : {}),
  });

  const processor = new IngestProcessor({
    registry: o.registry,
    store: o.store,
    log,
    counters,
    deadLetters,
    sessions,
    parking,
    rebirth,
    budgets: new Budgets(db),
    limits,
    autoRegisterFactories: o.ingest.autoRegisterFactories,
    autoRegisterAgents: o.ingest.autoRegisterAgents,
    maxFutureSkewMs: o.ingest.maxFutureSkewMs,
    maxPayloadBytes: o.ingest.maxPayloadBytes,
    ...(o.now ? { now: o.now } : {}),
  });

  if (o.promRegistry) {
    new Gauge({
      name: 'xiang_ingest_parked_batches',
      help: 'Batches parked while waiting for their agent birth',
      registers: [o.promRegistry],
      collect() {
        this.set(parking.count());
      },
    });
    new Gauge({
      name: 'xiang_ingest_parked_bytes',
      help: 'Bytes of point data parked while waiting for their session birth',
      registers: [o.promRegistry],
      collect() {
        this.set(parking.bytes());
      },
    });
    new Gauge({
      name: 'xiang_ingest_dead_letters',
      help: 'Rows in the dead-letter store',
      registers: [o.promRegistry],
      collect() {
        this.set(deadLetters.count());
      },
    });
  }

  // Each protocol is one route (filter + handler); Sparkplug B will be a second entry here. Routes run one
  // batch at a time whoever feeds them (the MQTT subscription, a broker's hand-off).
  const serial = serially();
  // Batches handed to the processor and the messages in them: their ratio is the mean group-commit size.
  const groups = o.promRegistry
    ? {
        batches: new Counter({
          name: 'xiang_ingest_batches_total',
          help: 'Batches of messages made durable together (group commit)',
          registers: [o.promRegistry],
        }),
        messages: new Counter({
          name: 'xiang_ingest_batched_messages_total',
          help: 'Messages in those batches',
          registers: [o.promRegistry],
        }),
      }
    : null;
  const routes: IngestRoute[] = [
    {
      filter: UPLINK_FILTER,
      handleBatch: (m: Parameters<IngestProcessor['handleBatch']>[0]) => {
        groups?.batches.inc();
        groups?.messages.inc(m.length);
        return serial(() => processor.handleBatch(m));
      },
    },
    ...(o.extraRoutes?.({ processor, publish: (t, p) => mqtt?.publish(t, p) }) ?? []).map((r) => ({
      filter: r.filter,
      handleBatch: (m: Parameters<IngestRoute['handleBatch']>[0]) => serial(() => r.handleBatch(m)),
    })),
  ];
  const handoff = new IngestHandoff(routes, log, new AgentRateLimiter(limits, o.promRegistry));
  if (o.connect !== false) {
    mqtt = new MqttIngest(
      routes,
      {
        url: o.mqtt.url,
        username: o.mqtt.username,
        password: o.mqtt.password,
        clientId: o.mqtt.clientId,
        sharedGroup: o.mqtt.sharedGroup,
        protocolVersion: o.mqtt.protocolVersion,
        sessionExpirySec: o.mqtt.sessionExpirySec,
        keepaliveSec: o.mqtt.keepaliveSec,
        receiveMaximum: o.mqtt.receiveMaximum,
        maxPayloadBytes: o.ingest.maxPayloadBytes,
        caFile: o.mqtt.caFile,
      },
      log,
    );
    mqtt.start();
  }

  return {
    processor,
    mqtt,
    counters,
    deadLetters,
    parking,
    sessions,
    handoff,
    ready: () => mqtt?.ready ?? true,
    stop: async () => {
      rebirth.close();
      await handoff.close();
      await mqtt?.stop();
    },
    abort: async () => {
      rebirth.close();
      void handoff.close();
      await mqtt?.abort();
    },
  };
}
