import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '@xiang/edge-agent';
import { loadScenario } from '@xiang/simulators';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { setupDeployment } from '../../deploy/setup.js';
import { assertHttpExposureAllowed, envVars, loadConfig } from '../../platform/src/config/index.js';

/**
 * No Docker engine exists on our build machines, so docker-compose.yml is checked against the config schemas
 * here: services, ports, env names and the files it mounts must agree with what the code accepts.
 */
const root = path.resolve(import.meta.dirname, '../..');
type Service = {
  image?: string;
  profiles?: string[];
  env_file?: string[];
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
// What `deploy/setup.ts` writes into deploy/secrets (git-ignored), generated here into a temp dir: every
// `./deploy/secrets/…` the compose file mounts or reads must be something setup produces.
const secretsDir = mkdtempSync(path.join(os.tmpdir(), 'xiang-compose-secrets-'));
setupDeployment({ dir: secretsDir, factoryId: 'hn-gearbox', agentId: 'edge1' });
afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));
const SECRETS = './deploy/secrets/';
const local = (from: string) =>
  from.startsWith(SECRETS) ? path.join(secretsDir, from.slice(SECRETS.length)) : path.join(root, from);
const envFile = (from: string): Record<string, string> =>
  Object.fromEntries(
    readFileSync(local(from), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
/** The env a service's process sees: its env_file(s), then `environment` (compose's precedence). */
const envOf = (s: Service): Record<string, string> =>
  Object.assign({}, ...(s.env_file ?? []).map(envFile), s.environment ?? {});
const commandText = (s: Service) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));
const hostPorts = (s: Service) => (s.ports ?? []).map((p) => Number(p.split(':').at(-1)));

