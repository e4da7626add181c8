/**
 * Ingest benchmark (issues #3 §7, 13 §3): sustained points/s through a real Mosquitto → platform (its own
 * process) → store, for the embedded store and for InfluxDB, next to the raw limits measured in the same run
 * (before and after the platform runs; the better of the two is the limit): the `influx` client writing the
 * same points directly in 5 000-point batches, and raw SQLite inserts. After each platform run the store is
 * counted directly (SQLite file / InfluxDB `count()`): stored = published means 0 lost. Memory (platform RSS)
 * is sampled throughout, so a long run shows whether it stays flat.
 *
 *   npx tsx bench/ingest.ts [--points 3000000] [--metrics 2000] [--batch 1000[,50…]] [--inflight 64] [--no-influx]
 *   npx tsx bench/ingest.ts --points 500000 --metrics 100 --batch 50,1000     # `npm run bench -- ingest-small`
 *   npx tsx bench/ingest.ts --paced 60000 --seconds 600 --no-raw --no-influx   # the 10-minute memory run
 *   XIANG_BENCH_PROF=/tmp/prof npx tsx bench/ingest.ts …   # + a CPU profile of each platform process
 * Throughput run: the publisher sends `--points` as fast as the broker takes them (the platform's persistent
 * session queues the rest, as it would after an outage); rate = points ÷ time until the platform stored all.
 * Memory run (`--paced R`): R points/s for `--seconds`, RSS sampled every 5 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Birth, type DataBatch, type PointTuple, topicFor } from '@xiang/protocol';
import mqtt from 'mqtt';
import { freePort, waitFor } from '../tests/harness/ports.js';
import { type Service, startInflux, startMosquitto } from '../tests/harness/services.js';
import {
  countEmbedded,
  countInflux,
  rawInflux,
  rawInfluxLines,
  rawSqlite,
  type Workload,
} from './ingest-raw.js';

const { values: a } = parseArgs({
  options: {
    points: { type: 'string', default: '3000000' },
    seconds: { type: 'string', default: '600' },
    paced: { type: 'string' },
    metrics: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '1000' },
    inflight: { type: 'string', default: '64' },
    // The group-commit bound: the platform's MQTT Receive Maximum and Mosquitto's max_inflight_messages.
    'receive-max': { type: 'string' },
    'no-influx': { type: 'boolean', default: false },
    'no-raw': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(a.seconds);
const POINTS = Number(a.points);
const PACED = a.paced ? Number(a.paced) : null;
const METRICS = Number(a.metrics);
const BATCHES = a.batch.split(',').map(Number);
let BATCH = BATCHES[0] as number;
const INFLIGHT = Number(a.inflight);
const RECEIVE_MAX = a['receive-max'] ? Number(a['receive-max']) : null;
const FACTORY = 'bench';
const AGENT = 'load';
const T0 = Date.UTC(2026, 0, 5);
const DEVICES = Math.max(1, Math.floor(METRICS / 20));
const log = (s: string) => process.stderr.write(`${s}\n`);

function birth(sessionId: string): Birth {
  const devices = Array.from({ length: DEVICES }, (_, d) => ({
    id: `m${d}`,
    kind: 'meter' as const,
    assetPath: `WS${d % 3}`,
    medium: 'electricity' as const,
    meterRole: 'equipment' as const,
  }));
  const metrics = Array.from({ length: METRICS }, (_, i) => ({
    i,
    deviceId: `m${i % DEVICES}`,
    key: `activePower.k${Math.floor(i / DEVICES)}`,
    quantity: 'activePower' as const,
    kind: 'gauge' as const,
    datatype: 'double' as const,
    unit: 'kW',
  }));
  return { sessionId, seq: 0, timestamp: T0, agent: { version: 'bench' }, assets: [], devices, metrics };
}

/** Point n of the stream: metric n mod METRICS at second ⌊n / METRICS⌋ — never the same (series, time) twice. */
function tuple(n: number): PointTuple {
  return [n % METRICS, T0 + Math.floor(n / METRICS) * 1000, (n % 977) * 0.5];
}

const workload: Workload = { factory: FACTORY, devices: DEVICES, tuple };

