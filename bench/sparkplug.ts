/**
 * Sparkplug B ingest against native ingest, in the same run and the same platform process (issue 15): a
 * publisher sends the same points — 5 devices × 20 metrics, one message per device and timestamp (20 points),
 * QoS 1, 64 in flight, as fast as Mosquitto takes them — once as xiang/v1 data batches and once as Sparkplug B
 * DDATA by alias (encoded from the 3.0 spec by tests/sparkplug/spec-encoder.ts, not by the platform's library).
 * Points/s = points ÷ time until the platform's stored-points counter grew by all of them; both go through the
 * same group commit and store. The ratio Sparkplug ÷ native is the figure: the cost of decoding and translating.
 *
 *   npx tsx bench/sparkplug.ts [--points 200000]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Birth, topicFor } from '@xiang/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort, waitFor } from '../tests/harness/ports.js';
import { startMosquitto } from '../tests/harness/services.js';
import { DT, encodeSpec } from '../tests/sparkplug/spec-encoder.js';

const { values: a } = parseArgs({ options: { points: { type: 'string', default: '200000' } } });
const DEVICES = 5;
const PER_DEVICE = 20;
const POINTS = Math.floor(Number(a.points) / (DEVICES * PER_DEVICE)) * DEVICES * PER_DEVICE;
const INFLIGHT = 64;
const FACTORY = 'bench';
const T0 = Date.UTC(2026, 0, 5);
const log = (s: string) => process.stderr.write(`${s}\n`);

const MAPPING = `groups:
  - group: Bench
    factory: ${FACTORY}
    agent: "{node}"
    deviceId: "spb-{device}"
    devices:
      - match: "*"
        kind: meter
        assetPath: WS1
        medium: electricity
`;

type Proc = { child: ChildProcess; url: string; token: string; dir: string };

async function startPlatform(brokerUrl: string): Promise<Proc> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-bench-spb-'));
  const mappingFile = path.join(dir, 'mapping.yaml');
  await writeFile(mappingFile, MAPPING);
  const port = await freePort();
  const token = `xg_benchadmin_${randomUUID().replaceAll('-', '')}`;
  const env = {
    ...process.env,
    XIANG_HTTP_PORT: String(port),
    XIANG_MQTT_URL: brokerUrl,
    XIANG_DATA_DIR: path.join(dir, 'data'),
    XIANG_ADMIN_TOKEN: token,
    XIANG_LOG_LEVEL: 'warn',
    XIANG_SPARKPLUG_ENABLED: 'true',
    XIANG_SPARKPLUG_MAPPING_FILE: mappingFile,
  };
  const child = spawn(process.execPath, ['platform/bin/xiang.js', 'serve'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok,
    'platform /readyz',
    60_000,
    200,
  );
  await fetch(`${url}/api/v1/factories`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: FACTORY }),
  });
  return { child, url, token, dir };
}

async function stored(p: Proc): Promise<number> {
  const r = await fetch(`${p.url}/api/v1/ingest/stats`, { headers: { authorization: `Bearer ${p.token}` } });
  return ((await r.json()) as { totals: { pointsStored: number } }).totals.pointsStored;
}

/** Sends `count` messages (message k from make(k)) at QoS 1 keeping INFLIGHT unacknowledged. */
async function pump(c: MqttClient, count: number, make: (k: number) => [string, Buffer]): Promise<void> {
  let k = 0;
  let inflight = 0;
  await new Promise<void>((resolve, reject) => {
    const next = () => {
      while (inflight < INFLIGHT && k < count) {
        const [topic, payload] = make(k++);
        inflight++;
        c.publish(topic, payload, { qos: 1 }, (err) => {
          if (err) return reject(err);
          inflight--;
          if (k >= count && inflight === 0) resolve();
          else next();
        });
      }
    };
    next();
  });
}

/** Publishes a run and returns points/s until the platform stored all of them. */
async function run(p: Proc, c: MqttClient, make: (k: number) => [string, Buffer]): Promise<number> {
  const before = await stored(p);
  const messages = POINTS / PER_DEVICE;
  const started = performance.now();
  await pump(c, messages, make);
  await waitFor(async () => (await stored(p)) - before >= POINTS, 'all points stored', 600_000, 100);
  const dead = await fetch(`${p.url}/api/v1/ingest/stats`, {
    headers: { authorization: `Bearer ${p.token}` },
  });
  const rejected = (await dead.json()) as { totals: { rejectedPoints: Record<string, number> } };
  if (Object.keys(rejected.totals.rejectedPoints).length > 0)
    throw new Error(`points rejected: ${JSON.stringify(rejected.totals.rejectedPoints)}`);
  return POINTS / ((performance.now() - started) / 1000);
}

const value = (k: number, m: number) => ((k * 31 + m) % 977) * 0.5;

