import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';

/** Sparkplug-specific counters in /metrics; rejections are in the shared `xiang_ingest_rejected_*` ones. */
export type SparkplugMetrics = {
  messages: { inc(labels: { type: string; qos: string }): void };
  seqGaps: { inc(): void };
  outOfOrder: { inc(): void };
  rebirthRequests: { inc(labels: { result: 'sent' | 'suppressed' }): void };
  staleDeaths: { inc(): void };
};

const noop = { inc: () => {} };

export function sparkplugMetrics(reg: PromRegistry | undefined, liveNodes: () => number): SparkplugMetrics {
  if (!reg)
    return { messages: noop, seqGaps: noop, outOfOrder: noop, rebirthRequests: noop, staleDeaths: noop };
  const registers = [reg];
  new Gauge({
    name: 'xiang_sparkplug_edge_nodes',
    help: 'Sparkplug B edge nodes with a live session (NBIRTH seen, no NDEATH since) in this process',
    registers,
    collect() {
      this.set(liveNodes());
    },
  });
  return {
    messages: new Counter({
      name: 'xiang_sparkplug_messages_total',
      help: 'Sparkplug B messages received, by message type and the QoS they came with (0 = not acknowledged by anyone)',
      labelNames: ['type', 'qos'],
      registers,
    }),
    seqGaps: new Counter({
      name: 'xiang_sparkplug_seq_gaps_total',
      help: 'Sparkplug B messages whose seq skipped ahead (messages lost): a rebirth is requested',
      registers,
    }),
    outOfOrder: new Counter({
      name: 'xiang_sparkplug_out_of_order_total',
      help: 'Sparkplug B messages with a seq at or behind the last one (redelivered or reordered; still stored)',
      registers,
    }),
    rebirthRequests: new Counter({
      name: 'xiang_sparkplug_rebirth_requests_total',
      help: 'NCMD Node Control/Rebirth requests: sent, or suppressed by the per-node rate limit',
      labelNames: ['result'],
      registers,
    }),
    staleDeaths: new Counter({
      name: 'xiang_sparkplug_stale_deaths_total',
      help: 'NDEATH whose bdSeq is not that of the current NBIRTH (a superseded connection): ignored',
      registers,
    }),
  };
}
