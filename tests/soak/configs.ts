import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { openPlatformDb } from '../../platform/src/registry/db.js';
import { Registry } from '../../platform/src/registry/registry.js';
import { ROOT } from './procs.js';

const EXAMPLE = path.join(ROOT, 'edge-agent/examples/simulator.yaml');

/** The topic new MQTT devices appear on: `soakdev/<factoryId>/<deviceId>` with `{ ts, v }`. */
export const newDeviceTopic = (factoryId: string, deviceId: string) => `soakdev/${factoryId}/${deviceId}`;

type AnyRecord = Record<string, unknown>;

/**
 * The shipped simulator agent config (edge-agent/examples/simulator.yaml), re-pointed for one schedule:
 * uplink through the ack proxy, MQTT sources straight to the broker, every `nodeStride`-th OPC UA node
 * (fewer values, same variety: meters, counters, machine states), small batches (many messages, many seq
 * numbers per second), and one more subscription without an allow-list on which new devices appear.
 */
export async function writeAgentConfig(
  file: string,
  o: {
    factoryId: string;
    agentId: string;
    dataDir: string;
    uplinkUrl: string;
    brokerUrl: string;
    protocolVersion: 4 | 5;
    opcuaEndpoint: string;
    nodeStride: number;
  },
): Promise<void> {
  const raw = parse(readFileSync(EXAMPLE, 'utf8')) as AnyRecord;
  raw.factoryId = o.factoryId;
  raw.agentId = o.agentId;
  raw.dataDir = o.dataDir;
  raw.logLevel = 'warn';
  raw.uplink = {
    url: o.uplinkUrl,
    protocolVersion: o.protocolVersion,
    clientId: `soak-agent-${o.factoryId}`,
    reconnect: { initialDelayMs: 200, maxDelayMs: 1500 },
  };
  raw.health = { host: '127.0.0.1', port: 0, logIntervalS: 0 };
  raw.batching = { maxPoints: 200, maxDelayMs: 200 };
  for (const src of raw.sources as AnyRecord[]) {
    if (src.type === 'opcua') {
      src.endpoint = o.opcuaEndpoint;
      src.defaults = { ...(src.defaults as AnyRecord), queueSize: 2000 };
      src.nodes = (src.nodes as unknown[]).filter((_, i) => i % o.nodeStride === 0);
      src.reconnect = { initialDelayMs: 200, maxDelayMs: 1500 };
      continue;
    }
    src.broker = {
      ...(src.broker as AnyRecord),
      url: o.brokerUrl,
      protocolVersion: o.protocolVersion,
      clientId: `soak-agent-src-${o.factoryId}`,
    };
    (src.subscriptions as AnyRecord[]).push({
      topic: `soakdev/${o.factoryId}/+device`,
      deviceId: '{device}',
      timestamp: { path: '$.ts', format: 'epochMs' },
      device: { kind: 'sensor', assetPath: 'WS1' },
      values: [{ path: '$.v', key: 'level', quantity: 'other', unit: '1' }],
    });
  }
  await writeFile(file, stringify(raw));
}

/** `xiang serve` config for one schedule: fixed HTTP port, its own MQTT client id, data dir and database. */
export async function writePlatformConfig(
  file: string,
  o: {
    httpPort: number;
    brokerUrl: string;
    protocolVersion: 4 | 5;
    clientId: string;
    dataDir: string;
    adminToken: string;
    influx?: { url: string; database: string };
  },
): Promise<void> {
  const cfg: AnyRecord = {
    http: { host: '127.0.0.1', port: o.httpPort },
    mqtt: { url: o.brokerUrl, clientId: o.clientId, protocolVersion: o.protocolVersion },
    dataDir: o.dataDir,
    adminToken: o.adminToken,
    logLevel: 'warn',
    // As an admin deploys it: the factory and its agents are registered before anything runs
    // (registerSoakAgents), and nobody else may publish — with open enrolment a client publishing under
    // another agent id before the platform first heard the real agent took the agent's devices (seed 258791).
    ingest: { rebirthMinIntervalMs: 1000, autoRegisterFactories: false, autoRegisterAgents: false },
  };
  if (o.influx) {
    // The soak's source timestamps lie days back; raw retention must not expire them mid-run.
    cfg.store = {
      influxUrl: o.influx.url,
      database: o.influx.database,
      influx: { retention: { raw: 'INF' } },
    };
  }
  await writeFile(file, stringify(cfg));
}

/**
 * What the admin does before the platform or the agent runs (`xiang factory create` / `xiang factory agent`
 * on the data dir): creates the schedule's factory and registers its agents — the real agent and the
 * bad-input agent, whose malformed messages must be rejected for what they are. The forger is not registered.
 */
export function registerSoakAgents(platformDataDir: string, factoryId: string, agentIds: string[]): void {
  const db = openPlatformDb(path.join(platformDataDir, 'platform.db'));
  try {
    const registry = new Registry(db);
    registry.createFactory({ id: factoryId });
    for (const a of agentIds) registry.registerAgent(factoryId, a);
  } finally {
    db.close();
  }
}