describe('docker-compose.yml', () => {
  it('has the five services of the stack, built from the repository Dockerfile or pinned images', () => {
    const inProfile = (p: string | undefined) =>
      Object.entries(compose.services)
        .filter(([, s]) => (p === undefined ? !s.profiles : s.profiles?.includes(p)))
        .map(([n]) => n)
        .sort();
    expect(inProfile(undefined)).toEqual(
      ['edge-agent', 'influxdb', 'mosquitto', 'platform', 'simulators'].sort(),
    );
    // Scale-out (platform/docs/deploy.md): PostgreSQL and two platform replicas, only with `--profile scale`.
    expect(inProfile('scale')).toEqual(['platform-a', 'platform-b', 'postgres']);
    expect(svc('postgres').image).toMatch(/^postgres:15/);
    expect(svc('influxdb').image).toBe('influxdb:1.8');
    expect(svc('mosquitto').image).toMatch(/^eclipse-mosquitto:2/);
    for (const n of ['platform', 'platform-a', 'platform-b', 'edge-agent', 'simulators'])
      expect(svc(n).build).toBe('.');
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    for (const ws of ['protocol', 'simulators', 'edge-agent', 'platform']) {
      expect(dockerfile).toContain(`COPY ${ws} ${ws}`);
    }
    for (const s of Object.values(compose.services)) {
      for (const dep of s.depends_on ?? []) expect(compose.services[dep], `depends_on ${dep}`).toBeDefined();
      for (const v of s.volumes ?? []) {
        const [from] = v.split(':') as [string];
        if (from.startsWith('./')) expect(existsSync(local(from)), `mounted ${from}`).toBe(true);
        else expect(compose.volumes[from], `named volume ${from}`).toBeDefined();
      }
    }
  });

  it('gives the platform only env names its config knows, and they validate against the config schema', () => {
    const p = svc('platform');
    const env = envOf(p);
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
    expect(config.durability).toBe('power');
  });

  it('is secure by default: only HTTPS and MQTT over TLS published, no anonymous listener, InfluxDB with auth', () => {
    // Published to the host: the platform's HTTPS port and Mosquitto's TLS port, nothing else.
    const published = Object.entries(compose.services).flatMap(([n, s]) =>
      hostPorts(s).map((p) => `${n}:${p}`),
    );
    // (Container ports: the scale replicas serve the same HTTPS port, published on 8444 and 8445.)
    expect(published.sort()).toEqual([
      'mosquitto:8883',
      'platform-a:8443',
      'platform-b:8443',
      'platform:8443',
    ]);
    for (const s of Object.values(compose.services)) {
      for (const p of s.ports ?? []) expect(p, 'ports as "host:container"').toMatch(/^\d+:\d+$/);
    }
    // The platform serves HTTPS with the mounted certificate, and its startup guard accepts it on 0.0.0.0.
    const config = loadConfig({ env: envOf(svc('platform')) });
    expect(config.http.allowInsecure).toBe(false);
    expect(config.http.tls?.certFile).toMatch(/^\/secrets\//);
    expect(() => assertHttpExposureAllowed(config.http)).not.toThrow();
    const mounts = Object.fromEntries(
      (svc('platform').volumes ?? []).map((v) => [v.split(':')[1], local(v.split(':')[0]!)]),
    );
    const inContainer = (f: string) => path.join(mounts['/secrets']!, path.relative('/secrets', f));
    expect(readFileSync(inContainer(config.http.tls!.certFile), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    expect(readFileSync(inContainer(config.http.tls!.keyFile), 'utf8')).toMatch(/PRIVATE KEY/);
    expect(new URL(config.mqtt.url).protocol).toBe('mqtts:');
    expect(config.mqtt.username && config.mqtt.password).toBeTruthy();
    // Mosquitto: no anonymous client anywhere; the TLS listener has its certificate; files from setup.
    const conf = readFileSync(path.join(root, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
    const directives = conf.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(directives).toContain('allow_anonymous false');
    expect(directives).toContain('per_listener_settings false');
    expect(directives.filter((l) => l.startsWith('allow_anonymous'))).toEqual(['allow_anonymous false']);
    expect(conf).toMatch(/^listener 8883\ncafile \S+\ncertfile \S+\nkeyfile \S+$/m);
    const mosquittoSecrets = (svc('mosquitto').volumes ?? []).find((v) => v.includes(':/mosquitto/secrets'));
    for (const f of ['passwd', 'acl', 'ca.crt', 'server.crt', 'server.key']) {
      expect(conf).toContain(`/mosquitto/secrets/${f}`);
      expect(existsSync(path.join(local(mosquittoSecrets!.split(':')[0]!), f)), f).toBe(true);
    }
    // InfluxDB: auth on, an admin from setup, the platform logs in as it.
    const influx = envOf(svc('influxdb'));
    expect(influx.INFLUXDB_HTTP_AUTH_ENABLED).toBe('true');
    expect(influx.INFLUXDB_ADMIN_PASSWORD?.length).toBeGreaterThanOrEqual(24);
    expect(config.store.influx?.password).toBe(influx.INFLUXDB_ADMIN_PASSWORD);
    expect(config.store.influx?.username).toBe(influx.INFLUXDB_ADMIN_USER);
  });

  it('runs the simulators with a shipped scenario on the port the agent dials', async () => {
    const cmd = commandText(svc('simulators'));
    const scenario = /opcua --scenario (\S+)/.exec(cmd)?.[1];
    const port = Number(/--port (\d+)/.exec(cmd)?.[1]);
    expect(scenario).toBeDefined();
    await expect(loadScenario(scenario!)).resolves.toMatchObject({ factory: { id: 'hn-gearbox' } });
    expect(cmd).toContain('--host 0.0.0.0');
    expect(cmd).toContain('mqtt --broker mqtt://mosquitto:1883');
    // The simulator's MQTT user from deploy/setup.ts (the OPC UA port stays on the compose network).
    const env = envOf(svc('simulators'));
    expect(cmd).toContain('--username "$$SIM_MQTT_USERNAME" --password "$$SIM_MQTT_PASSWORD"');
    expect(env.SIM_MQTT_USERNAME).toBe('xiang-sim');
    expect(Number.isInteger(port)).toBe(true);
  });

  it("mounts an agent config that validates and equals the scenario's example config but for hosts and paths", () => {
    const a = svc('edge-agent');
    const mount = (a.volumes ?? []).find((v) => v.endsWith(':/config/edge-agent.yaml:ro'));
    expect(mount).toBeDefined();
    expect(commandText(a)).toContain('--config /config/edge-agent.yaml');
    // Its secrets come from the mounted deploy/secrets/edge-agent files (`file:/secrets/…`).
    const agentSecrets = (a.volumes ?? []).find((v) => v.includes(':/secrets:ro'))!.split(':')[0]!;
    const composeCfg = loadConfigFile(path.join(root, mount!.split(':')[0]!), {
      readFile: (p) => readFileSync(path.join(local(agentSecrets), path.relative('/secrets', p)), 'utf8'),
    });
    expect(composeCfg.uplink.password).toBe(
      readFileSync(path.join(secretsDir, 'passwords/mqtt-hn-gearbox.edge1'), 'utf8').trim(),
    );
    expect(composeCfg.uplink.username).toBe('hn-gearbox.edge1');
    expect(new URL(composeCfg.uplink.url).protocol).toBe('mqtts:');
    const example = loadConfigFile(path.join(root, 'edge-agent/examples/hunan-machining.yaml'));
    expect(new URL(composeCfg.uplink.url).hostname).toBe('mosquitto');
    const opcua = composeCfg.sources.find((s) => s.type === 'opcua');
    expect(opcua?.type === 'opcua' && opcua.endpoint).toBe(
      `opc.tcp://simulators:${/--port (\d+)/.exec(commandText(svc('simulators')))?.[1]}`,
    );
    // Same devices, nodes and subscriptions as the example: only hosts and the data dir differ.
    const normalize = (c: typeof example) =>
      JSON.parse(
        JSON.stringify({
          ...c,
          dataDir: '',
          uplink: { ...c.uplink, url: '', username: '', password: '', tls: '' },
        })
          .replaceAll(/opc\.tcp:\/\/[^"]+/g, 'opc.tcp://X')
          .replaceAll(/mqtt:\/\/[^"]+/g, 'mqtt://X')
          .replaceAll(/"dir":"[^"]*"/g, '"dir":""')
          .replaceAll(/,"username":"[^"]*","password":"[^"]*"/g, ''),
      );
    expect(normalize(composeCfg)).toEqual(normalize(example));
  });

  it('scale profile: replicas share PostgreSQL (password from setup, not in the URL) and split one share group', () => {
    const postgresEnv = envOf(svc('postgres'));
    expect(postgresEnv.POSTGRES_PASSWORD?.length).toBeGreaterThanOrEqual(24);
    expect(svc('postgres').ports ?? []).toEqual([]);
    const known = new Set([...Object.keys(envVars), 'PGPASSWORD']); // libpq's own variable, read by pg
    const replicas = ['platform-a', 'platform-b'].map((n) => {
      const env = envOf(svc(n));
      for (const name of Object.keys(env)) expect(known.has(name), `${n}: env ${name} is read`).toBe(true);
      const config = loadConfig({ env });
      expect(config.repository.kind).toBe('postgres');
      const url = new URL(config.repository.kind === 'postgres' ? config.repository.url : '');
      expect([url.hostname, url.username, url.password, url.pathname]).toEqual([
        'postgres',
        postgresEnv.POSTGRES_USER,
        '',
        `/${postgresEnv.POSTGRES_DB}`,
      ]);
      expect(env.PGPASSWORD).toBe(postgresEnv.POSTGRES_PASSWORD);
      // One bootstrap admin token in a shared repository: configured, never generated per replica.
      expect(config.adminToken?.length).toBeGreaterThanOrEqual(24);
      expect(config.http.tls?.certFile).toMatch(/^\/secrets\//);
      expect(() => assertHttpExposureAllowed(config.http)).not.toThrow();
      expect(new URL(config.mqtt.url).protocol).toBe('mqtts:');
      expect(new URL(config.store.influxUrl ?? '').hostname).toBe('influxdb');
      expect(svc(n).depends_on).toContain('postgres');
      const data = (svc(n).volumes ?? []).find((v) => v.endsWith(':/data'));
      return { config, data };
    });
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    expect(a.config.mqtt.sharedGroup).toBeDefined();
    expect(a.config.mqtt.sharedGroup).toBe(b.config.mqtt.sharedGroup);
    expect(a.config.mqtt.clientId).not.toBe(b.config.mqtt.clientId);
    expect(a.data).not.toBe(b.data); // each replica's own write-ahead backlog
    expect(a.config.adminToken).toBe(b.config.adminToken);
  });

  it('persists the broker so persistent sessions survive a restart', () => {
    const conf = readFileSync(path.join(root, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
    expect(conf).toMatch(/^listener 8883/m);
    expect(conf).toMatch(/^persistence true/m);
    expect((svc('mosquitto').volumes ?? []).some((v) => v.includes('/mosquitto/config/mosquitto.conf'))).toBe(
      true,
    );
  });
});
