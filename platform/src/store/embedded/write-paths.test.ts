import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { key, MIN, T0 } from '../conformance/fixtures.js';
import { describeStoreConformance } from '../conformance.js';
import type { StoredPoint } from '../types.js';
import { EmbeddedStore } from './embedded-store.js';

/**
 * write() has two paths: small writes are staged and merged later, large ones (an ingest group commit) go
 * sorted straight into the points table. The conformance suite runs again with every write on the direct
 * path, and a property test mixes both paths over the same keys against a plain last-write-wins model.
 */
describeStoreConformance('embedded (SQLite), every write sorted straight into points', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-store-direct-'));
  const store = new EmbeddedStore({
    file: path.join(dir, 'timeseries.sqlite'),
    rollupRefreshMs: 0,
    directWriteMinPoints: 1,
  });
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const SERIES = [key('M1'), key('M2', 'voltage'), key('M3', 'energyImport', 'F2')];
/** Timestamps over three hours, so several rollup hours are dirtied by one write. */
const tsOf = (slot: number) => T0 + slot * 7 * MIN;

const writeArb = fc.array(
  fc.record({ s: fc.integer({ min: 0, max: 2 }), slot: fc.integer({ min: 0, max: 25 }), v: fc.integer() }),
  { minLength: 1, maxLength: 60 },
);

describe('embedded store write paths', () => {
  it('staged and direct writes in any mix: the later write of a (series, ts) wins; rollups equal raw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(writeArb, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 40 }),
        async (writes, directMin) => {
          const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-store-mix-'));
          const store = new EmbeddedStore({
            file: path.join(dir, 'ts.sqlite'),
            rollupRefreshMs: 0,
            directWriteMinPoints: directMin,
            pointsPerTransaction: 7, // several transactions per write, with a yield in between
          });
          await store.init();
          try {
            const model = new Map<string, number>();
            for (const w of writes) {
              const pts: StoredPoint[] = w.map((x) => ({
                ...(SERIES[x.s] as (typeof SERIES)[number]),
                tsMs: tsOf(x.slot),
                value: x.v,
                status: 0,
              }));
              for (const x of w) model.set(`${x.s}/${x.slot}`, x.v);
              await store.write(pts);
            }
            for (let s = 0; s < SERIES.length; s++) {
              const k = SERIES[s] as (typeof SERIES)[number];
              const got = (await store.raw(k, T0, T0 + 4 * 60 * MIN)).map((p) => [p.tsMs, p.value]);
              const want = [...model]
                .filter(([m]) => m.startsWith(`${s}/`))
                .map(([m, v]) => [tsOf(Number(m.split('/')[1])), v])
                .sort((a, b) => (a[0] as number) - (b[0] as number));
              expect(got).toEqual(want);
              const q = { series: [k], fromMs: T0, toMs: T0 + 4 * 60 * MIN, intervalMs: 15 * MIN };
              expect(await store.query({ ...q, aggregate: 'sum' })).toEqual(
                await store.query({ ...q, aggregate: 'sum', source: 'raw' }),
              );
            }
          } finally {
            await store.close();
            await rm(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a staged batch is unstaged whole: older staged points never overwrite a later direct write', async () => {
    // The shrunk counterexample of the property above (seed -1864848342): a merge sorted its batch by key and
    // then unstaged up to the sorted batch's last seq, leaving s2@slot 8 = 0 staged; the next merge wrote it
    // over the newer direct write of −1.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-store-unstage-'));
    const store = new EmbeddedStore({
      file: path.join(dir, 'ts.sqlite'),
      rollupRefreshMs: 0,
      directWriteMinPoints: 3,
    });
    await store.init();
    try {
      const at = (s: number, slot: number, v: number): StoredPoint => ({
        ...(SERIES[s] as (typeof SERIES)[number]),
        tsMs: tsOf(slot),
        value: v,
        status: 0,
      });
      await store.write([at(2, 0, 0)]);
      await store.write([at(0, 0, 0), at(2, 8, 0)]); // staged
      await store.raw(SERIES[2] as (typeof SERIES)[number], T0, T0 + 4 * 60 * MIN); // a read merges
      await store.write([at(2, 8, -1), at(0, 0, 0), at(0, 0, 0)]); // direct
      await store.write([at(0, 0, 0)]); // staged; the next read merges again
      const got = await store.raw(SERIES[2] as (typeof SERIES)[number], T0, T0 + 4 * 60 * MIN);
      expect(got.map((p) => [p.tsMs, p.value])).toEqual([
        [tsOf(0), 0],
        [tsOf(8), -1],
      ]);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
