import pino, { type Logger } from 'pino';
import { BirthMetricTable } from './birth-metrics.js';
import { pickDeviceMeta } from './config/model.js';
import type { AgentConfig, DeviceMeta } from './config/schema.js';
import { prometheusText, statusReport } from './health/report.js';
import { startHealthServer } from './health/server.js';
import { Stats } from './health/stats.js';
import { Pipeline } from './pipeline.js';
import { openAgentDb } from './queue/db.js';
import { BatchQueue } from './queue/queue.js';
import { createSource, sourcePlugins } from './sources/registry.js';
import type { Source } from './sources/types.js';
import { Uplink } from './uplink/uplink.js';

export type AgentOptions = {
  logger?: Logger;
  /** Clock for readings of protocols without timestamps (Modbus, DL/T 645); default Date.now. */
  now?: () => number;
};

export type Agent = {
  /** Flushes, publishes an explicit death, closes sources and the database. */
  stop(): Promise<void>;
  /** Crash-like stop (tests): no flush of the batch being collected, no death message, socket dropped. */
  abort(): Promise<void>;
  stats(): ReturnType<typeof statusReport>;
  /** Per metric name: values taken into the queue and values dropped by its bounds (life of the data dir). */
  metricCounts(): Record<string, { takenIn: number; dropped: number }>;
  metricIndex(name: string): number | undefined;
  /** Forces the batch being collected into the queue now. */
  flush(): void;
  healthUrl: string | null;
  uplink: Uplink;
  sources: Source[];
  config: AgentConfig;
};

export async function startAgent(config: AgentConfig, opts: AgentOptions = {}): Promise<Agent> {
  const log =
    opts.logger ??
    pino({ level: config.logLevel, base: { agent: config.agentId, factory: config.factoryId } });
  for (const p of sourcePlugins) p.useLogger?.(log);
  const stats = new Stats();
  const db = openAgentDb(config.dataDir);
  const queue = new BatchQueue(
    db,
    { maxBytes: config.queue.maxBytes, maxAgeMs: config.queue.maxAgeHours * 3_600_000 },
    (e) => {
      stats.queue.droppedBatches += e.batches;
      stats.queue.droppedPoints += e.points;
      if (e.reason === 'size') stats.queue.droppedBySize += e.points;
      else stats.queue.droppedByAge += e.points;
      log.warn({ ...e, queue: queue.depth() }, `queue bound reached (${e.reason}): oldest batches dropped`);
    },
  );
  const metrics = new BirthMetricTable(db, queue);
  const declared = new Map<string, DeviceMeta>(config.devices.map((d) => [d.id, pickDeviceMeta(d)]));
  const pipeline = new Pipeline(config, metrics, queue, stats, log, declared);
  const uplink = new Uplink({
    config,
    queue,
    metrics,
    devices: () => pipeline.wireDevices(),
    deviceStatus: () => pipeline.allStatus(),
    stats,
    log,
  });
  pipeline.uplink = uplink;

  const sources: Source[] = [];
  try {
    for (const sc of config.sources) {
      sources.push(
        createSource(sc, {
          sink: pipeline,
          stats: stats.source(sc.name, sc.type),
          log,
          devices: declared,
          identity: { factoryId: config.factoryId, agentId: config.agentId },
          now: opts.now ?? Date.now,
        }),
      );
    }
  } catch (e) {
    db.close();
    throw e;
  }
  // Age bounds must bite even when nothing new is queued (a long outage with a dead source).
  const boundsTimer = setInterval(() => {
    queue.enforceBounds(Date.now(), uplink.inflightIds());
    if (metrics.releaseStale()) uplink.requestBirth('devices removed from the config: their backlog is sent');
  }, 60_000);
  boundsTimer.unref();
  queue.enforceBounds(Date.now());
  uplink.start();
  for (const s of sources) await s.start();

  const report = () => statusReport(stats, queue.depth(), metrics.size());
  let health: { url: string; close: () => Promise<void> } | null = null;
  if (config.health.enabled) {
    health = await startHealthServer(config.health.host, config.health.port, {
      status: report,
      metrics: () => prometheusText(stats, queue.depth()),
      healthy: () => stats.uplink.connected || queue.depth().bytes < config.queue.maxBytes,
    });
    log.info({ url: health.url }, 'health endpoint listening');
  }
  const logTimer =
    config.health.logIntervalS > 0
      ? setInterval(() => {
          const r = report();
          log.info(
            {
              valuesRead: r.valuesRead,
              valuesQueued: r.valuesQueued,
              valuesPublished: r.valuesPublished,
              valuesDropped: r.valuesDropped,
              queue: r.queue,
              uplinkConnected: r.uplink.connected,
              sources: r.sources.map((s) => ({
                name: s.name,
                connected: s.connected,
                read: s.valuesRead,
                rejected: s.rejected,
                lastError: s.lastError,
              })),
            },
            'agent health',
          );
        }, config.health.logIntervalS * 1000)
      : null;
  logTimer?.unref();

  let stopped = false;
  let finalCounts: Map<number, { takenIn: number; dropped: number }> | null = null;
  const shutdown = async (clean: boolean) => {
    if (stopped) return;
    stopped = true;
    clearInterval(boundsTimer);
    if (logTimer) clearInterval(logTimer);
    await Promise.all(
      sources.map((s) => s.stop().catch((e) => log.warn({ err: String(e) }, 'source stop failed'))),
    );
    if (clean) {
      pipeline.stop();
      await uplink.stop();
    } else uplink.abort();
    await health?.close();
    finalCounts = queue.metricCounts();
    db.close();
    log.info({ clean }, 'agent stopped');
  };

  return {
    stop: () => shutdown(true),
    abort: () => shutdown(false),
    stats: report,
    metricCounts: () => {
      const out: Record<string, { takenIn: number; dropped: number }> = {};
      for (const [idx, c] of finalCounts ?? queue.metricCounts()) out[metrics.nameOf(idx) ?? `#${idx}`] = c;
      return out;
    },
    metricIndex: (name) => metrics.indexOf(name),
    flush: () => pipeline.flush(),
    healthUrl: health?.url ?? null,
    uplink,
    sources,
    config,
  };
}
