import { sourcePlugins } from '../sources/registry.js';
import type { Stats } from './stats.js';

export type QueueDepth = { batches: number; points: number; bytes: number };

/** The JSON served at /status and logged periodically. */
export function statusReport(stats: Stats, queue: QueueDepth, metricCount: number) {
  return {
    uptimeS: Math.round((Date.now() - stats.startedAt) / 1000),
    valuesRead: [...stats.sources.values()].reduce((a, s) => a + s.valuesRead, 0),
    valuesQueued: stats.valuesQueued,
    valuesPublished: stats.uplink.publishedPoints,
    valuesDropped: stats.queue.droppedPoints,
    metrics: metricCount,
    queue: { ...queue, ...stats.queue },
    uplink: { ...stats.uplink },
    rejected: stats.rejected,
    sources: [...stats.sources.values()].map((s) => ({ ...s })),
  };
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus text exposition format 0.0.4. */
export function prometheusText(stats: Stats, queue: QueueDepth): string {
  const lines: string[] = [];
  const metric = (
    name: string,
    type: 'counter' | 'gauge',
    help: string,
    samples: Array<[Record<string, string>, number]>,
  ) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) {
      const l = Object.entries(labels)
        .map(([k, x]) => `${k}="${esc(x)}"`)
        .join(',');
      lines.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
  };
  const srcs = [...stats.sources.values()];
  metric(
    'xiang_edge_values_read_total',
    'counter',
    'Values received from sources',
    srcs.map((s) => [{ source: s.name }, s.valuesRead]),
  );
  metric(
    'xiang_edge_values_bad_total',
    'counter',
    'Values with Bad quality (forwarded)',
    srcs.map((s) => [{ source: s.name }, s.valuesBad]),
  );
  metric(
    'xiang_edge_values_uncertain_total',
    'counter',
    'Values with Uncertain quality (forwarded)',
    srcs.map((s) => [{ source: s.name }, s.valuesUncertain]),
  );
  metric(
    'xiang_edge_source_connected',
    'gauge',
    '1 when the source is connected',
    srcs.map((s) => [{ source: s.name }, s.connected ? 1 : 0]),
  );
  metric(
    'xiang_edge_source_reconnections_total',
    'counter',
    'Source reconnections',
    srcs.map((s) => [{ source: s.name }, s.reconnections]),
  );
  // Figures of one source kind, declared by its plugin; a source without the figure (not available) has no sample.
  for (const plugin of sourcePlugins) {
    for (const f of plugin.health ?? []) {
      const samples: Array<[Record<string, string>, number]> = [];
      for (const s of srcs) {
        const v = s.type === plugin.type ? s.counters[f.key] : undefined;
        if (v !== undefined) samples.push([{ source: s.name }, v]);
      }
      if (samples.length > 0) metric(f.metric, f.type, f.help, samples);
    }
  }
  const rej: Array<[Record<string, string>, number]> = [];
  for (const s of srcs)
    for (const [reason, n] of Object.entries(s.rejected)) rej.push([{ source: s.name, reason }, n]);
  for (const [reason, n] of Object.entries(stats.rejected)) rej.push([{ source: '', reason }, n]);
  metric('xiang_edge_rejected_total', 'counter', 'Inputs rejected, per reason', rej);
  metric('xiang_edge_values_queued_total', 'counter', 'Values written to the store-and-forward queue', [
    [{}, stats.valuesQueued],
  ]);
  metric('xiang_edge_values_published_total', 'counter', 'Values acknowledged by the broker (PUBACK)', [
    [{}, stats.uplink.publishedPoints],
  ]);
  metric('xiang_edge_values_replayed_total', 'counter', 'Values sent as historical replay', [
    [{}, stats.uplink.replayedPoints],
  ]);
  metric('xiang_edge_values_dropped_total', 'counter', 'Values dropped by the queue bounds', [
    [{ reason: 'size' }, stats.queue.droppedBySize],
    [{ reason: 'age' }, stats.queue.droppedByAge],
  ]);
  metric('xiang_edge_queue_batches', 'gauge', 'Batches waiting in the queue', [[{}, queue.batches]]);
  metric('xiang_edge_queue_points', 'gauge', 'Values waiting in the queue', [[{}, queue.points]]);
  metric('xiang_edge_queue_bytes', 'gauge', 'Payload bytes waiting in the queue', [[{}, queue.bytes]]);
  metric('xiang_edge_uplink_connected', 'gauge', '1 when the uplink is connected', [
    [{}, stats.uplink.connected ? 1 : 0],
  ]);
  metric('xiang_edge_uplink_reconnections_total', 'counter', 'Uplink reconnections', [
    [{}, stats.uplink.reconnections],
  ]);
  metric('xiang_edge_births_total', 'counter', 'Birth messages published', [[{}, stats.uplink.births]]);
  return `${lines.join('\n')}\n`;
}
