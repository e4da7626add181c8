import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AgentConfig, loadConfigFile } from '@xiang/edge-agent';
import YAML from 'yaml';
import { type AgentConfigDoc, buildAgentConfigDoc } from '../agent-config-for-scenario.js';
import type { StartClient } from './credentials.js';

const EXAMPLES = fileURLToPath(new URL('../../edge-agent/examples/', import.meta.url));

/** The factory and agent id of a scenario's agent config, without starting anything (for credentials). */
export function shippedAgentConfig(scenario: string): AgentConfigDoc | null {
  const file = path.join(EXAMPLES, `${scenario}.yaml`);
  return existsSync(file) ? (YAML.parse(readFileSync(file, 'utf8')) as AgentConfigDoc) : null;
}

/**
 * The edge agent's config for this run, written to <agentDir>/agent.yaml (mode 0600: it holds the agent's MQTT
 * password) and loaded from there like `xiang-edge run --config` would: the shipped config of the scenario
 * (edge-agent/examples/<scenario>.yaml; for a scenario without one, `xiang-edge browse` of the running
 * simulator — scripts/agent-config-for-scenario.ts), pointed at this run's simulator, broker and credentials.
 */
export async function writeAgentConfig(o: {
  scenario: string;
  agentDir: string;
  opcuaEndpoint: string;
  brokerUrl: string;
  protocolVersion: 4 | 5;
  healthPort: number;
  credentials: StartClient | null;
}): Promise<{ file: string; config: AgentConfig }> {
  const doc = shippedAgentConfig(o.scenario) ?? (await buildAgentConfigDoc(o.scenario, o.opcuaEndpoint));
  const login = o.credentials ? { username: o.credentials.username, password: o.credentials.password } : {};
  doc.dataDir = '.';
  doc.uplink = { ...doc.uplink, url: o.brokerUrl, protocolVersion: o.protocolVersion, ...login };
  doc.health = { ...doc.health, port: o.healthPort, logIntervalS: 0 };
  for (const s of doc.sources as AgentConfigDoc[]) {
    if (s.type === 'opcua') s.endpoint = o.opcuaEndpoint;
    else {
      s.broker = { ...s.broker, url: o.brokerUrl, protocolVersion: o.protocolVersion, ...login };
      // The embedded broker confines the agent to its own factory's device topics (plant/<factory>/#,
      // scripts/start/credentials.ts); a filter with a wildcard factory level would be refused as a whole.
      for (const sub of (s.subscriptions ?? []) as AgentConfigDoc[])
        sub.topic = confineToFactory(String(sub.topic), String(doc.factoryId));
    }
  }
  mkdirSync(o.agentDir, { recursive: true });
  const file = path.join(o.agentDir, 'agent.yaml');
  const header = `# Written by npm start at every start (ports change): the edge agent's config for this run.\n`;
  writeFileSync(file, header + YAML.stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
  return { file, config: loadConfigFile(file) };
}

/** `plant/+factory/utility/+device` → `plant/<factoryId>/utility/+device`: the factory level made literal. */
export function confineToFactory(topic: string, factoryId: string): string {
  return topic
    .split('/')
    .map((level) => (level === '+factory' ? factoryId : level))
    .join('/');
}
