import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../tests/harness/ports.js';
import { HOUR, key, MIN, pt, T0 } from '../conformance/fixtures.js';
import { describeStoreConformance } from '../conformance.js';
import { createStore, EMBEDDED_FILE, storeConfigSchema } from '../index.js';
import { EmbeddedStore } from './embedded-store.js';

describeStoreConformance('embedded (SQLite)', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-store-'));
  // No background timer: tests prove that queries and flush() alone keep rollups right.
  const store = new EmbeddedStore({ file: path.join(dir, 'timeseries.sqlite'), rollupRefreshMs: 0 });
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('embedded store specifics', () => {
  const dirs: string[] = [];
  const tmp = async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'xiang-store-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const m = key('meter-1');
  const hourly = (h0: number, n: number) =>
    Array.from({ length: n }, (_, i) => pt(m, T0 + (h0 + i) * 15 * MIN, 100 * (h0 + i)));

  it('createStore picks the embedded store when no InfluxDB URL is configured', async () => {
    const dir = await tmp();
    const store = await createStore({ dataDir: dir, rollupRefreshMs: 0 });
    expect(store.kind).toBe('embedded');
    await store.write([pt(m, T0, 1)]);
    expect(existsSync(path.join(dir, EMBEDDED_FILE))).toBe(true);
    await store.close();
    expect(() => storeConfigSchema.parse({ dataDir: dir, influxUrl: 'not a url' })).toThrow(/Invalid URL/);
  });

  it('keeps points and pending rollup work across a close without flush (as after a crash)', async () => {
    const file = path.join(await tmp(), 'ts.sqlite');
    const a = new EmbeddedStore({ file, rollupRefreshMs: 0 });
    await a.init();
    await a.write(hourly(0, 8));
    expect(a.health().rollups?.dirtyHours).toBe(2);
    await a.close();
    const b = new EmbeddedStore({ file, rollupRefreshMs: 0 });
    await b.init();
    expect(b.health().rollups?.dirtyHours).toBe(2);
    const [r] = await b.counterIncrease({ series: [m], fromMs: T0, toMs: T0 + HOUR, intervalMs: HOUR });
    expect(r?.intervals[0]?.increase).toBe(400);
    await b.flush();
    expect(b.health().rollups?.dirtyHours).toBe(0);
    expect(await b.countPoints(m, T0, T0 + 2 * HOUR)).toBe(8);
    await b.close();
  });

  it('keeps acknowledged writes that were only staged when the process died, and merges them at start', async () => {
    const file = path.join(await tmp(), 'ts.sqlite');
    // A write is durable once staged: no merge timer, no threshold, no read — as if the process died now.
    const a = new EmbeddedStore({
      file,
      rollupRefreshMs: 0,
      mergeIntervalMs: 3_600_000,
      mergeThreshold: 1e9,
    });
    await a.init();
    await a.write(hourly(0, 8));
    await a.write([pt(m, T0, 999)]); // a later write of the same (series, ts) must still win after the merge
    const peek = new Database(file, { readonly: true });
    expect(peek.prepare('SELECT count(*) FROM staging').pluck().get()).toBe(9);
    expect(peek.prepare('SELECT count(*) FROM points').pluck().get()).toBe(0);
    peek.close();
    const b = new EmbeddedStore({ file, rollupRefreshMs: 0 });
    await b.init();
    expect(await b.countPoints(m, T0, T0 + 2 * HOUR)).toBe(8);
    expect((await b.raw(m, T0, T0 + 1))[0]?.value).toBe(999);
    await b.close();
    await a.close();
  });

  it('recomputes dirty hours in the background on its timer', async () => {
    const store = new EmbeddedStore({
      file: path.join(await tmp(), 'ts.sqlite'),
      rollupRefreshMs: 10,
      rollupHoursPerTick: 3,
    });
    await store.init();
    await store.write(hourly(0, 40)); // 10 hours
    expect(store.health().rollups?.dirtyHours).toBe(10);
    await waitFor(() => store.health().rollups?.dirtyHours === 0, 'background rollup refresh', 10_000, 10);
    const [r] = await store.query({
      series: [m],
      fromMs: T0,
      toMs: T0 + 10 * HOUR,
      intervalMs: HOUR,
      aggregate: 'count',
    });
    expect(r?.buckets.map((b) => b.value)).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 4, 4]);
    await store.close();
  });

  it('reads a file written before the 15-min tier (schema 1): its hours are rebuilt, answers unchanged', async () => {
    const file = path.join(await tmp(), 'ts.sqlite');
    const a = new EmbeddedStore({ file, rollupRefreshMs: 0 });
    await a.init();
    // Every 5 min for 2 h, rising 1 per sample: each quarter-hour holds 3 samples and an increase of 3.
    await a.write(Array.from({ length: 25 }, (_, i) => pt(m, T0 + i * 5 * MIN, i)));
    await a.flush();
    await a.close();
    // What a schema-1 file looks like: no quarter pages (one page per series and day), nothing dirty.
    const db = new Database(file);
    expect(db.prepare('SELECT count(*) FROM rollup_15m').pluck().get()).toBe(1);
    db.exec("DROP TABLE rollup_15m; UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    db.close();

    const b = new EmbeddedStore({ file, rollupRefreshMs: 0 });
    await b.init();
    expect(b.health().rollups?.dirtyHours).toBe(3); // hours 0, 1 and the one holding the sample at 2:00
    const q = { series: [m], fromMs: T0, toMs: T0 + 2 * HOUR, intervalMs: 15 * MIN };
    const [s] = await b.summaries(q);
    expect(Array.from(s!.count)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(Array.from(s!.increase)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(await b.summaries({ ...q, source: 'raw' })).toEqual([s]);
    expect(b.health().rollups?.dirtyHours).toBe(0);
    await b.close();
    const after = new Database(file);
    expect(after.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe('3');
    expect(after.prepare('SELECT count(*) FROM rollup_15m').pluck().get()).toBe(1);
    after.close();
  });

  it('rebuilds the rollup pages of a schema-2 file (format-1 pages) before any query reads them', async () => {
    const file = path.join(await tmp(), 'ts.sqlite');
    const a = new EmbeddedStore({ file, rollupRefreshMs: 0 });
    await a.init();
    const g = key('meter-1', 'activePower');
    // Every 5 min for 2 h: a gauge stepping 0, 1, 2 … and the counter as above.
    await a.write(Array.from({ length: 25 }, (_, i) => pt(m, T0 + i * 5 * MIN, i)));
    await a.write(Array.from({ length: 25 }, (_, i) => pt(g, T0 + i * 5 * MIN, i)));
    await a.flush();
    await a.close();
    // What a schema-2 file looks like: pages of 14 doubles per bucket (here: garbage of that shape), a
    // compact page of format 1, nothing dirty.
    const db = new Database(file);
    const old = Buffer.alloc(2 * 14 * 8, 0x41);
    db.prepare('UPDATE rollup_1h SET data = ?').run(old);
    db.prepare('UPDATE rollup_15m SET data = ?').run(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    db.exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    db.close();

    const b = new EmbeddedStore({ file, rollupRefreshMs: 0 });
    await b.init();
    expect(b.health().rollups?.dirtyHours).toBe(6); // 3 hours × 2 series
    const q = { series: [m, g], fromMs: T0, toMs: T0 + 2 * HOUR, intervalMs: HOUR };
    const twa = { ...q, aggregate: 'twa' as const, maxHoldMs: HOUR };
    expect((await b.query(twa))[1]?.buckets.map((x) => x.value)).toEqual([5.5, 17.5]);
    expect(await b.query(twa)).toEqual(await b.query({ ...twa, source: 'raw' }));
    const [s] = await b.summaries({ ...q, intervalMs: 15 * MIN });
    expect(Array.from(s!.increase)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    await b.close();
    const after = new Database(file);
    expect(after.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe('3');
    after.close();
  });

  it('refuses an unknown schema version with a clear error', async () => {
    const file = path.join(await tmp(), 'ts.sqlite');
    const a = new EmbeddedStore({ file, rollupRefreshMs: 0 });
    await a.init();
    await a.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file);
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    await expect(new EmbeddedStore({ file, rollupRefreshMs: 0 }).init()).rejects.toThrow(/schema version 99/);
  });
});
