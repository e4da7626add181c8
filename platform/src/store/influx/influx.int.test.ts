import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../tests/harness/ports.js';
import { type Service, startInflux } from '../../../../tests/harness/services.js';
import { DAY, HOUR, key, MIN, pt, T0 } from '../conformance/fixtures.js';
import { describeStoreConformance } from '../conformance.js';
import { createStore } from '../index.js';
import type { StoredPoint } from '../types.js';
import { InfluxStore } from './influx-store.js';
import type { InfluxStoreOptionsInput } from './options.js';

// One influxd for this file (started by the harness on a free loopback port), a fresh database per test.
let influx: Service | null = null;
let dbCounter = 0;
const available = await (async () => {
  influx = await startInflux();
  return influx !== null;
})();
afterAll(async () => {
  await influx?.dispose();
});

async function makeInfluxStore(extra: Partial<InfluxStoreOptionsInput> = {}, dataDir?: string) {
  const dir = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'xiang-influx-store-')));
  const store = new InfluxStore({
    url: influx!.url,
    database: `conf_${process.pid}_${++dbCounter}`,
    dataDir: dir,
    // The suite uses fixed 2024 timestamps, so nothing may expire here.
    retention: { raw: 'INF', rollup1m: 'INF', rollup1h: 'INF' },
    rollupRefreshMs: 0,
    ...extra,
  });
  await store.init();
  return { store, dir };
}

if (available) {
  // Both write modes: the journal (default: durable on local disk, shipped in batches) and direct.
  for (const writeMode of ['journal', 'direct'] as const) {
    // Property tests: fewer random cases per write mode than on SQLite (each is a few HTTP round trips).
    describeStoreConformance(
      `InfluxDB 1.x (${writeMode} writes)`,
      async () => {
        const { store, dir } = await makeInfluxStore({ writeMode });
        const db = store.options.database;
        return {
          store,
          cleanup: async () => {
            await store.close();
            await fetch(`${influx!.url}/query?q=${encodeURIComponent(`DROP DATABASE "${db}"`)}`, {
              method: 'POST',
            });
            await rm(dir, { recursive: true, force: true });
          },
        };
      },
      { propertyRuns: 20 },
    );
  }
} else {
  describe('InfluxDB store', () => {
    it('needs influxd (not available here — see the warning above)', (ctx) => ctx.skip());
  });
}

