/**
 * Where the InfluxDB roll-up time goes (issue 13): writes the diagnose-store plant into InfluxDB, waits until
 * the raw points have landed (journal drained), then times the roll-up alone.
 *   npx tsx bench/diagnose-store-profile.ts [--meters 50] [--days 365]
 * Run under `node --cpu-prof --import tsx` for a CPU profile.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RollupMarks } from '../platform/src/repository/rollup-marks.js';
import { openSqliteRepository } from '../platform/src/repository/sqlite/index.js';
import { createStore } from '../platform/src/store/index.js';
import { InfluxStore } from '../platform/src/store/influx/influx-store.js';
import { InfluxReader } from '../platform/src/store/influx/reader.js';
import { type Service, startInflux } from '../tests/harness/services.js';
import { syntheticPlant } from './diagnose.js';
import { plantSeries, points } from './diagnose-store-data.js';

const spent = new Map<string, { ms: number; calls: number; bytes: number }>();
function wrap(proto: object, name: string, size?: (a: unknown[]) => number): void {
  const p = proto as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const f = p[name]!;
  p[name] = async function (this: unknown, ...a: unknown[]) {
    const t = performance.now();
    try {
      return await f.apply(this, a);
    } finally {
      const e = spent.get(name) ?? { ms: 0, calls: 0, bytes: 0 };
      e.ms += performance.now() - t;
      e.calls++;
      e.bytes += size?.(a) ?? 0;
      spent.set(name, e);
    }
  };
}
wrap(InfluxReader.prototype, 'select');
wrap(InfluxReader.prototype, 'eachRowPage');
wrap(InfluxStore.prototype, 'post', (a) => String(a[1]).length);

const { values } = parseArgs({
  options: {
    meters: { type: 'string', default: '50' },
    days: { type: 'string', default: '365' },
    shared: { type: 'boolean', default: false },
  },
});
const input = syntheticPlant({ meters: Number(values.meters), days: Number(values.days) });
const { series } = plantSeries(input);
const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-bench-prof-'));
let influx: Service | null = null;
try {
  influx = await startInflux();
  if (!influx) throw new Error('no influxd');
  const repo = values.shared ? openSqliteRepository({ file: path.join(dir, 'platform.db') }) : null;
  const store = await createStore(
    {
      dataDir: dir,
      influxUrl: influx.url,
      database: `prof_${Date.now()}`,
      rollupRefreshMs: 0,
      influx: { retention: { raw: 'INF' } },
    },
    repo ? { sharedMarks: new RollupMarks(repo.db, 'bench') } : {},
  );
  const t0 = performance.now();
  let n = 0;
  for (const chunk of points(input, series, 50_000)) {
    await store.write(chunk);
    n += chunk.length;
  }
  const t1 = performance.now();
  // Drain the journal only (store.flush() would also build rollups).
  const w = (store as unknown as { writer: { flush(): Promise<void> } }).writer;
  for (let i = 0; i < 1000 && store.health().backlogPoints > 0; i++) await w.flush();
  const t2 = performance.now();
  spent.clear();
  const dirty0 = store.health().rollups?.dirtyHours ?? 0;
  for (let i = 0; i < 1000 && (store.health().rollups?.dirtyHours ?? 0) > 0; i++) await store.flush();
  const t3 = performance.now();
  console.log(
    JSON.stringify({
      points: n,
      series: series.length,
      journalMs: Math.round(t1 - t0),
      drainMs: Math.round(t2 - t1),
      dirtyHours: dirty0,
      rollupMs: Math.round(t3 - t2),
      spent: Object.fromEntries([...spent].map(([k, v]) => [k, { ...v, ms: Math.round(v.ms) }])),
      load: os.loadavg(),
    }),
  );
  await store.close();
} finally {
  await influx?.dispose();
  await rm(dir, { recursive: true, force: true });
}
