import type { Logger } from 'pino';
import type { Registry as PromRegistry } from 'prom-client';
import type { MqttConfig, SparkplugConfig } from '../config/schema.js';
import type { IngestProcessor, IngestRoute } from '../ingest/index.js';
import { HostState } from './host-state.js';
import { loadMappingFile, type SparkplugMapping } from './mapping.js';
import { sparkplugMetrics } from './metrics.js';
import { SparkplugIngest } from './sparkplug-ingest.js';
import { SPARKPLUG_NAMESPACE } from './topic.js';

export { HostState, statePayload, stateTopic } from './host-state.js';
export {
  loadMappingFile,
  matches,
  parseMapping,
  type SparkplugMapping,
  sparkplugMappingSchema,
} from './mapping.js';
export { SparkplugIngest } from './sparkplug-ingest.js';

/**
 * The groups to subscribe: configured, else those the mapping names exactly — or all (`+`) when a mapping
 * entry is a pattern. A message of a subscribed group the mapping does not map is dead-lettered.
 */
export function subscribedGroups(mapping: SparkplugMapping, configured?: readonly string[]): string[] {
  if (configured && configured.length > 0) return [...new Set(configured)];
  const names = mapping.groups.map((g) => g.group);
  if (names.some((n) => /[*?]/.test(n))) return ['+'];
  return [...new Set(names)];
}

export type SparkplugPlugin = {
  mapping: SparkplugMapping;
  filters: string[];
  /** Routes for createIngest's `extraRoutes`: one per subscribed group, all into one SparkplugIngest. */
  routes: (p: {
    processor: IngestProcessor;
    publish: (topic: string, payload: Uint8Array) => void;
  }) => IngestRoute[];
  /** Set once the routes are built. */
  ingest: () => SparkplugIngest | undefined;
  /** With `hostId`: connects as the Primary Host Application and publishes STATE (host-state.ts). */
  startHost: (p: { mqtt: MqttConfig; ingestReady: () => boolean }) => void;
  /** Publishes STATE offline and disconnects (graceful), or drops the connection so the Will fires (crash). */
  stopHost: (crash?: boolean) => Promise<void>;
};

/** Reads the mapping file (throws on an invalid one: the platform does not start half-configured). */
export function createSparkplug(
  config: SparkplugConfig,
  o: { log: Logger; promRegistry?: PromRegistry; mapping?: SparkplugMapping },
): SparkplugPlugin {
  const mapping = o.mapping ?? loadMappingFile(config.mappingFile as string);
  const filters = subscribedGroups(mapping, config.groups).map((g) => `${SPARKPLUG_NAMESPACE}/${g}/#`);
  let ingest: SparkplugIngest | undefined;
  let host: HostState | undefined;
  const metrics = sparkplugMetrics(o.promRegistry, () => ingest?.liveNodes ?? 0);
  o.log.info({ filters, groups: mapping.groups.length }, 'sparkplug B ingest enabled');
  return {
    mapping,
    filters,
    ingest: () => ingest,
    startHost: ({ mqtt, ingestReady }) => {
      if (!config.hostId || host) return;
      host = new HostState(
        {
          url: mqtt.url,
          ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
          ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
          ...(mqtt.caFile ? { caFile: mqtt.caFile } : {}),
          clientId: `${mqtt.clientId}-spb-host`.slice(0, 128),
          protocolVersion: mqtt.protocolVersion,
          hostId: config.hostId,
          ingestReady,
        },
        o.log,
      );
      host.start();
    },
    stopHost: async (crash = false) => {
      const h = host;
      host = undefined;
      if (h) await (crash ? h.abort() : h.stop());
    },
    routes: ({ processor, publish }) => {
      const spb = new SparkplugIngest({
        processor,
        publish,
        mapping,
        rebirthMinIntervalMs: config.rebirthMinIntervalMs,
        metrics,
      });
      ingest = spb;
      return filters.map((filter) => ({ filter, handleBatch: (msgs) => spb.handleBatch(msgs) }));
    },
  };
}
