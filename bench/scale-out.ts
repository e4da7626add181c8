/**
 * Scale-out benchmark (issue 13): points/s through Mosquitto → platform process(es) → InfluxDB for
 *   1. one instance, embedded SQLite repository (today's default shape),
 *   2. one instance, PostgreSQL repository,
 *   3. two instances in one share group, one PostgreSQL repository,
 * on the same workload in the same run (50-point messages over 100 series, QoS 1, from `--agents` gateways,
 * each its own session and devices; the publishers send everything as fast as the broker takes it, the
 * platforms' persistent sessions queue the rest), next to the raw limits measured in the same run: the
 * `influx` client writing the same points in 5 000-point batches (where the points end up), and the same
 * points INSERTed into the same PostgreSQL by an async `pg` client, one transaction per 50-point message.
 * Rate = points ÷ time from the first publish until the shared counters say every point is stored. Also the
 * platforms' event-loop lag over the run (prom-client's monitorEventLoopDelay, reset at the first publish).
 *
 * Each phase has its own share group: a stopped instance's persistent session stays in its group, and the
 * broker keeps handing it its share of the group's messages (queued for an instance that never returns).
 *
 *   npx tsx bench/scale-out.ts [--points 200000] [--batch 50] [--metrics 100] [--agents 4] [--inflight 64]
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
import { rawInflux } from './ingest-raw.js';
import { rawPostgres } from './scale-out-raw.js';

const { values: a } = parseArgs({
  options: {
    points: { type: 'string', default: '200000' },
    metrics: { type: 'string', default: '100' },
    batch: { type: 'string', default: '50' },
    agents: { type: 'string', default: '4' },
    inflight: { type: 'string', default: '64' },
    phases: { type: 'string', default: 'sqlite-1,postgres-1,postgres-2' },
  },
});
const POINTS = Number(a.points);
const METRICS = Number(a.metrics);
const BATCH = Number(a.batch);
const AGENTS = Number(a.agents);
const INFLIGHT = Number(a.inflight);
const PER_AGENT = Math.ceil(METRICS / AGENTS);
const FACTORY = 'bench';
const T0 = Date.now() - 3 * 86_400_000; // inside InfluxDB's raw retention
const RUN = randomUUID().slice(0, 8);
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Agent k's birth: 5 devices of its own (a device belongs to the agent that declared it), PER_AGENT metrics. */
function birth(k: number, sessionId: string): Birth {
  const devices = Array.from({ length: 5 }, (_, d) => ({
    id: `a${k}m${d}`,
    kind: 'meter' as const,
    assetPath: 'WS1',
    medium: 'electricity' as const,
    meterRole: 'equipment' as const,
  }));
  const metrics = Array.from({ length: PER_AGENT }, (_, i) => ({
    i,
    deviceId: `a${k}m${i % 5}`,
    key: `activePower.k${Math.floor(i / 5)}`,
    quantity: 'activePower' as const,
    kind: 'gauge' as const,
    datatype: 'double' as const,
    unit: 'kW',
  }));
  return { sessionId, seq: 0, timestamp: T0, agent: { version: 'bench' }, assets: [], devices, metrics };
}
/** Point n of one agent's stream. */
const tuple = (n: number): PointTuple => [
  n % PER_AGENT,
  T0 + Math.floor(n / PER_AGENT) * 1000,
  (n % 977) * 0.5,
];

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

/**
 * From an instance's /metrics: event-loop lag since the previous scrape (prom-client resets its histogram at
 * each collect), in ms; the repository's round trips and seconds blocked on them so far (PostgreSQL only).
 */
async function scrape(
  p: Proc,
): Promise<{ p99: number; max: number; trips: number; blockedS: number; beginS: number }> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    p99: read('xiang_nodejs_eventloop_lag_p99_seconds') * 1000,
    max: read('xiang_nodejs_eventloop_lag_max_seconds') * 1000,
    trips: read('xiang_repository_round_trips_total'),
    blockedS: read('xiang_repository_blocked_seconds_total'),
    beginS: read('xiang_repository_begin_blocked_seconds_total'),
  };
}

