/**
 * The raw limits of bench/ingest.ts — each store written directly with the same points, no broker and no
 * platform — and the independent count of what a platform run left in a store (0 lost = every published
 * (series, time) is there once).
 */
import path from 'node:path';
import type { PointTuple } from '@xiang/protocol';
import Database from 'better-sqlite3';
import { InfluxDB, type IPoint } from 'influx';
import type { Service } from '../tests/harness/services.js';

/** How the bench lays its points out: `tuple(n)` is point n of the stream. */
export type Workload = {
  factory: string;
  devices: number;
  tuple: (n: number) => PointTuple;
};

const tagsOf = (w: Workload, i: number) => ({
  factory: w.factory,
  device: `m${i % w.devices}`,
  metric: `activePower.k${Math.floor(i / w.devices)}`,
});

/** The `influx` client's writePoints, 5 000 points a request, one request at a time (the store's batching). */
export async function rawInflux(influx: Service, w: Workload, points: number): Promise<number> {
  const db = `raw_${Date.now()}`;
  const client = new InfluxDB({ host: '127.0.0.1', port: influx.port, database: db });
  await client.createDatabase(db);
  const t0 = Date.now();
  for (let n = 0; n < points; ) {
    const batch: IPoint[] = [];
    for (let k = 0; k < 5000 && n < points; k++, n++) {
      const [i, ts, v] = w.tuple(n);
      batch.push({
        measurement: 'points',
        tags: tagsOf(w, i),
        fields: { s: 0, k: 1, v: v as number },
        timestamp: ts,
      });
    }
    await client.writePoints(batch, { precision: 'ms' });
  }
  const pps = points / ((Date.now() - t0) / 1000);
  await client.dropDatabase(db);
  return pps;
}

/**
 * InfluxDB's own limit: the same points as line protocol built in the loop (no client library), POSTed to
 * /write 5 000 a request, one request at a time — the `influx` client's writePoints spends more CPU on
 * serializing than InfluxDB on storing, so on a busy machine it measures the client more than the store.
 */
export async function rawInfluxLines(influx: Service, w: Workload, points: number): Promise<number> {
  const db = `rawlp_${Date.now()}`;
  const q = (s: string) =>
    fetch(`${influx.url}/query?q=${encodeURIComponent(s)}`, { method: 'POST' }).then((r) => r.arrayBuffer());
  await q(`CREATE DATABASE "${db}"`);
  const url = `${influx.url}/write?db=${db}&precision=ms`;
  const t0 = Date.now();
  for (let n = 0; n < points; ) {
    let body = '';
    for (let k = 0; k < 5000 && n < points; k++, n++) {
      const [i, ts, v] = w.tuple(n);
      const t = tagsOf(w, i);
      body += `points,device=${t.device},factory=${t.factory},metric=${t.metric} k=1i,s=0i,v=${v} ${ts}\n`;
    }
    const res = await fetch(url, { method: 'POST', body });
    if (res.status !== 204)
      throw new Error(`raw line-protocol write: HTTP ${res.status} ${await res.text()}`);
  }
  const pps = points / ((Date.now() - t0) / 1000);
  await q(`DROP DATABASE "${db}"`);
  return pps;
}

/**
 * Prepared INSERT OR REPLACE per point, 10 000 points a transaction, WAL + synchronous=NORMAL (the store's
 * settings). Returns points/s (wall time) and the CPU microseconds a point (this process, user + system).
 */
export function rawSqlite(dir: string, w: Workload, points: number): { pps: number; cpuUs: number } {
  const file = path.join(dir, `raw-${Date.now()}.sqlite`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE p (series INTEGER, ts INTEGER, v REAL, s INTEGER, PRIMARY KEY (series, ts)) WITHOUT ROWID',
  );
  const ins = db.prepare('INSERT OR REPLACE INTO p VALUES (?, ?, ?, ?)');
  const tx = db.transaction((from: number, to: number) => {
    for (let n = from; n < to; n++) {
      const [i, ts, v] = w.tuple(n);
      ins.run(i, ts, v, 0);
    }
  });
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  for (let n = 0; n < points; n += 10_000) tx(n, Math.min(points, n + 10_000));
  const cpu = process.cpuUsage(cpu0);
  const pps = points / ((Date.now() - t0) / 1000);
  db.close();
  return { pps, cpuUs: (cpu.user + cpu.system) / points };
}

/** Distinct (series, time) in the embedded store's file after the platform stopped (points + still staged). */
export function countEmbedded(dataDir: string): number {
  const db = new Database(path.join(dataDir, 'timeseries.sqlite'), { readonly: true });
  try {
    return db
      .prepare(
        'SELECT count(*) FROM (SELECT series_id, ts FROM points UNION SELECT series_id, ts FROM staging)',
      )
      .pluck()
      .get() as number;
  } finally {
    db.close();
  }
}

/** Points in the platform's InfluxDB database (raw retention policy), counted by InfluxDB. */
export async function countInflux(influx: Service, database: string): Promise<number> {
  const client = new InfluxDB({ host: '127.0.0.1', port: influx.port, database });
  const rows = await client.query<{ count: number }>('SELECT count(k) FROM raw.points');
  return rows[0]?.count ?? 0;
}
