import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor, waitForPort } from './ports.js';
import { type Daemon, findBinary, spawnDaemon, track } from './process.js';

/**
 * Real services for integration tests, resolved in the order the guide asks for:
 *   1. an env var URL (XIANG_TEST_MQTT_URL / XIANG_TEST_INFLUX_URL),
 *   2. the Debian binary on PATH (mosquitto / influxd), spawned on a free loopback port in a temp dir,
 *   3. testcontainers where a Docker engine exists,
 *   4. otherwise skip with a loud message — except on CI (CI=true), where a missing service fails the run.
 */
export type ServiceSource = 'env' | 'binary' | 'container';

export interface Service {
  readonly name: string;
  readonly source: ServiceSource;
  readonly url: string;
  readonly port: number;
  /** Only binary/container services can be stopped and started again (outage tests). */
  readonly controllable: boolean;
  /** The process id of a service this harness started (benchmarks read its CPU time); undefined otherwise. */
  readonly pid?: number | undefined;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and removes temp data. */
  dispose(): Promise<void>;
  logs(): string;
}

export const onCI = (): boolean => !!process.env.CI && process.env.CI !== 'false';

export function dockerAvailable(): boolean {
  return !!process.env.DOCKER_HOST || existsSync('/var/run/docker.sock');
}

export class MissingServiceError extends Error {}

/** Called when no way to get a service exists: throws on CI, warns loudly elsewhere. */
export function missing(name: string, how: string): null {
  const msg = `[xiang-tests] ${name} is not available (${how}). Service-backed tests are SKIPPED on this machine.`;
  if (onCI()) throw new MissingServiceError(`${msg.replace('SKIPPED on this machine', 'REQUIRED on CI')}`);
  console.warn(`\n${'!'.repeat(100)}\n${msg}\n${'!'.repeat(100)}\n`);
  return null;
}

export class DaemonService implements Service {
  readonly source = 'binary' as const;
  readonly controllable = true;
  private daemon: Daemon | null = null;
  constructor(
    readonly name: string,
    readonly url: string,
    readonly port: number,
    private readonly dir: string,
    private readonly launch: () => Daemon,
    private readonly ready: () => Promise<void>,
  ) {}
  get pid(): number | undefined {
    return this.daemon?.child.pid;
  }
  async start(): Promise<void> {
    if (this.daemon) return;
    const d = this.launch();
    track(d.child);
    this.daemon = d;
    try {
      await this.ready();
    } catch (e) {
      await d.stop();
      this.daemon = null;
      throw new Error(`${this.name} did not become ready: ${String(e)}\n--- output ---\n${d.output()}`);
    }
  }
  async stop(): Promise<void> {
    const d = this.daemon;
    this.daemon = null;
    await d?.stop();
  }
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
  logs(): string {
    return this.daemon?.output() ?? '';
  }
}

export class ExternalService implements Service {
  readonly controllable = false;
  constructor(
    readonly name: string,
    readonly source: ServiceSource,
    readonly url: string,
    readonly port: number,
    private readonly onDispose: () => Promise<void> = async () => {},
  ) {}
  async start(): Promise<void> {
    throw new Error(`${this.name} from ${this.source} cannot be restarted by the test`);
  }
  async stop(): Promise<void> {
    throw new Error(`${this.name} from ${this.source} cannot be stopped by the test`);
  }
  async dispose(): Promise<void> {
    await this.onDispose();
  }
  logs(): string {
    return '';
  }
}

export type MosquittoOptions = {
  /** Extra mosquitto.conf lines (e.g. password_file / acl_file); anonymous access is on unless overridden. */
  extraConfig?: string[];
  allowAnonymous?: boolean;
};

/** A Mosquitto broker with persistence on, so a broker restart keeps persistent sessions and queued QoS 1. */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Service | null> {
  const envUrl = process.env.XIANG_TEST_MQTT_URL;
  if (envUrl) return new ExternalService('mosquitto', 'env', envUrl, Number(new URL(envUrl).port || 1883));
  const bin = findBinary('mosquitto');
  if (bin) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-mosquitto-'));
    const port = await freePort();
    const conf = path.join(dir, 'mosquitto.conf');
    await writeFile(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        `allow_anonymous ${opts.allowAnonymous ?? true}`,
        'persistence true',
        `persistence_location ${dir}/`,
        // Started as root (CI, this machine) mosquitto drops to user "mosquitto", which cannot write the
        // persistence file into this 0700 temp dir: every session would be lost on a broker restart.
        `user ${os.userInfo().username}`,
        'autosave_interval 1',
        // The platform's persistent session must hold a long outage's worth of QoS 1 messages.
        'max_queued_messages 1000000',
        'max_inflight_messages 100',
        'log_dest stdout',
        'log_type error',
        'log_type warning',
        ...(opts.extraConfig ?? []),
        '',
      ].join('\n'),
    );
    const svc = new DaemonService(
      'mosquitto',
      `mqtt://127.0.0.1:${port}`,
      port,
      dir,
      () => spawnDaemon(bin, ['-c', conf]),
      () => waitForPort(port),
    );
    await svc.start();
    return svc;
  }
  if (dockerAvailable()) return await containerService('mosquitto', 'eclipse-mosquitto:2', 1883, 'mqtt');
  return missing('mosquitto', 'no XIANG_TEST_MQTT_URL, no mosquitto binary on PATH, no Docker engine');
}

