import { randomUUID } from 'node:crypto';
import { type DataBatch, type PointTuple, StatusCodes, topicFor } from '@xiang/protocol';
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import { buildBirth, type MetricPreset, selectMetrics } from './birth.js';
import { GroundTruth } from './ground-truth.js';
import { Simulation } from './physics/simulation.js';
import type { Scenario } from './scenario/schema.js';

export type BackfillProgress = {
  day: number;
  days: number;
  virtualMs: number;
  batches: number;
  points: number;
  elapsedMs: number;
  pointsPerSecond: number;
};

export type BackfillOptions = {
  scenario: Scenario;
  brokerUrl: string;
  /** Simulated days to send, from the tick after the simulation's current one. */
  days: number;
  /**
   * Send through this virtual time instead (inclusive, epoch ms): a resumed history continues from the
   * simulation's current tick up to here, whatever `days` says. Nothing is sent when it is not ahead.
   */
  toMs?: number;
  /** Added to every metric index (birth and points), so a history replayed under a live agent's id keeps its own indices. */
  metricIndexOffset?: number;
  /** Stops between batches (the result then covers what was acknowledged so far). */
  signal?: AbortSignal;
  factoryId?: string;
  agentId?: string;
  startMs?: number;
  faults?: boolean;
  /** Reuse a simulation (its ground truth then covers the backfilled days). */
  simulation?: Simulation;
  /** 'energy' drops per-phase V/I/P and frequency to keep weeks of history small. */
  metrics?: MetricPreset;
  batchPoints?: number;
  /** Publishes awaiting their PUBACK at once (flow control). */
  maxInFlight?: number;
  /** MQTT 5 by default; 4 for brokers without v5 (the embedded aedes broker). */
  protocolVersion?: 4 | 5;
  username?: string;
  password?: string;
  clientId?: string;
  sessionId?: string;
  onProgress?: (p: BackfillProgress) => void;
  logger?: Logger;
};

export type BackfillResult = {
  sim: Simulation;
  truth: GroundTruth;
  sessionId: string;
  factoryId: string;
  agentId: string;
  fromMs: number;
  toMs: number;
  batches: number;
  points: number;
  lastSeq: number;
  elapsedMs: number;
};

/**
 * Produces N simulated days and publishes them as an agent replays its queue: a birth (seq 0) on
 * xiang/v1/<f>/<a>/birth, then `historical: true` data batches with increasing seq, QoS 1 over MQTT v5, at most
 * `maxInFlight` unacknowledged. Points are on-change like an OPC UA subscription (a value is sent when its value
 * or status changes; a dropped-out device says Bad once and then nothing until it is back). Covers
 * [start, start + N days]: the counters at the end time are included, so every day's consumption is complete.
 */
export async function runBackfill(opts: BackfillOptions): Promise<BackfillResult> {
  if (opts.toMs === undefined && !(opts.days > 0 && opts.days <= 400))
    throw new Error(`days must be within (0, 400], got ${opts.days}`);
  const sim =
    opts.simulation ??
    new Simulation(opts.scenario, {
      ...(opts.startMs !== undefined ? { startMs: opts.startMs } : {}),
      ...(opts.faults === false ? { faults: false } : {}),
      historyDays: Math.ceil(opts.days) + 1,
    });
  const factoryId = opts.factoryId ?? opts.scenario.factory.id;
  const agentId = opts.agentId ?? 'sim-backfill';
  const sessionId = opts.sessionId ?? randomUUID();
  const metrics = selectMetrics(sim.catalog, opts.metrics ?? 'all');
  const offset = opts.metricIndexOffset ?? 0;
  const batchPoints = opts.batchPoints ?? 5000;
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 8);
  const log = opts.logger;

  const client = await mqtt.connectAsync(opts.brokerUrl, {
    protocolVersion: opts.protocolVersion ?? 5,
    clientId: opts.clientId ?? `xiang-sim-backfill-${agentId}`,
    clean: true,
    reconnectPeriod: 0,
    ...(opts.username ? { username: opts.username, password: opts.password ?? '' } : {}),
  });
  const started = Date.now();
  const firstTick = sim.tick + 1;
  const fromMs = sim.timeOf(firstTick);
  const ticks =
    opts.toMs !== undefined
      ? Math.max(-1, Math.floor((opts.toMs - fromMs) / sim.tickMs))
      : Math.round((opts.days * 86_400) / sim.dtS);
  const toMs = sim.timeOf(firstTick + ticks);
  let seq = 0;
  let batches = 0;
  let points = 0;
  const inFlight = new Set<Promise<unknown>>();
  let failure: Error | null = null;
  // A lost connection fails the backfill at once: with reconnect off, mqtt.js would keep QoS 1 publishes
  // waiting for a PUBACK that never comes.
  const lost = new Promise<void>((resolve) =>
    client.once('close', () => {
      failure ??= new Error('the broker connection closed during the backfill');
      resolve();
    }),
  );
  const publish = async (topic: string, body: unknown) => {
    while (inFlight.size >= maxInFlight && !failure) await Promise.race([...inFlight, lost]);
    if (failure) throw failure;
    const p: Promise<unknown> = client
      .publishAsync(topic, JSON.stringify(body), { qos: 1 })
      .catch((e: Error) => {
        failure ??= new Error(`publish to ${topic} failed: ${e.message}`);
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  try {
    await publish(
      topicFor('birth', factoryId, agentId),
      buildBirth(sim.catalog, metrics, sessionId, fromMs, offset),
    );
    const dataTopic = topicFor('data', factoryId, agentId);
    const lastValue: (number | string | undefined)[] = [];
    const lastStatus: number[] = [];
    let buf: PointTuple[] = [];
    const flush = async () => {
      if (buf.length === 0) return;
      seq++;
      const batch: DataBatch = { sessionId, seq, historical: true, points: buf };
      buf = [];
      batches++;
      await publish(dataTopic, batch);
    };
    const ticksPerDay = Math.round(86_400 / sim.dtS);
    for (let n = 0; n <= ticks && !opts.signal?.aborted; n++) {
      const snap = sim.step();
      for (const m of metrics) {
        const i = m.index;
        const v = snap.values[i] as number | string;
        const st = snap.status[i] ?? 0;
        if (lastValue[i] === v && lastStatus[i] === st) continue;
        lastValue[i] = v;
        lastStatus[i] = st;
        buf.push(st === StatusCodes.Good ? [i + offset, snap.timeMs, v] : [i + offset, snap.timeMs, v, st]);
        points++;
        if (buf.length >= batchPoints) await flush();
      }
      if ((n > 0 && n % ticksPerDay === 0) || n === ticks) {
        await flush();
        const elapsedMs = Date.now() - started;
        const p: BackfillProgress = {
          day: Math.round(n / ticksPerDay),
          days: opts.days,
          virtualMs: snap.timeMs,
          batches,
          points,
          elapsedMs,
          pointsPerSecond: Math.round((points * 1000) / Math.max(1, elapsedMs)),
        };
        opts.onProgress?.(p);
        log?.info(p, 'backfill progress');
      }
    }
    await flush();
    await Promise.race([Promise.all(inFlight), lost]);
    if (failure) throw failure;
  } finally {
    await client.endAsync(true);
  }
  return {
    sim,
    truth: new GroundTruth(sim),
    sessionId,
    factoryId,
    agentId,
    fromMs,
    toMs: Math.min(toMs, sim.timeOf(sim.tick)),
    batches,
    points,
    lastSeq: seq,
    elapsedMs: Date.now() - started,
  };
}
