import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Agent, startAgent } from '@xiang/edge-agent';
import {
  createSimulation,
  type GroundTruth,
  groundTruth,
  LiveClock,
  loadScenario,
  type MqttDeviceSimulator,
  type OpcuaSimulator,
  type Scenario,
  type Simulation,
  scenarioRegistrySettings,
  startMqttDeviceSimulator,
  startOpcuaSimulator,
} from '@xiang/simulators';
import type { PlatformConfigInput } from '../../platform/src/config/schema.js';
import type { RunningPlatform } from '../../platform/src/main.js';
import { factoryProfileSchema, lineSettingsSchema } from '../../platform/src/registry/model.js';
import { freePort, waitFor } from '../harness/ports.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import { e2eAgentConfig } from './agent-config.js';
import { UplinkRecorder } from './recorder.js';

/**
 * The whole telemetry path in one test process, wired like scripts/start.ts but on real Mosquitto (MQTT 5)
 * and either store:
 *
 *   Simulation ─ OPC UA simulator ─┐
 *              └ MQTT devices ─────┼─▶ edge agent ─▶ Mosquitto ─▶ platform ─▶ store ─▶ HTTP API
 *                                  └── (both over the same Mosquitto; an independent recorder listens too)
 *
 * The simulation has no live clock of its own: tick 0 is computed before anything connects, so the agent's
 * first OPC UA values carry the scenario start as source time; `run(untilMs)` then drives it with a LiveClock
 * that stops on the exact tick `untilMs`. Values depend only on (scenario, seed, start, tick), never on timing.
 */

export const SCENARIO: Scenario = await loadScenario('tiny');
/** A Monday 00:00 in China (+08:00), fixed so every run computes the same plant. */
export const START_MS = Date.parse('2025-03-03T00:00:00+08:00');
/** Simulated seconds per real second: one simulated day in 24 s. */
export const SPEED = 3600;
export const HOUR_MS = 3_600_000;
export const FACTORY = SCENARIO.factory.id;

export type StoreKind = 'embedded' | 'influx';

export type StackOptions = {
  name: string;
  brokerUrl: string;
  store: StoreKind;
  /** Required for store 'influx'. */
  influxUrl?: string;
  /** The tiny scenario with other faults or calendar (same devices: the agent config is the shipped one). */
  scenario?: Scenario;
};

type MetricCount = { deviceId: string; key: string; name: string; takenIn: number; dropped: number };

export class E2EStack {
  readonly h = new PlatformHarness();
  readonly sim: Simulation;
  readonly truth: GroundTruth;
  opcua: OpcuaSimulator | null = null;
  devices: MqttDeviceSimulator | null = null;
  platform: RunningPlatform | null = null;
  agent: Agent | null = null;
  /** Independent witness of everything the agent published. */
  readonly recorder: UplinkRecorder;
  private clock: LiveClock | null = null;
  private platformDir = '';
  private readonly tmp: string[] = [];
  /** OPC UA metric names the agent reads ("CNC01.state"): each has its tick-0 value before the clock starts. */
  opcuaMetrics: string[] = [];

  readonly scenario: Scenario;

  private constructor(readonly o: StackOptions) {
    this.scenario = o.scenario ?? SCENARIO;
    this.sim = createSimulation(this.scenario, { startMs: START_MS, historyDays: 3 });
    this.truth = groundTruth(this.sim);
    this.recorder = new UplinkRecorder(o.brokerUrl, `e2e-recorder-${o.name}`);
    if (o.store === 'influx' && !o.influxUrl) throw new Error('store influx needs influxUrl');
  }

  /** Platform first (its persistent session must exist before data flows), then listeners, simulators, agent. */
  static async start(o: StackOptions): Promise<E2EStack> {
    const s = new E2EStack(o);
    try {
      await s.boot();
    } catch (e) {
      await s.dispose();
      throw e;
    }
    return s;
  }

  private async tempDir(what: string): Promise<string> {
    const d = await mkdtemp(path.join(os.tmpdir(), `xiang-e2e-${what}-`));
    this.tmp.push(d);
    return d;
  }