async function native(p: Proc, c: MqttClient): Promise<number> {
  const sessionId = randomUUID();
  const birth: Birth = {
    sessionId,
    seq: 0,
    timestamp: T0,
    agent: { version: 'bench' },
    assets: [],
    devices: Array.from({ length: DEVICES }, (_, d) => ({
      id: `nat-${d}`,
      kind: 'meter' as const,
      assetPath: 'WS1',
      medium: 'electricity' as const,
    })),
    metrics: Array.from({ length: DEVICES * PER_DEVICE }, (_, i) => ({
      i,
      deviceId: `nat-${Math.floor(i / PER_DEVICE)}`,
      key: `m${i % PER_DEVICE}`,
      quantity: 'other' as const,
      kind: 'gauge' as const,
      datatype: 'double' as const,
      unit: '',
    })),
  };
  await c.publishAsync(topicFor('birth', FACTORY, 'native'), JSON.stringify(birth), { qos: 1 });
  const topic = topicFor('data', FACTORY, 'native');
  return run(p, c, (k) => {
    const d = k % DEVICES;
    const ts = T0 + Math.floor(k / DEVICES) * 1000;
    const points = Array.from({ length: PER_DEVICE }, (_, m) => [d * PER_DEVICE + m, ts, value(k, m)]);
    return [topic, Buffer.from(JSON.stringify({ sessionId, seq: k + 1, points }))];
  });
}

async function sparkplug(p: Proc, c: MqttClient): Promise<number> {
  // Aliases are unique across the edge node and its devices (spec §6.4.6).
  const alias = (d: number, m: number) => d * PER_DEVICE + m + 1;
  const metric = (d: number, m: number) => ({
    name: `m${m}`,
    alias: alias(d, m),
    datatype: DT.Double,
    value: 0,
  });
  await c.publishAsync(
    'spBv1.0/Bench/NBIRTH/GW',
    encodeSpec({ timestamp: T0, seq: 0, metrics: [{ name: 'bdSeq', datatype: DT.UInt64, value: 0n }] }),
    { qos: 1 },
  );
  for (let d = 0; d < DEVICES; d++)
    await c.publishAsync(
      `spBv1.0/Bench/DBIRTH/GW/D${d}`,
      encodeSpec({
        timestamp: T0,
        seq: d + 1,
        metrics: Array.from({ length: PER_DEVICE }, (_, m) => metric(d, m)),
      }),
      { qos: 1 },
    );
  return run(p, c, (k) => {
    const d = k % DEVICES;
    const ts = T0 + Math.floor(k / DEVICES) * 1000;
    const metrics = Array.from({ length: PER_DEVICE }, (_, m) => ({
      alias: alias(d, m),
      timestamp: ts,
      as: DT.Double,
      value: value(k, m),
    }));
    return [
      `spBv1.0/Bench/DDATA/GW/D${d}`,
      encodeSpec({ timestamp: ts, seq: (DEVICES + 1 + k) % 256, metrics }),
    ];
  });
}

const broker = await startMosquitto();
if (!broker) throw new Error('mosquitto is required');
const p = await startPlatform(broker.url);
const client = await mqtt.connectAsync(broker.url, {
  protocolVersion: 5,
  clientId: `bench-spb-${randomUUID()}`,
});
try {
  log(`native: ${POINTS} points …`);
  const nat = await native(p, client);
  log(`native ${Math.round(nat)} points/s; sparkplug …`);
  const spb = await sparkplug(p, client);
  log(`sparkplug ${Math.round(spb)} points/s`);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const out = [
    '## Sparkplug B ingest against native ingest (issue 15)',
    '',
    `\`npx tsx bench/sparkplug.ts --points ${POINTS}\` — the same ${POINTS.toLocaleString('en-US')} points (5 devices × 20`,
    'metrics, one message per device and timestamp = 20 points, QoS 1, 64 in flight, as fast as Mosquitto takes',
    'them) published once as xiang/v1 data batches and once as Sparkplug B DDATA by alias (payloads encoded from the',
    '3.0 spec, not by the platform’s library), into one platform process (embedded store); points/s = points ÷ time',
    'until the platform’s stored-points counter grew by all of them. Both go through the same group commit.',
    '',
    '| path                                    | points/s | ÷ native |',
    '| --------------------------------------- | -------- | -------- |',
    `| xiang/v1 data → platform → store         | ${fmt(nat)} | 100 %    |`,
    `| Sparkplug B DDATA → platform → store     | ${fmt(spb)} | ${Math.round((100 * spb) / nat)} %     |`,
  ];
  process.stdout.write(`<!-- BENCH-RESULT -->\n${out.join('\n')}\n<!-- /BENCH-RESULT -->\n`);
} finally {
  await client.endAsync();
  p.child.kill('SIGTERM');
  await new Promise((r) => p.child.once('exit', r));
  await rm(p.dir, { recursive: true, force: true });
  await broker.dispose();
}
