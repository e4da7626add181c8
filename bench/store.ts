/**
 * Time-series store benchmark (issue #3 §7, issue #4 §5).
 *
 *   npx tsx bench/store.ts [--meters 200] [--days 365] [--sqlite-points 2000000] [--influx-points 1000000]
 *                          [--no-influx] [--raw-query] [--json out.json]
 *
 * Data: `meters` energy counters sampled every 15 min for `days` days from 2024-01-01 UTC, written time-major
 * (each tick, every meter) as an ingest would. Measures
 *   1. raw SQLite inserts (better-sqlite3, same table, prepared INSERT OR REPLACE, 10 000 per transaction)
 *      versus the embedded store's write(), and the rollup build (flush) that follows;
 *   2. the `influx` client's writePoints() in batches of 5 000 versus the InfluxDB store's write() of the same
 *      points in the same batches, and their ratio; then the whole year through the store and its rollups;
 *   3. hourly counter increase for all meters over the whole period (≈ 7 M points at 200 × 365) on both
 *      stores, cold and warm, and checks that both stores give the same answer;
 *   4. the same for hourly time-weighted means ('twa', the series taken as gauges held up to an hour).
 * InfluxDB: XIANG_BENCH_INFLUX_URL, else influxd spawned by the test harness on a free loopback port.
 * Wall time and process CPU time are both reported: on a shared 2-core machine wall time depends on load.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { InfluxDB } from 'influx';
import { EmbeddedStore } from '../platform/src/store/embedded/embedded-store.js';
import { InfluxStore } from '../platform/src/store/influx/influx-store.js';
import type { SeriesCounter, SeriesKey, StoredPoint, TimeSeriesStore } from '../platform/src/store/types.js';
import { type Service, startInflux } from '../tests/harness/services.js';

const T0 = Date.UTC(2024, 0, 1);
const TICK_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const CHUNK = 10_000;
const INFLUX_BATCH = 5_000;

export type StoreBenchOptions = {
  meters: number;
  days: number;
  sqlitePoints: number;
  influxPoints: number;
  influx: boolean;
  rawQuery: boolean;
};
export type StoreBenchRow = { name: string; value: number; unit: string; note?: string };

const meterKey = (s: number): SeriesKey => ({
  factoryId: 'bench',
  deviceId: `meter-${s}`,
  metric: 'energyImport',
});
/** kWh per 15 min of meter s: multiples of 0.25 so every sum is exact in binary floating point. */
const rate = (s: number) => 0.25 * (1 + (s % 8));

/** Points [from, to) of the time-major stream, in chunks. */
function* chunks(meters: number, from: number, to: number, size: number): Generator<StoredPoint[]> {
  let out: StoredPoint[] = [];
  for (let i = from; i < to; i++) {
    const tick = Math.floor(i / meters);
    const s = i % meters;
    // A plain literal, as ingest builds points (platform/src/ingest/decode.ts): object spread would make
    // dictionary-mode objects whose property reads cost several times more.
    out.push({
      factoryId: 'bench',
      deviceId: `meter-${s}`,
      metric: 'energyImport',
      tsMs: T0 + tick * TICK_MS,
      value: tick * rate(s),
      status: 0,
    });
    if (out.length === size) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

type Timing = { wallMs: number; cpuMs: number };
async function timed<T>(fn: () => Promise<T>): Promise<Timing & { result: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, result };
}

function progress(label: string, done: number, total: number): void {
  process.stderr.write(
    `\r  ${label}: ${((100 * done) / total).toFixed(0).padStart(3)} % (${done.toLocaleString('en')} points)`,
  );
  if (done >= total) process.stderr.write('\n');
}

const perSec = (n: number, ms: number) => Math.round((n / ms) * 1000);

/** Raw better-sqlite3 inserts into the same points table, with the embedded store's pragmas. */
function rawSqlite(file: string): (ps: StoredPoint[]) => void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 10000');
  db.exec(`CREATE TABLE points (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, status INTEGER NOT NULL,
    text TEXT, PRIMARY KEY (series_id, ts)) WITHOUT ROWID`);
  const ins = db.prepare(
    'INSERT OR REPLACE INTO points (series_id, ts, value, status, text) VALUES (?, ?, ?, ?, ?)',
  );
  const ids = new Map<string, number>();
  return db.transaction((ps: StoredPoint[]) => {
    for (const p of ps) {
      let id = ids.get(p.deviceId);
      if (id === undefined) {
        id = ids.size + 1;
        ids.set(p.deviceId, id);
      }
      ins.run(id, p.tsMs, p.value, p.status, p.text ?? null);
    }
  });
}

/**
 * Raw SQLite and the embedded store take the same chunks alternately, so both see the same machine load
 * and disk write-back (run one after the other, the second pays for the first one's dirty pages).
 */
