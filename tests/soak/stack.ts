import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { freePort, waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { AckProxy } from './ack-proxy.js';
import { type Api, ingestStats } from './api.js';
import { newDeviceTopic, registerSoakAgents, writeAgentConfig, writePlatformConfig } from './configs.js';
import { BIN, Proc } from './procs.js';
import { type AgentView, BadInput, connectClient, NewDevices, Rogue } from './rogue.js';
import type { Schedule } from './steps.js';

/** What every schedule of one soak run shares: InfluxDB, the OPC UA simulator, the tuning. */
export type SharedWorld = {
  influx: Service | null;
  opcuaEndpoint: string;
  /** Every n-th OPC UA node of the shipped simulator config is read. */
  nodeStride: number;
  simSpeed: number;
  simStartIso: string;
};

let runCounter = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The real processes of one schedule — broker (Mosquitto, or aedes inside the platform process),
 * `xiang serve`, `xiang-edge run`, `xiang-sim mqtt` — each its own child process controlled by pid, plus the
 * ack proxy and the rogue clients in this process. Fresh data dirs, factory id and MQTT sessions per
 * schedule, so schedules never see each other's data.
 */
export class ScheduleStack {
  readonly factoryId: string;
  readonly agentId = 'edge';
  readonly api: Api;
  platform: Proc | null = null;
  agent: Proc | null = null;
  agentHealth = '';
  /** Acknowledged messages count from here (Mosquitto: once the platform's durable session exists). */
  observedFromMs: number | null = null;
  influxUp = true;
  brokerDownUntil = 0;
  private mosquitto: Service | null = null;
  private mqttSim: Proc | null = null;
  proxy!: AckProxy;
  private brokerPort = 0;
  private clients: MqttClient[] = [];
  rogue!: Rogue;
  bad!: BadInput;
  devices!: NewDevices;
  private dir = '';
  private readonly logs: string[] = [];

  constructor(
    readonly s: Schedule,
    readonly w: SharedWorld,
  ) {
    this.factoryId = `soak${s.seed}-${++runCounter}`.slice(0, 64);
    this.api = { url: '', token: `soak-admin-${Math.random().toString(36).slice(2)}-0123456789` };
    // The embedded broker is part of the platform: whatever it acknowledged, the platform must store.
    if (s.broker === 'aedes') this.observedFromMs = 0;
  }

  get protocolVersion(): 4 | 5 {
    return this.s.broker === 'aedes' ? 4 : 5;
  }

  get brokerUrl(): string {
    return `mqtt://127.0.0.1:${this.brokerPort}`;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  get topicPrefix(): string {
    return `xiang/v1/${this.factoryId}/${this.agentId}/`;
  }

  async boot(): Promise<void> {
    this.dir = await mkdtemp(path.join(os.tmpdir(), `xiang-soak-${this.factoryId}-`));
    if (this.s.broker === 'mosquitto') {
      this.mosquitto = await startMosquitto();
      if (!this.mosquitto) throw new Error('mosquitto is not available');
      this.brokerPort = this.mosquitto.port;
    } else this.brokerPort = await freePort();
    this.proxy = new AckProxy(await freePort(), { host: '127.0.0.1', port: this.brokerPort });
    await this.proxy.start();
    const httpPort = await freePort();
    this.api.url = `http://127.0.0.1:${httpPort}`;
    await writePlatformConfig(this.file('platform.yaml'), {
      httpPort,
      brokerUrl: this.brokerUrl,
      protocolVersion: this.protocolVersion,
      clientId: `soak-platform-${this.factoryId}`,
      dataDir: this.file('platform'),
      adminToken: this.api.token,
      ...(this.s.store === 'influx' && this.w.influx
        ? { influx: { url: this.w.influx.url, database: this.factoryId.replace(/\W/g, '_') } }
        : {}),
    });
    await writeAgentConfig(this.file('agent.yaml'), {
      factoryId: this.factoryId,
      agentId: this.agentId,
      dataDir: this.file('agent'),
      uplinkUrl: this.proxy.url,
      brokerUrl: this.brokerUrl,
      protocolVersion: this.protocolVersion,
      opcuaEndpoint: this.w.opcuaEndpoint,
      nodeStride: this.w.nodeStride,
    });
    const rogueClient = await connectClient(
      this.brokerUrl,
      this.protocolVersion,
      `soak-rogue-${this.factoryId}`,
    );
    const devClient = await connectClient(
      this.brokerUrl,
      this.protocolVersion,
      `soak-devices-${this.factoryId}`,
    );
    this.clients.push(rogueClient, devClient);
    this.rogue = new Rogue(rogueClient, this.factoryId, this.agentId);
    this.bad = new BadInput(rogueClient, this.factoryId, this.agentId);
    registerSoakAgents(this.file('platform'), this.factoryId, [this.agentId, this.bad.agentId]);
    this.devices = new NewDevices(devClient, (d) => newDeviceTopic(this.factoryId, d), 'NEW');
    if (this.s.broker === 'mosquitto') {
      this.mqttSim = new Proc('xiang-sim mqtt', BIN.sim, [
        'mqtt',
        ...['--broker', this.brokerUrl, '--scenario', 'tiny'],
        ...['--speed', String(this.w.simSpeed), '--start', this.w.simStartIso],
      ]);
    }
    // Processes start in parallel (each takes seconds of CPU); with platformFirst the proxy holds the
    // agent's uplink back until the platform is subscribed, so the platform still comes first on the wire.
    this.proxy.open = !this.s.platformFirst;
    await Promise.all([
      this.startAgent(),
      this.s.platformFirst ? this.startPlatform().then(() => this.openUplink()) : null,
    ]);
  }

  private openUplink(): void {
    this.proxy.open = true;
  }

  async startAgent(): Promise<void> {
    if (this.agent?.alive) return;
    const p = new Proc('xiang-edge', BIN.agent, ['run', '--config', this.file('agent.yaml')]);
    this.agent = p;
    const m = await p.waitFor(/xiang-edge running; health (\S+)/, 180_000);
    this.agentHealth = m[1]!;
  }

  async killAgent(): Promise<void> {
    const p = this.agent;
    this.agent = null;
    if (p) this.logs.push(`--- agent (killed) ---\n${p.output().slice(-4000)}`);
    await p?.kill();
  }

  async stopAgent(): Promise<void> {
    const p = this.agent;
    this.agent = null;
    await p?.stop();
  }

  async startPlatform(): Promise<void> {
    if (this.platform?.alive) return;
    const cfg = this.file('platform.yaml');
    const p =
      this.s.broker === 'aedes'
        ? new Proc('embedded-stack', BIN.embedded, ['--config', cfg, '--mqtt-port', String(this.brokerPort)])
        : new Proc('xiang serve', BIN.platform, ['serve', '--config', cfg]);
    this.platform = p;
    await p.waitFor(/platform started/, 180_000);
    await waitFor(
      async () => (await ingestStats(this.api)).connected,
      'the platform subscribed',
      30_000,
      100,
    );
    this.observedFromMs ??= Date.now();
  }

  async killPlatform(): Promise<void> {
    const p = this.platform;
    this.platform = null;
    if (p) this.logs.push(`--- platform (killed) ---\n${p.output().slice(-4000)}`);
    await p?.kill();
  }

  async stopPlatform(): Promise<void> {
    const p = this.platform;
    this.platform = null;
    await p?.stop();
  }

  async restartBroker(downMs: number): Promise<void> {
    if (this.s.broker === 'aedes') {
      if (!this.platform) return;
      await this.stopPlatform();
      await sleep(downMs);
      await this.startPlatform();
      return;
    }
    await this.mosquitto!.stop();
    await sleep(downMs);
    await this.mosquitto!.start();
  }

  /** The agent's acknowledged births and data, as the ack proxy recorded them. */
  agentView(): AgentView {
    const mine = this.proxy.acked.filter((m) => m.topic.startsWith(this.topicPrefix));
    return {
      births: mine.filter((m) => m.topic.endsWith('/birth')),
      data: mine.filter((m) => m.topic.endsWith('/data')),
    };
  }

  async slowConsumer(ms: number): Promise<void> {
    const p = this.platform;
    if (!p) return;
    const until = Date.now() + ms;
    for (let i = 0; i < 1000 && Date.now() < until; i++) {
      p.signal('SIGSTOP');
      await sleep(300);
      p.signal('SIGCONT');
      await sleep(100);
    }
    p.signal('SIGCONT');
  }

  async agentStatus(): Promise<{
    uplink: { connected: boolean; replaying: boolean };
    queue: { points: number };
  }> {
    const res = await fetch(`${this.agentHealth}/status`, { signal: AbortSignal.timeout(3000) });
    return (await res.json()) as Awaited<ReturnType<ScheduleStack['agentStatus']>>;
  }

  /** Process output kept for a failure report. */
  output(): string {
    const live = [
      this.platform ? `--- platform ---\n${this.platform.output().slice(-6000)}` : '',
      this.agent ? `--- agent ---\n${this.agent.output().slice(-6000)}` : '',
    ];
    return [...this.logs.slice(-4), ...live].join('\n');
  }

  async dispose(): Promise<void> {
    this.devices?.stop();
    await Promise.all([this.agent?.stop(5000), this.mqttSim?.stop(5000), this.platform?.stop(10_000)]);
    for (const c of this.clients) await c.endAsync(true).catch(() => {});
    await this.proxy?.stop();
    await this.mosquitto?.dispose();
    const influx = this.w.influx;
    if (this.s.store === 'influx' && influx) {
      const q = encodeURIComponent(`DROP DATABASE "${this.factoryId.replace(/\W/g, '_')}"`);
      await fetch(`${influx.url}/query?q=${q}`, { method: 'POST' }).catch(() => {});
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
