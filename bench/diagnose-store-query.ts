/**
 * Where the time of a diagnosis on InfluxDB goes (issue 13): the diagnose-store plant written once into a
 * private influxd kept in --dir (reused by later runs: iterate on the read path without rewriting a year),
 * then `loadEnergyInputs` timed --repeat times, counting InfluxQL queries, response bytes (JSON length) and
 * Node CPU (process.cpuUsage) against wall time.
 *   npx tsx bench/diagnose-store-query.ts --dir /tmp/diag-q [--meters 50] [--days 365] [--repeat 3] [--compare] [--no-digest]
 * --compare alternates runs with and without the batched reads (engine/prefetch.ts) and CSV rollup pages
 * (influx/http-query.ts) in the same process: the read path as before next to the new one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { StoreBackend } from '../platform/src/store/engine/load.js';
import { createStore } from '../platform/src/store/index.js';
import { InfluxReader } from '../platform/src/store/influx/reader.js';
import { freePort, waitFor } from '../tests/harness/ports.js';
import { influxdConfig } from '../tests/harness/services.js';
import { syntheticPlant } from './diagnose.js';
import { loadTimed, plantSeries, points, snapshotOf } from './diagnose-store-data.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '/tmp/xiang-diag-query' },
    meters: { type: 'string', default: '50' },
    days: { type: 'string', default: '365' },
    repeat: { type: 'string', default: '3' },
    // Alternate runs without the batched reads (engine/prefetch.ts): the read path as before, same process.
    compare: { type: 'boolean', default: false },
    // Skip hashing the loaded input (seconds of JSON): for CPU profiles of the read path alone.
    'no-digest': { type: 'boolean', default: false },
  },
});
const dir = path.resolve(values.dir);
const o = { meters: Number(values.meters), days: Number(values.days) };
const input = syntheticPlant(o);
const { series, metrics } = plantSeries(input);

const q = { calls: 0, bytes: 0, ms: 0 };
const byMeasurement = new Map<string, { calls: number; ms: number; mb: number }>();
const proto = InfluxReader.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
for (const name of ['select', 'selectMany'] as const) {
  const f = proto[name];
  if (!f) continue;
  proto[name] = async function (this: unknown, ...a: unknown[]) {
    const t = performance.now();
    const r = await f.apply(this, a);
    q.ms += performance.now() - t;
    q.calls++;
    const bytes = sizeOf(r);
    q.bytes += bytes;
    const text = String(a[0]);
    const range = /time >= (\d+)ms AND time < (\d+)ms/.exec(text);
    const spanH = range ? Math.round((Number(range[2]) - Number(range[1])) / 3_600_000) : -1;
    const m = `${/FROM \S+\."([^"]+)"/.exec(text)?.[1] ?? text.slice(0, 20)} ${spanH < 24 ? `${spanH}h` : `${Math.round(spanH / 24)}d`}${(r as unknown[]).length === 0 ? ' empty' : ''}`;
    const e = byMeasurement.get(m) ?? { calls: 0, ms: 0, mb: 0 };
    e.calls++;
    e.ms += performance.now() - t;
    e.mb += bytes / 1e6;
    byMeasurement.set(m, e);
    return r;
  };
}

/** Approximate response size: string lengths, 8 per number (cheap next to JSON.stringify). */
function sizeOf(x: unknown): number {
  if (typeof x === 'string') return x.length + 2;
  if (Array.isArray(x)) return x.reduce((s: number, v) => s + sizeOf(v), 0);
  if (x && typeof x === 'object') return Object.values(x).reduce((s: number, v) => s + sizeOf(v), 0);
  return 8;
}

