import { z } from 'zod';

/**
 * The step vocabulary of a fault schedule (see README.md). A schedule is plain JSON, so a failing one can be
 * printed, pasted back (`--schedule '<json>'`) and replayed. Every step is meaningful in any state: a step
 * that does not apply (start what runs, stop InfluxDB on the embedded store) is a no-op, so removing steps
 * while shrinking never makes a schedule invalid.
 */
export const badInputKinds = [
  'invalidJson',
  'schemaViolation',
  'infinity',
  'hugeTimestamp',
  'farFuture',
  'wrongType',
  'unknownIndex',
] as const;
export type BadInputKind = (typeof badInputKinds)[number];

export const stepSchema = z.discriminatedUnion('t', [
  /** Let data flow. */
  z.object({ t: z.literal('wait'), ms: z.number().int().min(0).max(60_000) }),
  /** A new MQTT device starts publishing; the agent discovers it and rebirths in its session. */
  z.object({ t: z.literal('newDevice') }),
  /** A rebirth command on the agent's cmd topic (what the platform sends on a sequence gap). */
  z.object({ t: z.literal('rebirthCmd') }),
  /** kill -9 of the edge agent; it stays down until agentStart (or the end of the schedule). */
  z.object({ t: z.literal('agentKill') }),
  z.object({ t: z.literal('agentStart') }),
  /** SIGTERM (clean stop: drain, death), then start again on the same data dir. */
  z.object({ t: z.literal('agentRestart') }),
  /** kill -9 of the platform (with the embedded broker: of broker and platform). */
  z.object({ t: z.literal('platformKill') }),
  z.object({ t: z.literal('platformStart') }),
  z.object({ t: z.literal('platformRestart') }),
  /** Broker stopped (SIGTERM, Mosquitto persists its sessions), down for downMs, started again. */
  z.object({ t: z.literal('brokerRestart'), downMs: z.number().int().min(0).max(30_000) }),
  z.object({ t: z.literal('influxStop') }),
  z.object({ t: z.literal('influxStart') }),
  /** The agent's TCP connection to the broker is cut (network blip); the agent reconnects. */
  z.object({ t: z.literal('linkCut') }),
  /** n forged data messages with a random sessionId on the agent's own topic, real metric indices. */
  z.object({ t: z.literal('forgeUnknownSession'), n: z.number().int().min(1).max(50) }),
  /** n forged data messages in the agent's previous session (after a newer birth), seq continued. */
  z.object({ t: z.literal('forgeOldSession'), n: z.number().int().min(1).max(50) }),
  /** A rogue agent id births the real agent's devices and sends forged data for them. */
  z.object({ t: z.literal('forgeOtherAgent') }),
  /** A rogue client re-publishes, byte for byte, the acknowledged data message `back` messages ago. */
  z.object({ t: z.literal('duplicate'), back: z.number().int().min(0).max(10_000) }),
  /** One malformed message from a separate (born) client; it must be rejected and counted. */
  z.object({ t: z.literal('badInput'), kind: z.enum(badInputKinds) }),
  /** The platform process frozen (SIGSTOP) and resumed (SIGCONT) in 300 ms cycles for ms: a slow consumer. */
  z.object({ t: z.literal('slowConsumer'), ms: z.number().int().min(0).max(30_000) }),
]);
export type Step = z.infer<typeof stepSchema>;
export type StepType = Step['t'];

export const storeKinds = ['embedded', 'influx'] as const;
export type StoreKind = (typeof storeKinds)[number];
export const brokerKinds = ['mosquitto', 'aedes'] as const;
export type BrokerKind = (typeof brokerKinds)[number];

export const scheduleSchema = z.object({
  seed: z.number().int(),
  store: z.enum(storeKinds),
  broker: z.enum(brokerKinds),
  /** false: the agent runs (and publishes) before the platform ever started. */
  platformFirst: z.boolean(),
  steps: z.array(stepSchema).max(1000),
});
export type Schedule = z.infer<typeof scheduleSchema>;

export function parseSchedule(json: string): Schedule {
  return scheduleSchema.parse(JSON.parse(json));
}

/** One line per schedule, short enough for a progress line. */
export function describeSteps(steps: readonly Step[]): string {
  return steps
    .map((s) => {
      if (s.t === 'wait') return `wait ${s.ms}`;
      if (s.t === 'brokerRestart') return `brokerRestart ${s.downMs}`;
      if (s.t === 'forgeUnknownSession' || s.t === 'forgeOldSession') return `${s.t}×${s.n}`;
      if (s.t === 'duplicate') return `duplicate -${s.back}`;
      if (s.t === 'badInput') return `badInput ${s.kind}`;
      if (s.t === 'slowConsumer') return `slowConsumer ${s.ms}`;
      return s.t;
    })
    .join(', ');
}
