import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfigFile } from '@xiang/edge-agent';
import { loadScenario } from '@xiang/simulators';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { envVars, loadConfig } from '../../platform/src/config/index.js';

/**
 * No Docker engine exists on our build machines, so docker-compose.yml is checked against the config schemas
 * here: services, ports, env names and the files it mounts must agree with what the code accepts.
 */
const root = path.resolve(import.meta.dirname, '../..');
type Service = {
  image?: string;
  build?: string;
  command?: string | string[];
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: string[];
};
const compose = YAML.parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const svc = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
};
const commandText = (s: Service) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));
const hostPorts = (s: Service) => (s.ports ?? []).map((p) => Number(p.split(':').at(-1)));

describe('docker-compose.yml', () => {
  it('has the five services of the stack, built from the repository Dockerfile or pinned images', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['edge-agent', 'influxdb', 'mosquitto', 'platform', 'simulators'].sort(),
    );
    expect(svc('influxdb').image).toBe('influxdb:1.8');
    expect(svc('mosquitto').image).toMatch(/^eclipse-mosquitto:2/);
    for (const n of ['platform', 'edge-agent', 'simulators']) expect(svc(n).build).toBe('.');
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    for (const ws of ['protocol', 'simulators', 'edge-agent', 'platform']) {
      expect(dockerfile).toContain(`COPY ${ws} ${ws}`);
    }
    for (const s of Object.values(compose.services)) {
      for (const dep of s.depends_on ?? []) expect(compose.services[dep], `depends_on ${dep}`).toBeDefined();
      for (const v of s.volumes ?? []) {
        const [from] = v.split(':') as [string];
        if (from.startsWith('./')) expect(existsSync(path.join(root, from)), `mounted ${from}`).toBe(true);
        else expect(compose.volumes[from], `named volume ${from}`).toBeDefined();
      }
    }
  });

  it('gives the platform only env names its config knows, and they validate against the config schema', () => {
    const p = svc('platform');
    const env = p.environment ?? {};
    const known = new Set(Object.keys(envVars));
    for (const name of Object.keys(env))
      expect(known.has(name), `env ${name} is read by the platform`).toBe(true);
    const config = loadConfig({ env });
    expect(new URL(config.mqtt.url).hostname).toBe('mosquitto');
    expect(config.mqtt.protocolVersion).toBe(5);
    expect(new URL(config.store.influxUrl ?? '').hostname).toBe('influxdb');
    expect(config.http.host).toBe('0.0.0.0');
    expect(hostPorts(p)).toContain(config.http.port);
    expect(commandText(p)).toContain('platform/bin/xiang.js serve');
    expect(hostPorts(svc('mosquitto'))).toContain(1883);
    expect(hostPorts(svc('influxdb'))).toContain(8086);
  });

  it('runs the simulators with a shipped scenario on the port the agent dials', async () => {
    const cmd = commandText(svc('simulators'));
    const scenario = /opcua --scenario (\S+)/.exec(cmd)?.[1];
    const port = Number(/--port (\d+)/.exec(cmd)?.[1]);
    expect(scenario).toBeDefined();
    await expect(loadScenario(scenario!)).resolves.toMatchObject({ factory: { id: 'hn-gearbox' } });
    expect(cmd).toContain('--host 0.0.0.0');
    expect(cmd).toContain('mqtt --broker mqtt://mosquitto:1883');
    expect(hostPorts(svc('simulators'))).toContain(port);
  });

  it("mounts an agent config that validates and equals the scenario's example config but for hosts and paths", () => {
    const a = svc('edge-agent');
    const mount = (a.volumes ?? []).find((v) => v.endsWith(':/config/edge-agent.yaml:ro'));
    expect(mount).toBeDefined();
    expect(commandText(a)).toContain('--config /config/edge-agent.yaml');
    const composeCfg = loadConfigFile(path.join(root, mount!.split(':')[0]!));
    const example = loadConfigFile(path.join(root, 'edge-agent/examples/hunan-machining.yaml'));
    expect(new URL(composeCfg.uplink.url).hostname).toBe('mosquitto');
    const opcua = composeCfg.sources.find((s) => s.type === 'opcua');
    expect(opcua?.type === 'opcua' && opcua.endpoint).toBe(
      `opc.tcp://simulators:${/--port (\d+)/.exec(commandText(svc('simulators')))?.[1]}`,
    );
    // Same devices, nodes and subscriptions as the example: only hosts and the data dir differ.
    const normalize = (c: typeof example) =>
      JSON.parse(
        JSON.stringify({ ...c, dataDir: '', uplink: { ...c.uplink, url: '' } })
          .replaceAll(/opc\.tcp:\/\/[^"]+/g, 'opc.tcp://X')
          .replaceAll(/mqtt:\/\/[^"]+/g, 'mqtt://X')
          .replaceAll(/"dir":"[^"]*"/g, '"dir":""'),
      );
    expect(normalize(composeCfg)).toEqual(normalize(example));
  });

  it('persists the broker so persistent sessions survive a restart', () => {
    const conf = readFileSync(path.join(root, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
    expect(conf).toMatch(/^listener 1883/m);
    expect(conf).toMatch(/^persistence true/m);
    expect((svc('mosquitto').volumes ?? []).some((v) => v.includes('/mosquitto/config/mosquitto.conf'))).toBe(
      true,
    );
  });
});