type PlatformProc = { child: ChildProcess; url: string; token: string; dir: string; database: string | null };

async function startPlatformProcess(brokerUrl: string, influxUrl?: string): Promise<PlatformProc> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-bench-ingest-'));
  const port = await freePort();
  const token = `xg_benchadmin_${randomUUID().replaceAll('-', '')}`;
  const database = influxUrl ? `bench_${Date.now()}` : null;
  let config: Record<string, string> = {};
  if (RECEIVE_MAX) {
    const file = path.join(dir, 'bench-config.yaml');
    await writeFile(file, `mqtt:\n  receiveMaximum: ${RECEIVE_MAX}\n`);
    config = { XIANG_CONFIG: file };
  }
  const env = {
    ...process.env,
    ...config,
    XIANG_HTTP_PORT: String(port),
    XIANG_MQTT_URL: brokerUrl,
    XIANG_DATA_DIR: dir,
    XIANG_ADMIN_TOKEN: token,
    XIANG_LOG_LEVEL: 'warn',
    ...(influxUrl && database ? { XIANG_INFLUX_URL: influxUrl, XIANG_INFLUX_DATABASE: database } : {}),
  };
  const prof = process.env.XIANG_BENCH_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.XIANG_BENCH_PROF}`]
    : [];
  // XIANG_BENCH_NODE_FLAGS: extra flags for the platform's node (e.g. --trace-deopt while profiling).
  const flags = (process.env.XIANG_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, ...prof, 'platform/bin/xiang.js', 'serve'], {
    env,
    stdio: ['ignore', process.env.XIANG_BENCH_NODE_FLAGS ? 'inherit' : 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok,
    'platform /readyz',
    60_000,
    200,
  );
  // `xiang serve` creates factories only on an admin's request (issue 8).
  await fetch(`${url}/api/v1/factories`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: FACTORY }),
  });
  return { child, url, token, dir, database };
}

async function storedPoints(p: PlatformProc): Promise<number> {
  const r = await fetch(`${p.url}/api/v1/ingest/stats`, { headers: { authorization: `Bearer ${p.token}` } });
  const body = (await r.json()) as { totals?: { pointsStored: number }; pointsStored?: number };
  return body.totals?.pointsStored ?? body.pointsStored ?? 0;
}

/** Group commits so far and the messages in them (`/metrics`), for the mean group size. */
async function groupStats(p: PlatformProc): Promise<{ batches: number; messages: number }> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  const n = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 'NaN');
  return { batches: n('xiang_ingest_batches_total'), messages: n('xiang_ingest_batched_messages_total') };
}

/** Points accepted but not yet in the database (InfluxDB: the local journal not yet shipped). */
async function backlog(p: PlatformProc): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  return Number(/^xiang_store_backlog_points (\d+)/m.exec(text)?.[1] ?? 'NaN');
}

/**
 * Resident memory in MiB: all of it (VmRSS) and the anonymous part (RssAnon: heaps, buffers). The difference
 * is file pages — mostly SQLite's memory-mapped database file, which the kernel reclaims under pressure and
 * which grows with the file, not with a leak.
 */
async function memMiB(pid: number): Promise<{ rss: number; anon: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024 };
}

/**
 * CPU seconds the process has used (user + system, /proc/<pid>/stat, clock ticks of 10 ms): the platform's
 * own cost per point, which a busy shared machine disturbs far less than points/s (wall time).
 */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy and total CPU seconds of the whole machine so far (/proc/stat, all cores, clock ticks of 10 ms). */
async function machineSeconds(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (t[3] ?? 0) + (t[4] ?? 0); // idle + iowait
  const total = t.slice(0, 8).reduce((s, x) => s + x, 0); // user … steal (guest time is inside user)
  return { busy: (total - idle) / 100, total: total / 100 };
}

/**
 * Publishes batches keeping INFLIGHT unacknowledged: POINTS as fast as the broker takes them, or (paced)
 * PACED points/s for SECONDS. Returns the number of points published.
 */
async function publish(brokerUrl: string, onTick: () => Promise<void>): Promise<number> {
  const client = await mqtt.connectAsync(brokerUrl, {
    protocolVersion: 5,
    clientId: `bench-${randomUUID()}`,
    clean: true,
  });
  const sessionId = randomUUID();
  await client.publishAsync(topicFor('birth', FACTORY, AGENT), JSON.stringify(birth(sessionId)), { qos: 1 });
  const topic = topicFor('data', FACTORY, AGENT);
  const started = Date.now();
  const end = started + SECONDS * 1000;
  const total = PACED ? Math.floor(PACED * SECONDS) : POINTS;
  let seq = 0;
  let n = 0;
  let inflight = 0;
  let nextTick = started + 5000;
  const ticker = setInterval(() => {
    if (Date.now() >= nextTick) {
      nextTick += 5000;
      void onTick();
    }
  }, 250);
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inflight < INFLIGHT && n < total && Date.now() < end) {
        // Paced: never ahead of the schedule.
        if (PACED && n >= ((Date.now() - started) / 1000) * PACED) {
          setTimeout(pump, 20);
          return;
        }
        const points: PointTuple[] = [];
        for (let k = 0; k < BATCH && n < total; k++) points.push(tuple(n++));
        const batch: DataBatch = { sessionId, seq: ++seq, historical: false, points };
        inflight++;
        client.publish(topic, JSON.stringify(batch), { qos: 1 }, () => {
          inflight--;
          if ((n >= total || Date.now() >= end) && inflight === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  clearInterval(ticker);
  await client.endAsync();
  return n;
}

type PlatformRun = {
  pps: number;
  /** Platform CPU seconds (user + system) from the first message published to the last point stored. */
  cpuS: number;
  /** Mean messages per group commit. */
  meanGroup: number;
  /** Over the same interval: CPU seconds of the publisher (this process), of the broker, and the machine's. */
  publisherS: number;
  brokerS: number | null;
  machine: { busy: number; total: number };
  rss: number[];
  anon: number[];
  points: number;
  stored: number | null;
};

async function runPlatform(mq: Service, influx: Service | null): Promise<PlatformRun> {
  const p = await startPlatformProcess(mq.url, influx?.url);
  const rss: number[] = [];
  const anon: number[] = [];
  const record = async () => {
    const m = await memMiB(p.child.pid!);
    rss.push(m.rss);
    anon.push(m.anon);
  };
  let result: Omit<PlatformRun, 'stored'> | null = null;
  try {
    const t0 = Date.now();
    const cpu0 = await cpuSeconds(p.child.pid!);
    const pub0 = process.cpuUsage();
    const broker0 = mq.pid ? await cpuSeconds(mq.pid) : null;
    const machine0 = await machineSeconds();
    const sample = async () => {
      await record();
      log(
        `  ${((Date.now() - t0) / 1000).toFixed(0)} s: stored ${(await storedPoints(p)).toLocaleString('en')}, RSS ${rss.at(-1)!.toFixed(0)} MiB (anonymous ${anon.at(-1)!.toFixed(0)})`,
      );
    };
    const published = await publish(mq.url, sample);
    const ticker = setInterval(() => void sample(), 5000);
    await waitFor(
      async () => (await storedPoints(p)) >= published,
      `all ${published} points stored`,
      1_800_000,
      200,
    );
    // Stored = durable; for InfluxDB also wait until the journal is shipped, so the rate is into the database.
    await waitFor(async () => (await backlog(p)) === 0, 'store backlog empty', 1_800_000, 200);
    clearInterval(ticker);
    const secs = (Date.now() - t0) / 1000;
    const cpuS = (await cpuSeconds(p.child.pid!)) - cpu0;
    const pub = process.cpuUsage(pub0);
    const publisherS = (pub.user + pub.system) / 1e6;
    const brokerS = mq.pid && broker0 !== null ? (await cpuSeconds(mq.pid)) - broker0 : null;
    const m1 = await machineSeconds();
    const machine = { busy: m1.busy - machine0.busy, total: m1.total - machine0.total };
    await record();
    const g = await groupStats(p);
    // Less the birth, which is a batch of its own.
    const meanGroup = (g.messages - 1) / Math.max(1, g.batches - 1);
    result = {
      pps: published / secs,
      cpuS,
      meanGroup,
      publisherS,
      brokerS,
      machine,
      rss,
      anon,
      points: published,
    };
    log(
      `  ${fmt(result.pps)} points/s; platform CPU ${cpuS.toFixed(2)} s (${((cpuS / published) * 1e6).toFixed(2)} µs a point); ${meanGroup.toFixed(1)} messages a group commit`,
    );
  } finally {
    p.child.kill('SIGTERM');
    await new Promise((r) => p.child.once('exit', r));
  }
  try {
    // Counted in the store itself, not by the platform: every published (series, time) once = 0 lost.
    const stored = influx && p.database ? await countInflux(influx, p.database) : countEmbedded(p.dir);
    return { ...result, stored };
  } finally {
    if (influx && p.database) await dropDatabase(influx, p.database);
    await rm(p.dir, { recursive: true, force: true });
  }
}

async function dropDatabase(influx: Service, db: string): Promise<void> {
  await fetch(`${influx.url}/query?q=${encodeURIComponent(`DROP DATABASE "${db}"`)}`, { method: 'POST' });
}

const mq = await startMosquitto(RECEIVE_MAX ? { extraConfig: [`max_inflight_messages ${RECEIVE_MAX}`] } : {});
if (!mq) throw new Error('bench needs mosquitto (apt-get install mosquitto)');
const influx = a['no-influx'] ? null : await startInflux();
const tmp = await mkdtemp(path.join(os.tmpdir(), 'xiang-bench-raw-'));
const fmt = (n: number) => Math.round(n).toLocaleString('en');
/** RSS samples (every 5 s) as the peak of each minute — GC makes a sawtooth; a leak shows as rising peaks. */
function rssByMinute(m: { rss: number[]; anon: number[] }): string {
  const peaks = (xs: number[]) => {
    const out: string[] = [];
    for (let i = 0; i < xs.length; i += 12) out.push(Math.max(...xs.slice(i, i + 12)).toFixed(0));
    return out.join(' → ');
  };
  return `RSS peak per minute ${peaks(m.rss)}; anonymous (heap, buffers — not SQLite's mapped file) ${peaks(m.anon)}`;
}
const RAW_POINTS = PACED ? 2_000_000 : Math.min(POINTS, 2_000_000);
type RawLimit = { label: string; run: () => Promise<number> };
/** CPU µs a point of each raw SQLite run (the bench process's own CPU): the platform's CPU figure's yardstick. */
const rawSqliteCpuUs: number[] = [];

