import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInflux } from '../../../../tests/harness/services.js';
import { DAY, HOUR, MIN, prng, T0 } from '../conformance/fixtures.js';
import type { SeriesKey, StoredPoint, SummaryQuery } from '../types.js';
import { InfluxStore } from './influx-store.js';
import type { InfluxReader } from './reader.js';

/*
 * The batched reads (reader.rowsMany / rollupsMany: one grouped InfluxQL query for many series) and the
 * summaries() that use them for what a query reads around its range must answer exactly what the per-series
 * reads answer. Random series sets (duplicates, unknown series, another factory, ids InfluxQL must quote)
 * over random windows of a seeded random plant; fast-check prints the seed and the shrunk case on failure
 * (XIANG_PROPERTY_SEED replays one).
 */
const influx = await startInflux();
const QUARTER = 15 * MIN;
const SEED = Number(process.env.XIANG_PROPERTY_SEED ?? Date.now() % 1_000_000);
const IDS = ['m1', "d'quote", 'd"dq', 'd\\back', 'd,comma x', '设备=1', 'tab\there'];
const KEYS: SeriesKey[] = [
  ...IDS.map((deviceId, i) => ({ factoryId: 'F1', deviceId, metric: i % 2 ? 'energyImport' : "p'w" })),
  ...IDS.slice(0, 3).map((deviceId, i) => ({
    factoryId: 'F2',
    deviceId,
    metric: i % 2 ? 'energyImport' : "p'w",
  })),
  { factoryId: 'F1', deviceId: 'never-written', metric: 'energyImport' },
];
const FROM = T0 - 9 * DAY;
const TO = T0 + 4 * DAY;

/** Per series: counters with resets, Bad samples, text-only and null points, dense and sparse stretches. */
function plant(seed: number): StoredPoint[] {
  const r = prng(seed);
  const out: StoredPoint[] = [];
  KEYS.slice(0, -1).forEach((k) => {
    let v = 1000 * r();
    let t = FROM + Math.floor(r() * 2 * 96) * 15 * MIN;
    for (let n = 0; n < 2000 && t < TO; n++) {
      v = r() < 0.01 ? r() * 10 : v + r() * 5;
      const status = r() < 0.05 ? 0x80000000 : 0;
      const p: StoredPoint = { ...k, tsMs: t, value: r() < 0.03 ? null : v, status };
      if (r() < 0.03) p.text = `t${n}`;
      out.push(p);
      // Mostly on whole minutes (quarter-hour bounds of queries and windows hit samples), every few minutes,
      // sometimes silent for hours or days (look-backs reach past them), now and then off the minute.
      const gapMs =
        r() < 0.02
          ? Math.floor(r() * 3 * DAY)
          : r() < 0.1
            ? Math.floor(r() * 5 * HOUR)
            : (1 + Math.floor(r() * 20)) * MIN;
      t = r() < 0.1 ? t + gapMs + Math.floor(r() * MIN) : Math.ceil((t + gapMs) / MIN) * MIN;
    }
  });
  return out;
}

const d = influx ? describe : describe.skip;
d('InfluxDB batched reads equal per-series reads', () => {
  let store: InfluxStore;
  let reader: InfluxReader;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-influx-batched-'));
    store = new InfluxStore({
      url: influx!.url,
      database: `batched_${process.pid}`,
      dataDir: dir,
      retention: { raw: 'INF', rollup1m: 'INF', rollup15m: 'INF', rollup1h: 'INF' },
      rollupRefreshMs: 0,
    });
    await store.init();
    await store.write(plant(SEED));
    await store.flush();
    reader = (store as unknown as { reader: InfluxReader }).reader;
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await influx?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const keySet = fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 14 });
  const window = fc
    .tuple(fc.integer({ min: FROM - HOUR, max: TO }), fc.integer({ min: 1, max: 3 * DAY }))
    .map(([a, len]) => [a, a + len] as const);

  it(`rowsMany and rollupsMany (1 h, 15 min) equal rows() and rollups() per series (plant seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(keySet, window, async (keys, [a, b]) => {
        const many = await reader.rowsMany(keys, a, b);
        for (const [i, k] of keys.entries()) expect(many[i]).toEqual(await reader.rows(k, a, b));
        for (const w of [HOUR, QUARTER]) {
          const packs = await reader.rollupsMany(keys, w, a, b);
          for (const [i, k] of keys.entries())
            expect(Array.from(packs[i] ?? [])).toEqual(Array.from(await reader.rollups(k, w, a, b)));
        }
      }),
      { numRuns: 25, seed: SEED },
    );
  }, 120_000);

  it(`summaries() of a series set equals summaries() of each series alone (plant seed ${SEED})`, async () => {
    const query = fc.record({
      keys: keySet,
      fromQuarter: fc.integer({ min: 0, max: 8 * 96 }),
      quarters: fc.integer({ min: 1, max: 3 * 96 }),
      intervalMs: fc.constantFrom(QUARTER, HOUR),
      maxGapMs: fc.constantFrom(QUARTER, HOUR, 3 * HOUR),
      maxHoldMs: fc.option(fc.constantFrom(QUARTER, HOUR, 2 * DAY, 40 * DAY), { nil: undefined }),
      gapLookbackMs: fc.option(fc.constantFrom(0, DAY, 10 * DAY), { nil: undefined }),
      shift: fc.constantFrom(0, 7 * MIN),
    });
    await fc.assert(
      fc.asyncProperty(query, async (x) => {
        const fromMs = FROM + x.fromQuarter * QUARTER + x.shift;
        const q: SummaryQuery = {
          series: x.keys,
          fromMs,
          toMs: fromMs + x.quarters * QUARTER,
          intervalMs: x.intervalMs,
          maxGapMs: x.maxGapMs,
          ...(x.maxHoldMs !== undefined ? { maxHoldMs: x.maxHoldMs } : {}),
          ...(x.gapLookbackMs !== undefined ? { gapLookbackMs: x.gapLookbackMs } : {}),
        };
        const together = await store.summaries(q);
        for (const [i, k] of x.keys.entries()) {
          const [alone] = await store.summaries({ ...q, series: [k] });
          expect(together[i]).toEqual(alone);
        }
      }),
      { numRuns: 20, seed: SEED + 1 },
    );
  }, 300_000);
});