/** One gateway: its birth, then its share of the points as fast as the broker takes them (INFLIGHT QoS 1). */
async function publishAgent(brokerUrl: string, k: number, points: number): Promise<void> {
  const client = await mqtt.connectAsync(brokerUrl, {
    protocolVersion: 5,
    clientId: `bench-${randomUUID()}`,
  });
  const sessionId = randomUUID();
  const agent = `g${k}`;
  await client.publishAsync(topicFor('birth', FACTORY, agent), JSON.stringify(birth(k, sessionId)), {
    qos: 1,
  });
  const topic = topicFor('data', FACTORY, agent);
  let seq = 0;
  let n = 0;
  let inflight = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inflight < INFLIGHT && n < points) {
        const pts: PointTuple[] = [];
        for (let j = 0; j < BATCH && n < points; j++) pts.push(tuple(n++));
        const batch: DataBatch = { sessionId, seq: ++seq, historical: false, points: pts };
        inflight++;
        client.publish(topic, JSON.stringify(batch), { qos: 1 }, () => {
          inflight--;
          if (n >= points && inflight === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  await client.endAsync();
}

/** Waits until `target` points are stored; fails after 120 s without progress (bounded), logging every 10 s. */
async function storedAll(p: Proc, name: string): Promise<void> {
  let last = -1;
  let progressAt = Date.now();
  let loggedAt = Date.now();
  for (let i = 0; i < 100_000; i++) {
    const n = await stored(p);
    if (n >= POINTS) return;
    if (n > last) [last, progressAt] = [n, Date.now()];
    if (Date.now() - progressAt > 120_000)
      throw new Error(`${name}: stuck at ${n}/${POINTS} points for 120 s`);
    if (Date.now() - loggedAt > 10_000) [loggedAt] = [Date.now(), log(`${name}: ${n}/${POINTS} stored`)];
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name}: not all points stored`);
}

type Result = {
  name: string;
  instances: number;
  pps: number;
  ms: number;
  lag: { p99: number; max: number };
  /** Repository round trips per 50-point message, and the share of the run the event loops were blocked. */
  tripsPerMessage: number;
  blocked: number;
  /** Of the run, the share blocked on BEGIN and the transaction locks (waiting for the other instance). */
  begin: number;
};

async function run(name: string, instances: number, env: Record<string, string>, brokerUrl: string) {
  const procs: Proc[] = [];
  const group = `bench-${RUN}-${name}`; // never shared with an earlier phase's (stopped) instances
  for (let i = 0; i < instances; i++)
    procs.push(
      await startInstance({ ...env, XIANG_MQTT_SHARED_GROUP: group, XIANG_MQTT_CLIENT_ID: `${group}-${i}` }),
    );
  try {
    const before = await Promise.all(procs.map(scrape)); // also resets the lag histograms
    const t0 = Date.now();
    const share = Math.ceil(POINTS / AGENTS);
    await Promise.all(
      Array.from({ length: AGENTS }, (_, k) =>
        publishAgent(brokerUrl, k, Math.min(share, POINTS - k * share)),
      ),
    );
    const published = Date.now() - t0;
    await storedAll(procs[0]!, name); // shared counters (PostgreSQL) or the one instance's
    const ms = Date.now() - t0;
    const after = await Promise.all(procs.map(scrape));
    const lag = { p99: Math.max(...after.map((l) => l.p99)), max: Math.max(...after.map((l) => l.max)) };
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
    const tripsPerMessage = sum(after.map((x, i) => x.trips - before[i]!.trips)) / (POINTS / BATCH);
    const ofRun = (f: (x: Awaited<ReturnType<typeof scrape>>) => number) =>
      sum(after.map((x, i) => f(x) - f(before[i]!))) / instances / (ms / 1000);
    const blocked = ofRun((x) => x.blockedS);
    const begin = ofRun((x) => x.beginS);
    const pps = Math.round((POINTS / ms) * 1000);
    log(
      `${name}: ${POINTS} points in ${ms} ms (published in ${published} ms) = ${pps} points/s, lag ${JSON.stringify(lag)}, ${tripsPerMessage.toFixed(2)} round trips/message, blocked ${(100 * blocked).toFixed(0)} % (on BEGIN + locks ${(100 * begin).toFixed(0)} %)`,
    );
    return { name, instances, pps, ms, lag, tripsPerMessage, blocked, begin } satisfies Result;
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
  const base = { XIANG_MQTT_URL: mq.url, XIANG_INFLUX_URL: influx.url };
  const workload = { factory: FACTORY, devices: 5, tuple };
  const rawIn = await rawInflux(influx, workload, POINTS);
  log(`raw InfluxDB: ${Math.round(rawIn)} points/s`);
  const rawPg = await rawPostgres(await freshDatabase(pg.url, 'bench_raw'), POINTS, BATCH, tuple);
  log(`raw PostgreSQL: ${Math.round(rawPg)} points/s`);
  const pgEnv = async (db: string) => ({
    ...base,
    XIANG_INFLUX_DATABASE: `scale_${RUN}_${db}`,
    XIANG_REPOSITORY: 'postgres',
    XIANG_POSTGRES_URL: await freshDatabase(pg.url, `bench_${db}`),
  });
  const phases: Record<string, () => Promise<Result>> = {
    'sqlite-1': async () => run('sqlite-1', 1, { ...base, XIANG_INFLUX_DATABASE: `scale_${RUN}_a` }, mq.url),
    'postgres-1': async () => run('postgres-1', 1, await pgEnv('b'), mq.url),
    'postgres-2': async () => run('postgres-2', 2, await pgEnv('c'), mq.url),
  };
  const results: Result[] = [];
  for (const ph of a.phases.split(',')) {
    const go = phases[ph];
    if (!go) throw new Error(`unknown phase ${ph}; known: ${Object.keys(phases).join(', ')}`);
    results.push(await go());
  }
  const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(0)} %`;
  const lines = [
    `Scale-out (issue 13): ${POINTS} points, ${BATCH}-point messages over ${METRICS} series from ${AGENTS} gateways (each its own session), QoS 1, real Mosquitto, InfluxDB 1.x and PostgreSQL 15 on this machine (${os.cpus().length} cores, shared).`,
    '',
    '| instances | repository | points/s | of raw InfluxDB | time | event-loop lag p99 / max | repository round trips per message | event loop blocked on them (of which BEGIN + locks) |',
    '|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.instances} | ${r.name.startsWith('sqlite') ? 'embedded SQLite' : 'PostgreSQL'} | ${r.pps} | ${pct(r.pps, rawIn)} | ${(r.ms / 1000).toFixed(1)} s | ${r.lag.p99.toFixed(0)} / ${r.lag.max.toFixed(0)} ms | ${r.name.startsWith('sqlite') ? '—' : r.tripsPerMessage.toFixed(2)} | ${r.name.startsWith('sqlite') ? '—' : `${(100 * r.blocked).toFixed(0)} % (${(100 * r.begin).toFixed(0)} %)`} |`,
    ),
    '',
    `Raw limits in the same run: InfluxDB (the \`influx\` client, 5 000-point batches) ${Math.round(rawIn)} points/s; the same points INSERTed into the same PostgreSQL (async \`pg\`, one transaction per ${BATCH}-point message) ${Math.round(rawPg)} points/s.`,
    '',
    'Rate = points ÷ time from the first publish until the shared counters count every point stored. Round trips and the blocked share come from each instance\'s `/metrics` (`xiang_repository_*`); all instances share this machine\'s cores, so a second one adds no CPU here — see platform/docs/deploy.md, "Sizing".',
  ];
  console.log(`<!-- BENCH-RESULT -->\n${lines.join('\n')}\n<!-- /BENCH-RESULT -->`);
} finally {
  await pg.dispose();
  await influx.dispose();
  await mq.dispose();
}