  private async boot(): Promise<void> {
    this.platformDir = await this.h.tempDir('xiang-e2e-platform-');
    await this.startPlatform();
    const reg = this.platform!.registry;
    // What a person enters for this plant (as `npm start` does): profile with the shift calendar, lines.
    const settings = scenarioRegistrySettings(this.scenario);
    reg.putFactory(factoryProfileSchema.parse(settings.profile));
    for (const l of settings.lines) reg.putLine(lineSettingsSchema.parse(l));

    await this.recorder.start();
    this.sim.step(); // tick 0 at START_MS: the OPC UA server starts with these values
    this.opcua = await startOpcuaSimulator({
      scenario: this.scenario,
      simulation: this.sim,
      port: await freePort(),
      speed: false,
      pkiDir: await this.tempDir('sim-pki'),
    });
    this.devices = await startMqttDeviceSimulator({
      scenario: this.scenario,
      simulation: this.sim,
      brokerUrl: this.o.brokerUrl,
      protocolVersion: 5,
      speed: false,
      clientId: `e2e-devices-${this.o.name}`,
    });
    const { config, opcuaMetrics } = e2eAgentConfig({
      name: this.o.name,
      brokerUrl: this.o.brokerUrl,
      opcuaEndpoint: this.opcua.endpointUrl,
      dataDir: await this.tempDir('agent'),
    });
    this.opcuaMetrics = opcuaMetrics;
    this.agent = await startAgent(config);
    const agent = this.agent;
    // Ready when every OPC UA node delivered its tick-0 value and both MQTT subscriptions are live: a probe
    // for a device outside the allow-lists is rejected by the agent (and never forwarded) once they are.
    await waitFor(
      () => {
        const c = agent.metricCounts();
        return this.opcuaMetrics.every((m) => (c[m]?.takenIn ?? 0) >= 1);
      },
      'the agent has the tick-0 value of every OPC UA node',
      30_000,
    );
    const probe = JSON.stringify({ ts: START_MS, deviceId: 'PROBE', values: {}, units: {} });
    const rejected = () =>
      Object.values(agent.stats().sources.find((x) => x.name === 'sim-mqtt')?.rejected ?? {}).reduce(
        (a, b) => a + b,
        0,
      );
    await waitFor(
      async () => {
        for (const t of [`plant/${FACTORY}/utility/PROBE`, `plant/${FACTORY}/env/PROBE`]) {
          await this.recorder.client!.publishAsync(t, probe, { qos: 1 });
        }
        return rejected() >= 2;
      },
      "the agent's MQTT source subscribed",
      15_000,
      200,
    );
    await waitFor(
      () => this.platform?.registry.device(FACTORY, 'CNC01'),
      'the platform registered the devices from the birth',
      15_000,
    );
    for (const d of settings.devices) reg.patchDevice(FACTORY, d.id, d.patch);
  }

  /** Starts (or restarts, on the same data dir and MQTT client id) the platform and waits for its subscription. */
  async startPlatform(): Promise<RunningPlatform> {
    const extra: PlatformConfigInput = {
      mqtt: { url: this.o.brokerUrl, protocolVersion: 5 },
      ...(this.o.store === 'influx'
        ? {
            store: {
              influxUrl: this.o.influxUrl!,
              database: `e2e_${this.o.name.replace(/\W/g, '_')}`,
              // The fixed scenario start lies further back than the default 90-day raw retention.
              influx: { retention: { raw: 'INF' } },
            },
          }
        : {}),
    };
    const p = await this.h.start(this.o.brokerUrl, this.platformDir, extra);
    this.platform = p;
    await waitFor(() => p.ingest.ready(), 'platform subscribed to the broker', 15_000);
    return p;
  }

  /** Crash-like platform stop: nothing further is acknowledged to the broker. */
  async abortPlatform(): Promise<void> {
    const p = this.platform;
    this.platform = null;
    await p?.abort();
  }

