import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, startPostgres } from '../../../../tests/harness/postgres.js';
import { type Service, startInflux } from '../../../../tests/harness/services.js';
import {
  denseHours,
  type RefRow,
  randomRollupSeries,
  referenceBuckets,
} from '../../../../tests/oracles/rollup-reference.js';
import { openPostgresRepository } from '../../repository/postgres/index.js';
import { RollupMarks } from '../../repository/rollup-marks.js';
import { openSqliteRepository } from '../../repository/sqlite/index.js';
import type { Db } from '../../repository/types.js';
import { HOUR_MS, MINUTE_MS, QUARTER_MS } from '../engine/align.js';
import { PACKED_FIELDS } from '../rollup/pack.js';
import type { SeriesKey, StoredPoint } from '../types.js';
import { InfluxStore } from './influx-store.js';
import type { InfluxReader } from './reader.js';

/**
 * Rollup pages built by the InfluxDB store, read back from InfluxDB, against an independent plain
 * recomputation from the raw points the test wrote (tests/oracles/rollup-reference.ts): seeded random series
 * written out of order in many writes, then late writes (new points in old hours, replaced points).
 */
const influx: Service | null = await startInflux();
const pg: Service | null = influx ? await startPostgres() : null;
afterAll(async () => {
  await pg?.dispose();
  await influx?.dispose();
});

const T0 = Date.UTC(2026, 2, 1);
const DAYS = 6;

function shuffled<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/** Pages of one width read straight from InfluxDB, as rows of 22 values. */
async function stored(reader: InfluxReader, key: SeriesKey, widthMs: number): Promise<number[][]> {
  const f = await reader.rollups(key, widthMs, T0 - 3 * 86_400_000, T0 + (DAYS + 3) * 86_400_000);
  const out: number[][] = [];
  for (let o = 0; o < f.length; o += PACKED_FIELDS) out.push([...f.subarray(o, o + PACKED_FIELDS)]);
  return out;
}

export async function expectRollupsMatch(
  reader: InfluxReader,
  truth: Map<string, { key: SeriesKey; rows: Map<number, RefRow> }>,
): Promise<void> {
  for (const { key, rows: byTs } of truth.values()) {
    const rows = [...byTs.values()];
    expect(await stored(reader, key, HOUR_MS), `${key.metric} 1h`).toEqual([
      ...referenceBuckets(rows, HOUR_MS).values(),
    ]);
    expect(await stored(reader, key, QUARTER_MS), `${key.metric} 15m`).toEqual([
      ...referenceBuckets(rows, QUARTER_MS).values(),
    ]);
    const dense = denseHours(rows);
    const inDense = rows.filter((r) => dense.has(r.tsMs - (r.tsMs % HOUR_MS)));
    expect(await stored(reader, key, MINUTE_MS), `${key.metric} 1m`).toEqual([
      ...referenceBuckets(inDense, MINUTE_MS).values(),
    ]);
  }
}

/** Seeded random series as points, and the final raw truth (the later write of a time wins). */
export function randomWrites(
  seed: number,
  series: number,
): {
  first: StoredPoint[];
  late: StoredPoint[];
  truth: Map<string, { key: SeriesKey; rows: Map<number, RefRow> }>;
} {
  const truth = new Map<string, { key: SeriesKey; rows: Map<number, RefRow> }>();
  const first: StoredPoint[] = [];
  const late: StoredPoint[] = [];
  for (let i = 0; i < series; i++) {
    const key: SeriesKey = { factoryId: 'F', deviceId: `d${i % 2}`, metric: `m${seed}_${i}` };
    const rows = randomRollupSeries(seed * 100 + i, T0, DAYS);
    const byTs = new Map<number, RefRow>();
    truth.set(key.metric, { key, rows: byTs });
    rows.forEach((r, k) => {
      const p = { ...key, ...r };
      // Every 9th point arrives late (after the first rollups were built); every 13th is replaced late (its
      // original is in the first round, so the order of the shuffled late writes cannot decide which wins).
      if (k % 9 === 4 && k % 13 !== 7) late.push(p);
      else first.push(p);
      byTs.set(r.tsMs, r);
      if (k % 13 === 7) {
        const again = { ...r, value: r.value === null ? 1 : r.value + 0.5, status: k % 2 ? 0 : 0x80000000 };
        late.push({ ...key, ...again });
        byTs.set(r.tsMs, again);
      }
    });
  }
  return { first, late, truth };
}

async function writeShuffled(store: InfluxStore, points: StoredPoint[], seed: number): Promise<void> {
  const order = shuffled(points, seed);
  for (let i = 0; i < order.length; i += 700) await store.write(order.slice(i, i + 700));
}