describe.runIf(available)('InfluxDB store: outage, backlog, retention', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  const track = (store: InfluxStore, dir: string) => {
    cleanups.push(async () => {
      await store.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });
  };

  /** `n` counter samples one minute apart starting at sample index i0 (value = 10·index + bias). */
  const batch = (i0: number, n: number, bias = 0): StoredPoint[] =>
    Array.from({ length: n }, (_, j) => pt(key('meter-1'), T0 + (i0 + j) * MIN, 10 * (i0 + j) + bias));

  it('keeps accepting writes while influxd is down, drains the disk backlog in order, nothing lost or doubled', async (ctx) => {
    if (!influx?.controllable) return ctx.skip();
    const { store, dir } = await makeInfluxStore({ memoryRetryMs: 200, batchSize: 500 });
    track(store, dir);
    const m = key('meter-1');
    for (let b = 0; b < 10; b++) await store.write(batch(b * 500, 500));
    await store.flush(); // the journal ships in the background; flush waits until InfluxDB has it all
    expect(store.health()).toMatchObject({ ok: true, backlogPoints: 0, pointsWritten: 5000 });

    await influx.stop();
    // Each write resolves once durable — now in the on-disk backlog.
    for (let b = 10; b < 20; b++) await store.write(batch(b * 500, 500));
    // Replayed corrections of points InfluxDB already has, then a correction of the correction: after the
    // drain the latest write must win everywhere, which needs the backlog drained in order.
    await store.write(batch(1000, 100, 5));
    await store.write(batch(1050, 50, 6));
    await waitFor(() => !store.health().ok, 'the store notices InfluxDB is down', 10_000);
    expect(store.health().backlogPoints).toBe(5150);
    expect(store.health().lastError).toMatch(/InfluxDB/);
    await expect(store.countPoints(m, T0, T0 + 30 * DAY)).rejects.toThrow(/InfluxDB query failed/);

    await influx.start();
    // More writes while the backlog drains: they queue behind it.
    for (let b = 20; b < 30; b++) await store.write(batch(b * 500, 500));
    await waitFor(() => store.health().backlogPoints === 0 && store.health().ok, 'backlog drained', 60_000);

    expect(await store.countPoints(m, T0, T0 + 30 * DAY)).toBe(15_000);
    const raw = await store.raw(m, T0, T0 + 30 * DAY);
    expect(raw).toHaveLength(15_000);
    const bias = (i: number) => (i >= 1000 && i < 1050 ? 5 : i >= 1050 && i < 1100 ? 6 : 0);
    const wrong = raw.filter((p, i) => p.value !== 10 * i + bias(i));
    expect(wrong).toEqual([]);
    expect(store.health().pointsWritten).toBe(15_150);
    // Rollups catch up on the drained data and agree with raw.
    await store.flush();
    expect(store.health().rollups?.dirtyHours).toBe(0);
    const q = { series: [m], fromMs: T0, toMs: T0 + 250 * HOUR, intervalMs: HOUR };
    expect(await store.counterIncrease(q)).toEqual(await store.counterIncrease({ ...q, source: 'raw' }));
    const [r] = await store.counterIncrease(q);
    // 15 000 samples = 250 h; an hour rises 600 plus its end bias minus its start bias: hour 16 (960→1020)
    // +5, hour 17 (1020→1080) +1, hour 18 (1080→1140) −6. The last hour has no sample at its end → gap.
    expect(r?.intervals.map((i) => i.increase).slice(15, 20)).toEqual([600, 605, 601, 594, 600]);
    expect(r?.intervals[249]?.increase).toBeNull();
  });

  it('survives a platform restart during an outage: the disk backlog is drained by the next process', async (ctx) => {
    if (!influx?.controllable) return ctx.skip();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-influx-store-'));
    const first = await makeInfluxStore({ memoryRetryMs: 0 }, dir);
    const db = first.store.options.database;
    await first.store.write(batch(0, 100));
    await first.store.flush();
    await influx.stop();
    await first.store.write(batch(100, 300));
    expect(first.store.health().backlogPoints).toBe(300);
    await first.store.close();

    await influx.start();
    const second = new InfluxStore({
      url: influx.url,
      database: db,
      dataDir: dir,
      retention: { raw: 'INF', rollup1m: 'INF', rollup1h: 'INF' },
      rollupRefreshMs: 50,
    });
    await second.init();
    track(second, dir);
    await waitFor(
      () => second.health().backlogPoints === 0,
      'backlog from the previous process drained',
      60_000,
    );
    expect(await second.countPoints(key('meter-1'), T0, T0 + DAY)).toBe(400);
    // Rollups dirtied by the first process are rebuilt by the second one's background refresh.
    await waitFor(
      () => second.health().rollups?.dirtyHours === 0,
      'rollups refreshed in the background',
      30_000,
    );
    const [r] = await second.counterIncrease({
      series: [key('meter-1')],
      fromMs: T0,
      toMs: T0 + 6 * HOUR,
      intervalMs: HOUR,
    });
    expect(r?.intervals.map((i) => i.increase)).toEqual([600, 600, 600, 600, 600, 600]);
  });

  it('refuses writes beyond the backlog bound with BacklogFullError, keeping what it accepted', async (ctx) => {
    if (!influx?.controllable) return ctx.skip();
    const { store, dir } = await makeInfluxStore({ memoryRetryMs: 0, maxBacklogPoints: 1000 });
    track(store, dir);
    await store.write(batch(0, 10));
    await store.flush();
    await influx.stop();
    await store.write(batch(10, 800));
    await expect(store.write(batch(810, 800))).rejects.toThrow(/backlog full/);
    expect(store.health().backlogPoints).toBe(800);
    await influx.start();
    await store.flush();
    expect(store.health().backlogPoints).toBe(0);
    expect(await store.countPoints(key('meter-1'), T0, T0 + DAY)).toBe(810);
  });

  it('starts while influxd is down: writes go to the backlog, the schema is created when it comes up', async (ctx) => {
    if (!influx?.controllable) return ctx.skip();
    await influx.stop();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-influx-store-'));
    const store = await createStore({
      influxUrl: influx.url,
      database: `late_${process.pid}`,
      dataDir: dir,
      rollupRefreshMs: 0,
      influx: { memoryRetryMs: 0, retention: { raw: 'INF', rollup1m: 'INF', rollup1h: 'INF' } },
    });
    track(store as InfluxStore, dir);
    expect(store.kind).toBe('influx');
    expect(store.health().ok).toBe(false);
    await store.write(batch(0, 250));
    expect(store.health().backlogPoints).toBe(250);
    await influx.start();
    await waitFor(() => store.health().backlogPoints === 0, 'backlog drained after a late start', 60_000);
    expect(await store.countPoints(key('meter-1'), T0, T0 + DAY)).toBe(250);
    expect(store.health().ok).toBe(true);
  });

  it('refuses points older than the raw retention policy, counted, and stores the rest', async () => {
    const { store, dir } = await makeInfluxStore({ retention: { raw: '24h' } });
    track(store, dir);
    const now = Math.floor(Date.now() / 1000) * 1000;
    const m = key('meter-1');
    await store.write([pt(m, now - 2 * DAY, 1), pt(m, now - HOUR, 2), pt(m, now, 3)]);
    expect(store.health().rejectedPoints).toBe(1);
    expect(store.health().lastError).toMatch(/older than the raw retention \(24h\)/);
    expect((await store.raw(m, now - 3 * DAY, now + 1)).map((p) => p.value)).toEqual([2, 3]);
    const rps = await fetch(
      `${influx!.url}/query?db=${store.options.database}&q=${encodeURIComponent('SHOW RETENTION POLICIES')}`,
    ).then((r) => r.json() as Promise<{ results: { series: { values: unknown[][] }[] }[] }>);
    const values = rps.results[0]?.series[0]?.values.map((v) => [v[0], v[1], v[4]]);
    expect(values).toContainEqual(['raw', '24h0m0s', true]);
    expect(values).toContainEqual(['rollup_1m', '17472h0m0s', false]);
    expect(values).toContainEqual(['rollup_15m', '0s', false]);
    expect(values).toContainEqual(['rollup_1h', '0s', false]);
  });

  it('rebuilds rollup pages for data stored before their format (or tier) existed; answers stay those of raw', async () => {
    const { store, dir } = await makeInfluxStore();
    const database = store.options.database;
    const m = key('meter-1');
    // Every 5 min for 2 h, rising 1 per sample: each quarter-hour holds 3 samples and an increase of 3.
    await store.write(Array.from({ length: 25 }, (_, i) => pt(m, T0 + i * 5 * MIN, i)));
    await store.flush();
    await store.close();
    const influxql = async (q: string) =>
      (await fetch(`${influx!.url}/query?db=${database}&q=${encodeURIComponent(q)}`, { method: 'POST' }).then(
        (r) => r.json(),
      )) as { results: { series?: { values: unknown[][] }[] }[] };
    const pages = async (rp: string, measurement: string) =>
      (await influxql(`SELECT count("p") FROM "${rp}"."${measurement}"`)).results[0]?.series?.[0]
        ?.values[0]?.[1];
    expect(await pages('rollup_15m', 'rollup_15m_v2')).toBe(1); // one page per series and UTC day
    expect(await pages('rollup_1h', 'rollup_1h_v2')).toBe(1);
    // What an older platform left behind: format-1 pages under the old measurement names (garbage to this
    // format), none of the current ones, a sidecar that never heard of them.
    await influxql('DROP MEASUREMENT "rollup_15m_v2"');
    await influxql('DROP MEASUREMENT "rollup_1h_v2"');
    await influxql('DROP MEASUREMENT "rollup_1m_v2"');
    const old = 'rollup_1h,device=meter-1,factory=F1,metric=energyImport buckets=1i,p="AAAA"';
    await fetch(`${influx!.url}/write?db=${database}&rp=rollup_1h&precision=ms`, {
      method: 'POST',
      body: `${old} ${T0}`,
    });
    const side = new Database(path.join(dir, 'influx-sidecar.sqlite'));
    side.prepare("DELETE FROM meta WHERE key = 'rollup_format'").run();
    side.close();
    expect(await pages('rollup_15m', 'rollup_15m_v2')).toBeUndefined();

    const { store: again } = await makeInfluxStore({ database }, dir);
    track(again, dir);
    const q = { series: [m], fromMs: T0, toMs: T0 + 2 * HOUR, intervalMs: 15 * MIN };
    const [s] = await again.summaries(q);
    expect(Array.from(s!.count)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(Array.from(s!.increase)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(await again.summaries({ ...q, source: 'raw' })).toEqual([s]);
    const hourly = { ...q, intervalMs: HOUR, aggregate: 'twa' as const, maxHoldMs: HOUR };
    expect(await again.query(hourly)).toEqual(await again.query({ ...hourly, source: 'raw' }));
    expect(await pages('rollup_15m', 'rollup_15m_v2')).toBe(1);
    expect(await pages('rollup_1h', 'rollup_1h_v2')).toBe(1);
    expect(again.health().rollups?.dirtyHours).toBe(0);
  });
});