export type InfluxOptions = {
  /** auth-enabled = true with this admin user (created through the API before any other user exists). */
  auth?: { username: string; password: string };
};

/** influxd's configuration: loopback ports, data under `dir`, quiet logs (the harness and the benchmarks). */
export function influxdConfig(o: { dir: string; httpPort: number; rpcPort: number; auth?: boolean }): string {
  return [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${o.rpcPort}"`,
    '[meta]',
    `  dir = "${o.dir}/meta"`,
    '[data]',
    `  dir = "${o.dir}/data"`,
    `  wal-dir = "${o.dir}/wal"`,
    '  query-log-enabled = false',
    '  cache-snapshot-write-cold-duration = "10s"',
    '[monitor]',
    '  store-enabled = false',
    '[http]',
    `  bind-address = "127.0.0.1:${o.httpPort}"`,
    '  log-enabled = false',
    '  max-body-size = 0',
    ...(o.auth ? ['  auth-enabled = true'] : []),
    '[continuous_queries]',
    '  log-enabled = false',
    '',
  ].join('\n');
}

/** InfluxDB 1.x (Debian ships influxd 1.6.7) on a free loopback port with its data in a temp dir. */
export async function startInflux(opts: InfluxOptions = {}): Promise<Service | null> {
  const envUrl = process.env.XIANG_TEST_INFLUX_URL;
  const bin = findBinary('influxd');
  // An env URL or a container has its own users: auth-enabled tests need the binary.
  if (opts.auth && !bin) return missing('influxdb with auth', 'no influxd binary on PATH');
  if (envUrl && !opts.auth)
    return new ExternalService('influxdb', 'env', envUrl, Number(new URL(envUrl).port || 8086));
  if (bin) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-influx-'));
    const port = await freePort();
    const rpcPort = await freePort();
    const conf = path.join(dir, 'influxdb.conf');
    await writeFile(conf, influxdConfig({ dir, httpPort: port, rpcPort, auth: !!opts.auth }));
    const url = `http://127.0.0.1:${port}`;
    const svc = new DaemonService(
      'influxdb',
      url,
      port,
      dir,
      () => spawnDaemon(bin, ['-config', conf]),
      async () => {
        await waitFor(
          async () => (await fetch(`${url}/ping`).catch(() => null))?.status === 204,
          `influxd /ping on ${url}`,
          30_000,
          100,
        );
      },
    );
    await svc.start();
    if (opts.auth) await createInfluxAdmin(url, opts.auth);
    return svc;
  }
  if (dockerAvailable()) return await containerService('influxdb', 'influxdb:1.8', 8086, 'http');
  return missing('influxdb', 'no XIANG_TEST_INFLUX_URL, no influxd binary on PATH, no Docker engine');
}

/** The first user of an auth-enabled InfluxDB 1.x may be created without credentials (an admin). */
async function createInfluxAdmin(url: string, auth: { username: string; password: string }): Promise<void> {
  const q = `CREATE USER "${auth.username}" WITH PASSWORD '${auth.password.replace(/'/g, "\\'")}' WITH ALL PRIVILEGES`;
  const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q }) });
  const text = await res.text();
  if (!res.ok || text.includes('"error"'))
    throw new Error(`creating the InfluxDB admin user: HTTP ${res.status}`);
}

async function containerService(
  name: string,
  image: string,
  port: number,
  scheme: string,
): Promise<Service | null> {
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    let builder = new GenericContainer(image).withExposedPorts(port);
    if (name === 'mosquitto') {
      builder = builder
        .withCopyContentToContainer([
          {
            content:
              'listener 1883 0.0.0.0\nallow_anonymous true\npersistence true\npersistence_location /mosquitto/data/\n',
            target: '/mosquitto/config/mosquitto.conf',
          },
        ])
        .withWaitStrategy(Wait.forListeningPorts());
    } else {
      builder = builder.withWaitStrategy(Wait.forHttp('/ping', port).forStatusCode(204));
    }
    const c = await builder.start();
    const mapped = c.getMappedPort(port);
    return new ExternalService(name, 'container', `${scheme}://127.0.0.1:${mapped}`, mapped, async () => {
      await c.stop();
    });
  } catch (e) {
    return missing(name, `Docker engine present but the container failed: ${String(e)}`);
  }
}

/** Debian's Chromium for browser tests (never a downloaded one): XIANG_TEST_CHROMIUM → chromium on PATH. */
export function resolveChromium(): string | null {
  const env = process.env.XIANG_TEST_CHROMIUM;
  if (env) return env;
  const bin = findBinary('chromium') ?? findBinary('chromium-browser');
  if (bin) return bin;
  return missing('chromium', 'no XIANG_TEST_CHROMIUM and no chromium on PATH (apt-get install chromium)');
}
