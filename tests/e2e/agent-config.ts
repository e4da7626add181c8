import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type AgentConfig, type AgentConfigInput, validateConfig } from '@xiang/edge-agent';
import { parse } from 'yaml';

const EXAMPLE = path.resolve(import.meta.dirname, '../../edge-agent/examples/simulator.yaml');

/**
 * The shipped agent config for the tiny scenario (edge-agent/examples/simulator.yaml: every OPC UA node at
 * sampling interval 0, the MQTT devices' topics), pointed at this run's broker and OPC UA port, with a fresh
 * data dir, its own agent id and MQTT client id, MQTT 5, and no fixed health port.
 */
export function e2eAgentConfig(o: {
  name: string;
  brokerUrl: string;
  opcuaEndpoint: string;
  dataDir: string;
}): { config: AgentConfig; opcuaMetrics: string[] } {
  const raw = parse(readFileSync(EXAMPLE, 'utf8')) as AgentConfigInput;
  raw.agentId = `e2e-${o.name}`;
  raw.dataDir = o.dataDir;
  raw.logLevel = 'silent';
  raw.uplink = {
    url: o.brokerUrl,
    protocolVersion: 5,
    clientId: `xiang-edge-e2e-${o.name}`,
    reconnect: { initialDelayMs: 200, maxDelayMs: 2000 },
  };
  raw.health = { host: '127.0.0.1', port: 0, logIntervalS: 0 };
  let opcuaMetrics: string[] = [];
  for (const src of raw.sources) {
    if (src.type === 'opcua') {
      src.endpoint = o.opcuaEndpoint;
      // Every tick is delivered (sampling 0); a deep server-side queue so a stalled event loop on the
      // 2-core CI machine cannot overflow it (an overflow would lose values before the agent, not after).
      src.defaults = { ...src.defaults, queueSize: 2000 };
      opcuaMetrics = src.nodes.map((n) => `${n.deviceId}.${n.key}`);
    } else if (src.type === 'mqtt') src.broker = { ...src.broker, url: o.brokerUrl, protocolVersion: 5 };
  }
  return { config: validateConfig(raw, path.dirname(EXAMPLE), 'e2e agent config'), opcuaMetrics };
}