async function sqliteSideBySide(dir: string, store: EmbeddedStore, meters: number, n: number) {
  const raw = rawSqlite(path.join(dir, 'raw.sqlite'));
  const r: Timing = { wallMs: 0, cpuMs: 0 };
  const e: Timing = { wallMs: 0, cpuMs: 0 };
  let done = 0;
  for (const c of chunks(meters, 0, n, CHUNK)) {
    const tr = await timed(async () => raw(c));
    const te = await timed(() => store.write(c));
    r.wallMs += tr.wallMs;
    r.cpuMs += tr.cpuMs;
    e.wallMs += te.wallMs;
    e.cpuMs += te.cpuMs;
    done += c.length;
    if (done % 500_000 === 0 || done === n) progress('raw SQLite and embedded store, alternating', done, n);
  }
  return { raw: r, embedded: e };
}

/** Writes points [from, to) through a store; only the write() calls are timed. */
async function storeWrites(
  store: TimeSeriesStore,
  label: string,
  meters: number,
  from: number,
  to: number,
  size: number,
): Promise<Timing> {
  let wallMs = 0;
  let cpuMs = 0;
  let done = 0;
  for (const c of chunks(meters, from, to, size)) {
    const t = await timed(() => store.write(c));
    wallMs += t.wallMs;
    cpuMs += t.cpuMs;
    done += c.length;
    if (done % 500_000 < size || done === to - from) progress(label, done, to - from);
  }
  return { wallMs, cpuMs };
}

/**
 * The `influx` client's writePoints() and the InfluxDB store take the same 5 000-point batches alternately
 * (into two databases of one influxd), so both see the same load.
 */
async function influxSideBySide(url: string, store: InfluxStore, meters: number, n: number) {
  const u = new URL(url);
  const client = new InfluxDB({ host: u.hostname, port: Number(u.port), database: 'bench_client' });
  await client.createDatabase('bench_client');
  const c: Timing = { wallMs: 0, cpuMs: 0 };
  const st: Timing = { wallMs: 0, cpuMs: 0 };
  let done = 0;
  for (const batch of chunks(meters, 0, n, INFLUX_BATCH)) {
    const tc = await timed(() =>
      client.writePoints(
        batch.map((p) => ({
          measurement: 'points',
          tags: { factory: p.factoryId, device: p.deviceId, metric: p.metric },
          fields: { k: 1, s: p.status, v: p.value as number },
          timestamp: p.tsMs,
        })),
        { precision: 'ms' },
      ),
    );
    const ts = await timed(() => store.write(batch));
    c.wallMs += tc.wallMs;
    c.cpuMs += tc.cpuMs;
    st.wallMs += ts.wallMs;
    st.cpuMs += ts.cpuMs;
    done += batch.length;
    if (done % 250_000 === 0 || done === n)
      progress('influx client and InfluxDB store, alternating', done, n);
  }
  await client.dropDatabase('bench_client');
  return { client: c, store: st };
}

/** A compact fingerprint of a counter answer, to check that both stores agree. */
function digest(rs: SeriesCounter[]): { total: number; nulls: number; intervals: number } {
  let total = 0;
  let nulls = 0;
  let intervals = 0;
  for (const r of rs) {
    for (const i of r.intervals) {
      intervals++;
      if (i.increase === null) nulls++;
      else total += i.increase;
    }
  }
  return { total, nulls, intervals };
}

async function counterQueries(
  store: TimeSeriesStore,
  meters: number,
  days: number,
  rows: StoreBenchRow[],
  label: string,
  rawToo: boolean,
) {
  const q = {
    series: Array.from({ length: meters }, (_, s) => meterKey(s)),
    fromMs: T0,
    toMs: T0 + days * DAY_MS,
    intervalMs: HOUR_MS,
    maxGapMs: TICK_MS,
  };
  const cold = await timed(() => store.counterIncrease(q));
  const warm: Timing[] = [];
  for (let i = 0; i < 3; i++) warm.push(await timed(() => store.counterIncrease(q)));
  warm.sort((a, b) => a.wallMs - b.wallMs);
  const median = warm[1] as Timing;
  const note = `${meters} meters × ${days} d hourly (${digest(cold.result).intervals.toLocaleString('en')} intervals)`;
  rows.push({
    name: `${label}: hourly counter increase, cold`,
    value: Math.round(cold.wallMs),
    unit: 'ms',
    note,
  });
  rows.push({
    name: `${label}: hourly counter increase, warm median of 3`,
    value: Math.round(median.wallMs),
    unit: 'ms',
    note: `CPU ${Math.round(median.cpuMs)} ms`,
  });
  if (rawToo) {
    const raw = await timed(() => store.counterIncrease({ ...q, source: 'raw' }));
    rows.push({
      name: `${label}: same query from raw points (no rollups)`,
      value: Math.round(raw.wallMs),
      unit: 'ms',
    });
  }
  return digest(cold.result);
}