/** Runs the platform once per message size, with the raw limits of the same store before and after. */
async function measureStore(label: string, store: Service | null, raws: RawLimit[]): Promise<string[]> {
  const measureRaws = async () => {
    const out: number[] = [];
    for (const r of raws) out.push(await r.run());
    return out;
  };
  const before = await measureRaws();
  const runs: [number, PlatformRun][] = [];
  for (const b of BATCHES) {
    BATCH = b;
    log(
      `platform + ${label}, ${PACED ? `${PACED} points/s for ${SECONDS} s` : `${POINTS} points`}, ${METRICS} metrics, messages of ${b} points…`,
    );
    runs.push([b, await runPlatform(mq as Service, store)]);
  }
  const after = await measureRaws();
  const limit = raws.length ? Math.max(...before, ...after) : null;
  const limitText = raws.length
    ? `**${fmt(limit as number)}**: ${raws.map((r, i) => `${r.label} ${fmt(before[i] as number)} before, ${fmt(after[i] as number)} after`).join('; ')}${store === null && rawSqliteCpuUs.length ? ` (CPU µs a point: ${rawSqliteCpuUs.map((u) => u.toFixed(2)).join(', ')})` : ''}`
    : '—';
  for (const [b, r] of runs) cpuRows.push(cpuRow(label, b, r));
  return runs.map(
    ([b, r]) =>
      `| broker → platform → ${label} | ${b} | ${fmt(r.pps)} | ${((r.cpuS / r.points) * 1e6).toFixed(2)} | ${r.meanGroup.toFixed(0)} | ${limitText} | ${limit !== null ? `${((r.pps / limit) * 100).toFixed(0)} %` : '—'} | ${r.stored === null ? '—' : `${fmt(r.stored)} of ${fmt(r.points)}${r.stored === r.points ? ' (0 lost)' : ` (${fmt(r.points - r.stored)} MISSING)`}`} | ${rssByMinute(r)} |`,
  );
}
/** Where the machine's CPU went during a platform run: is the platform ÷ raw ratio bounded by the cores? */
function cpuRow(label: string, batch: number, r: PlatformRun): string {
  const us = (s: number | null) => (s === null ? '—' : ((s / r.points) * 1e6).toFixed(2));
  const cores = r.machine.total > 0 ? (r.machine.busy / r.machine.total) * os.cpus().length : 0;
  const known = r.cpuS + r.publisherS + (r.brokerS ?? 0);
  return `| ${label} | ${batch} | ${cores.toFixed(2)} of ${os.cpus().length} | ${us(r.machine.busy)} | ${us(r.publisherS)} | ${us(r.brokerS)} | ${us(r.cpuS)} | ${us(Math.max(0, r.machine.busy - known))} |`;
}
const cpuRows: string[] = [];
const rows: string[] = [];
try {
  const noRaw = a['no-raw'];
  const sqliteRaw: RawLimit = {
    label: 'raw SQLite inserts',
    run: async () => {
      const r = rawSqlite(tmp, workload, RAW_POINTS);
      rawSqliteCpuUs.push(r.cpuUs);
      log(`  raw SQLite: ${fmt(r.pps)} points/s, ${r.cpuUs.toFixed(2)} µs CPU a point`);
      return r.pps;
    },
  };
  rows.push(...(await measureStore('embedded store', null, noRaw ? [] : [sqliteRaw])));
  if (influx) {
    const influxRaws: RawLimit[] = [
      { label: '`influx` client writePoints', run: () => rawInflux(influx, workload, RAW_POINTS) },
      { label: 'line protocol POSTed', run: () => rawInfluxLines(influx, workload, RAW_POINTS) },
    ];
    rows.push(...(await measureStore('InfluxDB store', influx, noRaw ? [] : influxRaws)));
  }
} finally {
  await influx?.dispose();
  await mq.dispose();
  await rm(tmp, { recursive: true, force: true });
}
console.log(`<!-- BENCH-RESULT -->
## Ingest (issues #3, 13): broker → platform → store

\`npx tsx bench/ingest.ts ${process.argv.slice(2).join(' ')}\` — a publisher sends ${PACED ? `${PACED} points/s for ${SECONDS} s` : `${POINTS.toLocaleString('en')} points`} as
xiang/v1 data messages of ${BATCHES.join(' or ')} points (${METRICS} series, 1 float each, QoS 1, ${INFLIGHT} in flight) to a real Mosquitto${RECEIVE_MAX ? ` (max_inflight_messages ${RECEIVE_MAX}; platform Receive Maximum ${RECEIVE_MAX})` : ' (max_inflight_messages 100; platform Receive Maximum 100, the default)'}, as fast
as the broker takes them; the platform runs in its own process and acknowledges each message only once stored
(group commit); points/s = points ÷ time until the platform had stored all of them (for InfluxDB: until its
local journal was empty, i.e. all in InfluxDB). The raw limit is measured in the same run with the same points
(${RAW_POINTS.toLocaleString('en')}, 5 000 a request or 10 000 a transaction), before and after the platform runs of that store: the
best of them is the limit. "Stored" is counted in the
store itself after the platform stopped (SQLite file; InfluxDB \`count()\`).

| path | points per message | points/s | platform CPU µs a point | messages a group commit | raw limit (points/s) | platform ÷ raw | stored of published | platform RSS MiB (sampled every 5 s) |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Where the machine's CPU went in the same runs (all processes, /proc/stat; the publisher is the benchmark process):
cores busy on average, and CPU µs a point for the whole machine, the publisher, Mosquitto, the platform and the rest.

| path | points per message | cores busy | machine µs a point | publisher | broker | platform | rest |
|---|---|---|---|---|---|---|---|
${cpuRows.join('\n')}
<!-- /BENCH-RESULT -->`);
process.exit(0);
