import { StatusCodes } from '@xiang/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { DeviceDef } from '../catalog.js';
import { LiveClock } from '../clock.js';
import { GroundTruth } from '../ground-truth.js';
import { rngFor } from '../physics/prng.js';
import { Simulation } from '../physics/simulation.js';
import type { Snapshot } from '../physics/snapshot.js';
import type { Scenario } from '../scenario/schema.js';
import {
  DEFAULT_TOPIC_ROOT,
  type DevicePayload,
  deviceTopic,
  type MalformedKind,
  malformedFrom,
  malformedKinds,
} from './payload.js';

export type MqttDeviceSimulatorOptions = {
  scenario: Scenario;
  simulation?: Simulation;
  brokerUrl: string;
  /** MQTT 5 by default; 4 for brokers without v5 (the embedded aedes broker). */
  protocolVersion?: 4 | 5;
  username?: string;
  password?: string;
  clientId?: string;
  /** Simulated seconds per real second; `false` = no live clock (step the simulation yourself). */
  speed?: number | false;
  startMs?: number;
  faults?: boolean;
  /** Share of good messages followed by one malformed message (0..1), drawn from a seeded stream. */
  malformedRate?: number;
  /** Publish every n-th tick (default 1). */
  everyTicks?: number;
  /** 'mqtt' = devices declared MQTT-only (default); 'all' = every device of the scenario. */
  devices?: 'mqtt' | 'all';
  topicRoot?: string;
  qos?: 0 | 1;
  logger?: Logger;
};

export type MqttDeviceStats = {
  /** Good readings acknowledged by the broker (QoS 1) or written (QoS 0). */
  good: number;
  goodByDevice: Record<string, number>;
  malformed: Record<MalformedKind, number>;
  malformedTotal: number;
  /** Messages handed to the client but not yet acknowledged. */
  inFlight: number;
  errors: number;
};

export type MqttDeviceSimulator = {
  readonly sim: Simulation;
  readonly truth: GroundTruth;
  readonly clock: LiveClock | null;
  readonly devices: DeviceDef[];
  topicOf(deviceId: string): string;
  stats(): MqttDeviceStats;
  /** Resolves when every handed-over message is acknowledged (bounded wait). */
  flush(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

const category = (d: DeviceDef) =>
  d.kind === 'sensor'
    ? 'env'
    : d.kind === 'machine'
      ? 'machine'
      : d.meterRole === 'utility'
        ? 'utility'
        : 'meter';

export async function startMqttDeviceSimulator(
  opts: MqttDeviceSimulatorOptions,
): Promise<MqttDeviceSimulator> {
  const sim =
    opts.simulation ??
    new Simulation(opts.scenario, {
      ...(opts.startMs !== undefined ? { startMs: opts.startMs } : {}),
      ...(opts.faults === false ? { faults: false } : {}),
    });
  const root = opts.topicRoot ?? DEFAULT_TOPIC_ROOT;
  const factoryId = opts.scenario.factory.id;
  const devices = sim.catalog.devices.filter((d) => (opts.devices === 'all' ? true : d.transport === 'mqtt'));
  const rate = opts.malformedRate ?? 0;
  if (!(rate >= 0 && rate <= 1)) throw new Error(`malformedRate must be within 0..1, got ${rate}`);
  const every = Math.max(1, Math.floor(opts.everyTicks ?? 1));
  const qos = opts.qos ?? 1;
  const rng = rngFor(opts.scenario.seed, 'mqtt-malformed');
  const stats: MqttDeviceStats = {
    good: 0,
    goodByDevice: Object.fromEntries(devices.map((d) => [d.id, 0])),
    malformed: Object.fromEntries(malformedKinds.map((k) => [k, 0])) as Record<MalformedKind, number>,
    malformedTotal: 0,
    inFlight: 0,
    errors: 0,
  };

  const client: MqttClient = await mqtt.connectAsync(opts.brokerUrl, {
    protocolVersion: opts.protocolVersion ?? 5,
    clientId: opts.clientId ?? `xiang-sim-devices-${factoryId}-${process.pid}`,
    clean: true,
    reconnectPeriod: 1000,
    ...(opts.username ? { username: opts.username, password: opts.password ?? '' } : {}),
  });
  client.on('error', (e) => opts.logger?.warn({ err: e.message }, 'mqtt device simulator client error'));

  const send = (topic: string, payload: string, onAck: () => void) => {
    stats.inFlight++;
    client.publish(topic, payload, { qos }, (err) => {
      stats.inFlight--;
      if (err) {
        stats.errors++;
        opts.logger?.warn({ err: err.message, topic }, 'publish failed');
      } else onAck();
    });
  };

  let malformedN = 0;
  const onTick = (snap: Snapshot) => {
    if (snap.tick % every !== 0) return;
    for (const d of devices) {
      // A dropped-out device sends nothing.
      if (d.metrics.every((m) => snap.status[m.index] === StatusCodes.BadNoCommunication)) continue;
      const payload: DevicePayload = { ts: snap.timeMs, deviceId: d.id, values: {}, units: {} };
      for (const m of d.metrics) {
        payload.values[m.key] = snap.values[m.index] as number | string;
        payload.units[m.key] = m.unit;
        const st = snap.status[m.index] ?? 0;
        if (st !== StatusCodes.Good) {
          payload.quality ??= {};
          payload.quality[m.key] = st;
        }
      }
      const topic = deviceTopic(root, factoryId, category(d), d.id);
      send(topic, JSON.stringify(payload), () => {
        stats.good++;
        stats.goodByDevice[d.id] = (stats.goodByDevice[d.id] ?? 0) + 1;
      });
      if (rate > 0 && rng.next() < rate) {
        const kind = malformedKinds[Math.floor(rng.next() * malformedKinds.length)] as MalformedKind;
        const bad = malformedFrom(kind, payload, topic, ++malformedN);
        send(bad.topic, bad.payload, () => {
          stats.malformed[kind]++;
          stats.malformedTotal++;
        });
      }
    }
  };
  sim.on('tick', onTick);
  const clock =
    opts.speed === false ? null : new LiveClock(sim, { speed: opts.speed ?? opts.scenario.clock.speed });
  clock?.start();
  opts.logger?.info(
    { broker: opts.brokerUrl, devices: devices.map((d) => d.id), malformedRate: rate },
    'mqtt device simulator started',
  );

  const flush = async (timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (stats.inFlight > 0) {
      if (Date.now() > deadline)
        throw new Error(`${stats.inFlight} MQTT messages still unacknowledged after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    sim,
    truth: new GroundTruth(sim),
    clock,
    devices,
    topicOf: (id) => {
      const d = devices.find((x) => x.id === id);
      if (!d) throw new Error(`device ${id} is not published over MQTT`);
      return deviceTopic(root, factoryId, category(d), id);
    },
    stats: () => ({ ...stats, goodByDevice: { ...stats.goodByDevice }, malformed: { ...stats.malformed } }),
    flush,
    close: async () => {
      clock?.stop();
      sim.off('tick', onTick);
      await flush().catch((e) =>
        opts.logger?.warn({ err: String(e) }, 'closing with unacknowledged messages'),
      );
      await client.endAsync();
    },
  };
}