/**
 * Hourly time-weighted means ('twa') of every series over the whole period, treating the counters as gauges
 * reported every quarter-hour (the staleness limit of an hour keeps every value in force until the next).
 */
async function twaQueries(
  store: TimeSeriesStore,
  meters: number,
  days: number,
  rows: StoreBenchRow[],
  label: string,
): Promise<number> {
  const q = {
    series: Array.from({ length: meters }, (_, s) => meterKey(s)),
    fromMs: T0,
    toMs: T0 + days * DAY_MS,
    intervalMs: HOUR_MS,
    aggregate: 'twa' as const,
    maxHoldMs: HOUR_MS,
  };
  const cold = await timed(() => store.query(q));
  const warm: Timing[] = [];
  for (let i = 0; i < 3; i++) warm.push(await timed(() => store.query(q)));
  warm.sort((a, b) => a.wallMs - b.wallMs);
  const median = warm[1] as Timing;
  let sum = 0;
  for (const r of cold.result) for (const b of r.buckets) sum += (b.value ?? 0) * (b.coveredMs ?? 0);
  rows.push({
    name: `${label}: hourly time-weighted mean (twa), cold`,
    value: Math.round(cold.wallMs),
    unit: 'ms',
    note: `${meters} series × ${days} d hourly, CPU ${Math.round(cold.cpuMs)} ms`,
  });
  rows.push({
    name: `${label}: hourly time-weighted mean (twa), warm median of 3`,
    value: Math.round(median.wallMs),
    unit: 'ms',
    note: `CPU ${Math.round(median.cpuMs)} ms`,
  });
  return sum;
}