describe.skipIf(!influx)('InfluxDB rollups against an independent recomputation from raw', () => {
  for (const seed of [11, 12, 13]) {
    it(`seed ${seed}: out-of-order writes, then late points and replacements in old hours`, async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-rollup-oracle-'));
      const store = new InfluxStore({
        url: influx!.url,
        database: `oracle_${process.pid}_${seed}`,
        dataDir: dir,
        rollupRefreshMs: 0,
      });
      await store.init();
      try {
        const { first, late, truth } = randomWrites(seed, 4);
        await writeShuffled(store, first, seed);
        await store.flush();
        expect(store.health().rollups?.dirtyHours).toBe(0);
        await writeShuffled(store, late, seed + 1);
        await store.flush();
        expect(store.health().rollups?.dirtyHours).toBe(0);
        const reader = (store as unknown as { reader: InfluxReader }).reader;
        await expectRollupsMatch(reader, truth);
      } finally {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

/**
 * Two instances writing one InfluxDB (scale-out): the points of the same series and hours split between them
 * as a shared subscription splits messages. With the shared repository's marks each dirty hour is built by
 * exactly one of them and the pages match the recomputation; with local marks only, each builds its own.
 */
describe.skipIf(!influx)('rollups built once by two instances sharing a repository', () => {
  const repos: [string, () => Promise<{ open: () => Db; dispose: () => Promise<void> }>][] = [
    [
      'sqlite',
      async () => {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-marks-'));
        const file = path.join(dir, 'platform.db');
        return { open: () => openSqliteRepository({ file }).db, dispose: () => rm(dir, { recursive: true }) };
      },
    ],
    [
      'postgres',
      async () => {
        const url = await freshDatabase((pg as Service).url);
        return { open: () => openPostgresRepository({ url }).db, dispose: async () => {} };
      },
    ],
  ];
  for (const [engine, make] of repos) {
    for (const shared of [true, false]) {
      it.skipIf(engine === 'postgres' && !pg)(
        `${engine} repository, ${shared ? 'shared marks: each hour built once' : 'local marks only: built twice'}`,
        async () => {
          const repo = await make();
          const database = `twice_${process.pid}_${engine}_${shared}`;
          const dbs: Db[] = [];
          const stores: InfluxStore[] = [];
          const dirs: string[] = [];
          try {
            for (const name of ['a', 'b']) {
              const dir = await mkdtemp(path.join(os.tmpdir(), `xiang-twice-${name}-`));
              dirs.push(dir);
              const db = repo.open();
              dbs.push(db);
              const o = {
                url: influx!.url,
                database,
                dataDir: dir,
                rollupRefreshMs: 0,
                writeMode: 'direct' as const,
              };
              const store = new InfluxStore(o, shared ? { sharedMarks: new RollupMarks(db, name) } : {});
              await store.init();
              stores.push(store);
            }
            const [a, b] = stores as [InfluxStore, InfluxStore];
            const { first } = randomWrites(21, 3);
            const truth = new Map<string, { key: SeriesKey; rows: Map<number, RefRow> }>();
            for (const p of first) {
              const t = truth.get(p.metric) ?? { key: p, rows: new Map<number, RefRow>() };
              t.rows.set(p.tsMs, { tsMs: p.tsMs, value: p.value, status: p.status, text: p.text ?? null });
              truth.set(p.metric, t);
            }
            // Messages alternate between the instances: both mark (mostly) the same series and hours.
            const order = shuffled(first, 21);
            for (let i = 0, m = 0; i < order.length; i += 50, m++)
              await (m % 2 ? b : a).write(order.slice(i, i + 50));
            a.shareLandedMarks();
            b.shareLandedMarks();
            if (shared) {
              // A query builds what it reads first, whoever marked it: b claims and clears the shared marks.
              const keys = [...truth.values()].map((t) => t.key);
              const day = 86_400_000;
              const range = { fromMs: T0 - 3 * day, toMs: T0 + (DAYS + 3) * day };
              await b.query({ series: keys, ...range, intervalMs: HOUR_MS, aggregate: 'count' });
              expect(a.health().rollups?.dirtyHours).toBe(0);
              await expectRollupsMatch((a as unknown as { reader: InfluxReader }).reader, truth);
            }
            await Promise.all([a.flush(), b.flush()]);
            const hours = new Set<string>();
            for (const p of first) hours.add(`${p.metric}|${p.tsMs - (p.tsMs % HOUR_MS)}`);
            const built = (a.health().rollups?.hoursBuilt ?? 0) + (b.health().rollups?.hoursBuilt ?? 0);
            if (shared) expect(built).toBe(hours.size);
            else expect(built).toBeGreaterThan(hours.size * 1.5);
            expect(a.health().rollups?.dirtyHours).toBe(0);
            expect(b.health().rollups?.dirtyHours).toBe(0);
            await expectRollupsMatch((a as unknown as { reader: InfluxReader }).reader, truth);
          } finally {
            for (const s of stores) await s.close();
            for (const d of dbs) d.close();
            for (const d of dirs) await rm(d, { recursive: true, force: true });
            await repo.dispose();
          }
        },
      );
    }
  }
});