await mkdir(dir, { recursive: true });
const confFile = path.join(dir, 'influxdb.conf');
const fresh = !existsSync(path.join(dir, 'written.json'));
const port = await freePort();
await writeFile(confFile, influxdConfig({ dir, httpPort: port, rpcPort: await freePort() }));
const influxd: ChildProcess = spawn('influxd', ['-config', confFile], { stdio: 'ignore' });
const url = `http://127.0.0.1:${port}`;
/** influxd's CPU time (user + system, /proc/<pid>/stat, 10 ms ticks). */
const influxdCpuMs = (): number => {
  const f = readFileSync(`/proc/${influxd.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10;
};
try {
  await waitFor(
    async () => (await fetch(`${url}/ping`).catch(() => null))?.status === 204,
    'influxd',
    60_000,
    100,
  );
  const store = await createStore({
    dataDir: path.join(dir, 'store'),
    influxUrl: url,
    database: 'diag',
    rollupRefreshMs: 0,
    influx: { retention: { raw: 'INF' } },
  });
  if (fresh) {
    const t0 = performance.now();
    for (const chunk of points(input, series, 50_000)) await store.write(chunk);
    await waitFor(
      async () => {
        const h = store.health();
        if (h.backlogPoints === 0 && (h.rollups?.dirtyHours ?? 0) === 0) return true;
        await store.flush();
        return false;
      },
      'settled',
      3_600_000,
      500,
    );
    await writeFile(path.join(dir, 'written.json'), JSON.stringify({ ...o, ms: performance.now() - t0 }));
    console.log(`written in ${Math.round(performance.now() - t0)} ms`);
  } else {
    const w = JSON.parse(await readFile(path.join(dir, 'written.json'), 'utf8')) as typeof o;
    if (w.meters !== o.meters || w.days !== o.days) throw new Error(`--dir holds ${JSON.stringify(w)}`);
  }
  const snapshot = snapshotOf(input, metrics);
  const backend = (store as unknown as { backend: StoreBackend }).backend;
  const batched = { rowsMany: backend.rowsMany, rollupsMany: backend.rollupsMany };
  const reader = (store as unknown as { reader: { csv?: unknown } }).reader;
  const csv = reader.csv;
  for (let r = 0; r < Number(values.repeat) * (values.compare ? 2 : 1); r++) {
    const perSeries = values.compare === true && r % 2 === 1;
    backend.rowsMany = perSeries ? undefined : batched.rowsMany;
    backend.rollupsMany = perSeries ? undefined : batched.rollupsMany;
    reader.csv = perSeries ? undefined : csv;
    Object.assign(q, { calls: 0, bytes: 0, ms: 0 });
    byMeasurement.clear();
    const s0 = influxdCpuMs();
    const c0 = process.cpuUsage();
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    const { loaded, stages } = await loadTimed(store, snapshot, input);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    // The whole loaded input, hashed: a faster read path must give the same digest.
    const digest = values['no-digest']
      ? 'skipped'
      : createHash('sha256')
          .update(
            JSON.stringify(loaded, (_k, v) =>
              ArrayBuffer.isView(v) ? Array.from(v as Float64Array, (x) => (Number.isNaN(x) ? 'NaN' : x)) : v,
            ),
          )
          .digest('hex')
          .slice(0, 16);
    console.log(
      JSON.stringify({
        run: r,
        reads: perSeries ? 'as before: per series, JSON' : 'batched edges, CSV pages',
        wallMs: Math.round(wall),
        cpuMs: Math.round((c.user + c.system) / 1000),
        systemMs: Math.round(c.system / 1000),
        // Fresh memory touched (4 KiB pages): what allocating and dropping answers costs the kernel.
        minorFaults: process.resourceUsage().minorPageFault - f0,
        influxdCpuMs: influxdCpuMs() - s0,
        queries: q.calls,
        queryMs: Math.round(q.ms),
        responseMB: Math.round(q.bytes / 1e5) / 10,
        stages: Object.fromEntries([...stages].map(([k, v]) => [k, Math.round(v)])),
        digest,
        by: Object.fromEntries(
          [...byMeasurement].map(([k, v]) => [
            k,
            `${v.calls} q, ${Math.round(v.ms)} ms, ${v.mb.toFixed(1)} MB`,
          ]),
        ),
        load: os.loadavg().map((l) => l.toFixed(1)),
      }),
    );
  }
  await store.close();
} finally {
  influxd.kill('SIGTERM');
}