export async function benchStore(o: StoreBenchOptions): Promise<StoreBenchRow[]> {
  const rows: StoreBenchRow[] = [];
  const total = o.meters * o.days * 96;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-bench-store-'));
  let influx: Service | null = null;
  try {
    console.error(
      `store bench: ${o.meters} meters × ${o.days} d of 15-min data = ${total.toLocaleString('en')} points`,
    );
    // 1. SQLite
    const sqliteN = Math.min(o.sqlitePoints, total);
    const embedded = new EmbeddedStore({ file: path.join(dir, 'embedded.sqlite'), rollupRefreshMs: 0 });
    await embedded.init();
    const { raw, embedded: e1 } = await sqliteSideBySide(dir, embedded, o.meters, sqliteN);
    const e2 = await storeWrites(embedded, 'embedded store (rest)', o.meters, sqliteN, total, CHUNK);
    rows.push({
      name: 'raw SQLite inserts',
      value: perSec(sqliteN, raw.wallMs),
      unit: 'points/s',
      note: `first ${sqliteN.toLocaleString('en')} points, CPU-time rate ${perSec(sqliteN, raw.cpuMs)}/s`,
    });
    rows.push({
      name: 'embedded store write()',
      value: perSec(sqliteN, e1.wallMs),
      unit: 'points/s',
      note: `same points; ${((100 * raw.wallMs) / e1.wallMs).toFixed(0)} % of raw; CPU-time rate ${perSec(sqliteN, e1.cpuMs)}/s`,
    });
    rows.push({
      name: 'embedded store write(), whole load',
      value: perSec(total, e1.wallMs + e2.wallMs),
      unit: 'points/s',
      note: `${total.toLocaleString('en')} points`,
    });
    const ef = await timed(() => embedded.flush());
    rows.push({
      name: 'embedded rollup build (flush)',
      value: Math.round(ef.wallMs / 1000),
      unit: 's',
      note: `${perSec(total, ef.wallMs)} points/s; write + rollups ${perSec(total, e1.wallMs + e2.wallMs + ef.wallMs)} points/s`,
    });
    const ed = await counterQueries(embedded, o.meters, o.days, rows, 'embedded', o.rawQuery);
    const et = await twaQueries(embedded, o.meters, o.days, rows, 'embedded');
    await embedded.close();

    // 2. InfluxDB
    if (o.influx) {
      const envUrl = process.env.XIANG_BENCH_INFLUX_URL;
      if (!envUrl) influx = await startInflux();
      const url = envUrl ?? influx?.url;
      if (!url) {
        rows.push({
          name: 'InfluxDB',
          value: 0,
          unit: '-',
          note: 'not available: set XIANG_BENCH_INFLUX_URL or install influxd',
        });
      } else {
        const influxN = Math.min(o.influxPoints, total);
        const store = new InfluxStore({
          url,
          database: 'bench_store',
          dataDir: path.join(dir, 'influx'),
          // The bench loads a historical year: nothing may expire under it.
          retention: { raw: 'INF', rollup1m: 'INF', rollup1h: 'INF' },
          batchSize: INFLUX_BATCH,
          rollupRefreshMs: 0,
        });
        await store.init();
        const { client, store: s1 } = await influxSideBySide(url, store, o.meters, influxN);
        const cRate = perSec(influxN, client.wallMs);
        const sRate = perSec(influxN, s1.wallMs);
        rows.push({
          name: 'influx client writePoints, batches of 5 000',
          value: cRate,
          unit: 'points/s',
          note: `first ${influxN.toLocaleString('en')} points, client CPU-time rate ${perSec(influxN, client.cpuMs)}/s`,
        });
        rows.push({
          name: 'influx store write(), same batches',
          value: sRate,
          unit: 'points/s',
          note: `ratio store/client ${((100 * sRate) / cRate).toFixed(0)} %; store CPU-time rate ${perSec(influxN, s1.cpuMs)}/s`,
        });
        const s2 = await storeWrites(store, 'influx store (rest)', o.meters, influxN, total, CHUNK);
        rows.push({
          name: 'influx store write(), whole load',
          value: perSec(total, s1.wallMs + s2.wallMs),
          unit: 'points/s',
          note: `${total.toLocaleString('en')} points`,
        });
        const sf = await timed(() => store.flush());
        rows.push({
          name: 'influx rollup build (flush)',
          value: Math.round(sf.wallMs / 1000),
          unit: 's',
          note: `${perSec(total, sf.wallMs)} points/s`,
        });
        const id = await counterQueries(store, o.meters, o.days, rows, 'influx', false);
        const same = id.total === ed.total && id.nulls === ed.nulls && id.intervals === ed.intervals;
        rows.push({
          name: 'both stores agree on the year of hourly increases',
          value: same ? 1 : 0,
          unit: same ? 'yes' : 'NO',
          note: `Σ increase ${ed.total} vs ${id.total}, gaps ${ed.nulls} vs ${id.nulls}`,
        });
        const it = await twaQueries(store, o.meters, o.days, rows, 'influx');
        rows.push({
          name: 'both stores agree on the year of hourly time-weighted means',
          value: it === et ? 1 : 0,
          unit: it === et ? 'yes' : 'NO',
          note: `Σ mean × covered ${et} vs ${it}`,
        });
        await store.close();
      }
    }
  } finally {
    await influx?.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

export function printTable(rows: StoreBenchRow[]): void {
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${'measurement'.padEnd(w)}  ${'value'.padStart(12)}  unit       note`);
  console.log(`${'-'.repeat(w)}  ${'-'.repeat(12)}  ---------  ----`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(w)}  ${r.value.toLocaleString('en').padStart(12)}  ${r.unit.padEnd(9)}  ${r.note ?? ''}`,
    );
  }
  console.log(
    `\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, node ${process.version}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      meters: { type: 'string', default: '200' },
      days: { type: 'string', default: '365' },
      'sqlite-points': { type: 'string', default: '2000000' },
      'influx-points': { type: 'string', default: '1000000' },
      'no-influx': { type: 'boolean', default: false },
      'raw-query': { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const rows = await benchStore({
    meters: Number(values.meters),
    days: Number(values.days),
    sqlitePoints: Number(values['sqlite-points']),
    influxPoints: Number(values['influx-points']),
    influx: !values['no-influx'],
    rawQuery: values['raw-query'] ?? false,
  });
  printTable(rows);
  // The section bench/run.ts copies into BENCHMARKS.md.
  const args = `--meters ${values.meters} --days ${values.days}${values['raw-query'] ? ' --raw-query' : ''}${values['no-influx'] ? ' --no-influx' : ''}`;
  const md = [
    '<!-- BENCH-RESULT -->',
    '## store — time-series stores: write throughput, rollups, a year of hourly consumption (issues #3, #4)',
    '',
    `\`npx tsx bench/store.ts ${args}\` — energy counters every 15 min, written time-major. Targets: embedded store ≥ 200 000 points/s; InfluxDB store ≥ 70 % of the \`influx\` client writing the same batches. Load average during the run: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (2 cores, shared) — CPU-time rates show the cost without contention.`,
    '',
    '| measure | value | note |',
    '|---|---:|---|',
    ...rows.map((r) => `| ${r.name} | ${r.value.toLocaleString('en')} ${r.unit} | ${r.note ?? ''} |`),
    '<!-- /BENCH-RESULT -->',
  ];
  console.log(md.join('\n'));
  if (values.json) await writeFile(values.json, `${JSON.stringify(rows, null, 2)}\n`);
}
