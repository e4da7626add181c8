/**
 * Scale-out benchmark (issue 13): points/s through Mosquitto → platform process(es) → InfluxDB for
 *   1. one instance, embedded SQLite repository (today's default shape),
 *   2. one instance, PostgreSQL repository,
 *   3. two instances in one share group, one PostgreSQL repository,
 * on the same workload in the same run (the realistic one: 50-point messages over 100 series, QoS 1; the
 * publisher sends everything as fast as the broker takes it, the platforms' persistent sessions queue the rest).
 * Rate = points ÷ time from the first publish until the shared counters say every point is stored.
 *
 *   npx tsx bench/scale-out.ts [--points 200000] [--batch 50] [--metrics 100] [--inflight 64]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Birth, type DataBatch, type PointTuple, topicFor } from '@xiang/protocol';
import mqtt from 'mqtt';
import { freePort, waitFor } from '../tests/harness/ports.js';
import { freshDatabase, startPostgres } from '../tests/harness/postgres.js';
import { startInflux, startMosquitto } from '../tests/harness/services.js';

const { values: a } = parseArgs({
  options: {
    points: { type: 'string', default: '200000' },
    metrics: { type: 'string', default: '100' },
    batch: { type: 'string', default: '50' },
    inflight: { type: 'string', default: '64' },
  },
});
const POINTS = Number(a.points);
const METRICS = Number(a.metrics);
const BATCH = Number(a.batch);
const INFLIGHT = Number(a.inflight);
const FACTORY = 'bench';
const AGENT = 'load';
const T0 = Date.now() - 3 * 86_400_000; // inside InfluxDB's raw retention
const log = (s: string) => process.stderr.write(`${s}\n`);

function birth(sessionId: string): Birth {
  const devices = Array.from({ length: 5 }, (_, d) => ({
    id: `m${d}`,
    kind: 'meter' as const,
    assetPath: 'WS1',
    medium: 'electricity' as const,
    meterRole: 'equipment' as const,
  }));
  const metrics = Array.from({ length: METRICS }, (_, i) => ({
    i,
    deviceId: `m${i % 5}`,
    key: `activePower.k${Math.floor(i / 5)}`,
    quantity: 'activePower' as const,
    kind: 'gauge' as const,
    datatype: 'double' as const,
    unit: 'kW',
  }));
  return { sessionId, seq: 0, timestamp: T0, agent: { version: 'bench' }, assets: [], devices, metrics };
}
const tuple = (n: number): PointTuple => [n % METRICS, T0 + Math.floor(n / METRICS) * 1000, (n % 977) * 0.5];

type Proc = { child: ChildProcess; url: string; dir: string };
const TOKEN = `xg_benchadmin_${randomUUID().replaceAll('-', '')}`;

async function startInstance(env: Record<string, string>): Promise<Proc> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-bench-scale-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['platform/bin/xiang.js', 'serve'], {
    env: {
      ...process.env,
      ...env,
      XIANG_HTTP_PORT: String(port),
      XIANG_DATA_DIR: dir,
      XIANG_ADMIN_TOKEN: TOKEN,
      XIANG_LOG_LEVEL: 'warn',
      XIANG_INGEST_AUTO_REGISTER_FACTORIES: 'true',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok,
    'platform /readyz',
    60_000,
    200,
  );
  return { child, url, dir };
}

async function stored(p: Proc): Promise<number> {
  const r = await fetch(`${p.url}/api/v1/ingest/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await r.json()) as { totals?: { pointsStored: number }; pointsStored?: number };
  return body.totals?.pointsStored ?? body.pointsStored ?? 0;
}

async function publishAll(brokerUrl: string): Promise<void> {
  const client = await mqtt.connectAsync(brokerUrl, {
    protocolVersion: 5,
    clientId: `bench-${randomUUID()}`,
  });
  const sessionId = randomUUID();
  await client.publishAsync(topicFor('birth', FACTORY, AGENT), JSON.stringify(birth(sessionId)), { qos: 1 });
  const topic = topicFor('data', FACTORY, AGENT);
  let seq = 0;
  let n = 0;
  let inflight = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inflight < INFLIGHT && n < POINTS) {
        const points: PointTuple[] = [];
        for (let k = 0; k < BATCH && n < POINTS; k++) points.push(tuple(n++));
        const batch: DataBatch = { sessionId, seq: ++seq, historical: false, points };
        inflight++;
        client.publish(topic, JSON.stringify(batch), { qos: 1 }, () => {
          inflight--;
          if (n >= POINTS && inflight === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  await client.endAsync();
}

async function run(name: string, instances: number, env: Record<string, string>, brokerUrl: string) {
  const procs: Proc[] = [];
  for (let i = 0; i < instances; i++)
    procs.push(await startInstance({ ...env, XIANG_MQTT_CLIENT_ID: `bench-${name}-${i}` }));
  try {
    const t0 = Date.now();
    await publishAll(brokerUrl);
    const published = Date.now() - t0;
    // Shared counters (PostgreSQL) or the one instance's: every point stored, then the rate.
    await waitFor(
      async () => (await stored(procs[0]!)) >= POINTS,
      `${name}: ${POINTS} points stored`,
      1_800_000,
      250,
    );
    const ms = Date.now() - t0;
    const pps = Math.round((POINTS / ms) * 1000);
    log(`${name}: ${POINTS} points in ${ms} ms (published in ${published} ms) = ${pps} points/s`);
    return { name, instances, pps, ms };
  } finally {
    for (const p of procs) {
      p.child.kill('SIGTERM');
      await new Promise((r) => p.child.once('exit', r));
      await rm(p.dir, { recursive: true, force: true });
    }
  }
}

const mq = await startMosquitto();
const influx = await startInflux();
const pg = await startPostgres();
if (!mq || !influx || !pg) throw new Error('the benchmark needs Mosquitto, InfluxDB and PostgreSQL');
try {
  const base = {
    XIANG_MQTT_URL: mq.url,
    XIANG_MQTT_SHARED_GROUP: 'bench',
    XIANG_INFLUX_URL: influx.url,
  };
  const results = [];
  results.push(await run('sqlite-1', 1, { ...base, XIANG_INFLUX_DATABASE: `scale_${Date.now()}_a` }, mq.url));
  const pgEnv = async (db: string) => ({
    ...base,
    XIANG_INFLUX_DATABASE: `scale_${Date.now()}_${db}`,
    XIANG_REPOSITORY: 'postgres',
    XIANG_POSTGRES_URL: await freshDatabase(pg.url, `bench_${db}`),
  });
  results.push(await run('postgres-1', 1, await pgEnv('b'), mq.url));
  results.push(await run('postgres-2', 2, await pgEnv('c'), mq.url));
  const lines = [
    `Scale-out (issue 13): ${POINTS} points, ${BATCH}-point messages over ${METRICS} series, QoS 1, real Mosquitto, InfluxDB 1.x and PostgreSQL ${'15'} on this machine (${os.cpus().length} cores, shared).`,
    '',
    '| instances | repository | points/s | time |',
    '|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.instances} | ${r.name.startsWith('sqlite') ? 'embedded SQLite' : 'PostgreSQL'} | ${r.pps} | ${(r.ms / 1000).toFixed(1)} s |`,
    ),
  ];
  console.log(`<!-- BENCH-RESULT -->\n${lines.join('\n')}\n<!-- /BENCH-RESULT -->`);
} finally {
  await pg.dispose();
  await influx.dispose();
  await mq.dispose();
}