  get api(): { url: string; token: string } {
    if (!this.platform) throw new Error('platform is not running');
    return { url: this.platform.url, token: this.h.adminToken };
  }

  /** Starts the live clock; it stops by itself on the tick at untilMs. */
  run(untilMs: number): void {
    this.clock = new LiveClock(this.sim, { speed: SPEED, untilMs, maxTicksPerTurn: 10 });
    this.clock.start();
  }

  /** Resolves on the first tick at or after `ms` (an event, not a poll), or rejects after timeoutMs. */
  async reachSimTime(ms: number, timeoutMs = 60_000): Promise<void> {
    if (this.sim.nowMs >= ms) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.sim.off('tick', on);
        reject(new Error(`simulation did not reach ${new Date(ms).toISOString()} within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = () => {
        if (this.sim.nowMs < ms) return;
        clearTimeout(timer);
        this.sim.off('tick', on);
        resolve();
      };
      this.sim.on('tick', on);
    });
  }

  /** Per metric the agent took in: "<deviceId>.<key>" split into the platform's series key. */
  metricCounts(): MetricCount[] {
    return Object.entries(this.agent!.metricCounts()).map(([name, c]) => {
      const dot = name.indexOf('.');
      return { name, deviceId: name.slice(0, dot), key: name.slice(dot + 1), ...c };
    });
  }

  /**
   * After the clock stopped at untilMs: waits until the broker carried the last tick of every electricity
   * counter and every MQTT device, the agent's queue is empty, every value the agent took in was published
   * (distinct pairs + repeats seen on the broker cover its count), and the store holds exactly the distinct
   * (metric, timestamp) pairs the agent published — per series.
   */
  async settle(untilMs: number, timeoutMs = 90_000): Promise<void> {
    await this.reachSimTime(untilMs, timeoutMs);
    const a = this.agent!;
    const lastTick = [
      ...SCENARIO.meters.filter((m) => m.medium === 'electricity').map((m) => `${m.id}.energyImport`),
      'M-WATER.mass',
      'ENV-WS1.temperature',
    ];
    await waitFor(
      () => lastTick.every((m) => this.recorder.has(m, untilMs)),
      'the last tick of every electricity counter and MQTT device on the broker',
      timeoutMs,
    );
    a.flush();
    await waitFor(() => a.stats().queue.points === 0, "the agent's queue drained", timeoutMs);
    let off: string[] = [];
    await waitFor(
      async () => {
        const counts = await this.storedCounts();
        off = counts
          .filter((c) => c.stored !== c.published || c.published + c.repeats < c.takenIn)
          .map((c) => `${c.name}: stored ${c.stored}, published ${c.published}, taken in ${c.takenIn}`);
        return off.length === 0;
      },
      'the store holding every value the agent published, once',
      timeoutMs,
      250,
    ).catch((e) => {
      const more = off.length > 8 ? ` … ${off.length - 8} more` : '';
      throw new Error(`${(e as Error).message} (${off.slice(0, 8).join('; ')}${more})`);
    });
  }

  /** Per series: stored points, distinct pairs and repeats seen on the broker, the agent's own count. */
  async storedCounts(): Promise<(MetricCount & { stored: number; published: number; repeats: number })[]> {
    const store = this.platform!.store;
    const out = [];
    for (const c of this.metricCounts()) {
      const stored = await store.countPoints(
        { factoryId: FACTORY, deviceId: c.deviceId, metric: c.key },
        946_684_800_000,
        4_102_444_800_000,
      );
      out.push({
        ...c,
        stored,
        published: this.recorder.distinct(c.name),
        repeats: this.recorder.duplicates(c.name),
      });
    }
    return out;
  }

  async dispose(): Promise<void> {
    this.clock?.stop();
    await this.agent?.stop().catch(() => {});
    await this.devices?.close().catch(() => {});
    await this.opcua?.close().catch(() => {});
    await this.recorder.stop().catch(() => {});
    await this.h.dispose();
    for (const d of this.tmp) await rm(d, { recursive: true, force: true });
  }
}
