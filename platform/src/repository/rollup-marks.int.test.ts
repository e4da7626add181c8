import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, startPostgres } from '../../../tests/harness/postgres.js';
import type { SeriesKey } from '../store/types.js';
import { openPostgresRepository } from './postgres/index.js';
import { RollupMarks } from './rollup-marks.js';
import { openSqliteRepository } from './sqlite/index.js';
import type { Db } from './types.js';

/** Shared rollup marks (issue 13) on both engines, two holders on one repository as two instances have. */
const pg = await startPostgres();
afterAll(async () => {
  await pg?.dispose();
});

const H = 3_600_000;
const k1: SeriesKey = { factoryId: 'F', deviceId: 'd', metric: 'energy' };
const k2: SeriesKey = { factoryId: 'F', deviceId: 'd', metric: 'power' };

const engines: [string, () => Promise<{ open: () => Db; dispose: () => Promise<void> }>][] = [
  [
    'sqlite',
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-marks-'));
      const file = path.join(dir, 'platform.db');
      return { open: () => openSqliteRepository({ file }).db, dispose: () => rm(dir, { recursive: true }) };
    },
  ],
];
if (pg) {
  const url = pg.url;
  engines.push([
    'postgres',
    async () => {
      const db = await freshDatabase(url);
      return { open: () => openPostgresRepository({ url: db }).db, dispose: async () => {} };
    },
  ]);
}

for (const [name, make] of engines) {
  describe(`shared rollup marks: ${name}`, () => {
    it('each mark is claimed by one holder; a re-mark during a build survives it; an expired claim is free', async () => {
      const repo = await make();
      let now = 1_000_000;
      const dbA = repo.open();
      const dbB = repo.open();
      try {
        const a = new RollupMarks(dbA, 'A', () => now);
        const b = new RollupMarks(dbB, 'B', () => now);
        a.mark([0, 1, 2].map((i) => ({ key: k1, hourMs: i * H })));
        b.mark([
          { key: k1, hourMs: 2 * H },
          { key: k2, hourMs: 5 * H },
        ]); // hour 2 marked by both: one mark
        expect(a.pending()).toBe(4);
        // The series with a mark in a range, claimed or not, of one factory only.
        expect(b.seriesMarked('F', 0, 6 * H)).toEqual([k1, k2]);
        expect(b.seriesMarked('F', 3 * H, 6 * H)).toEqual([k2]);
        expect(b.seriesMarked('F', 3 * H, 5 * H)).toEqual([]);
        expect(b.seriesMarked('G', 0, 6 * H)).toEqual([]);
        const ca = a.claim(2, 60_000);
        expect(ca.marks).toEqual([0, 1].map((i) => ({ key: k1, hourMs: i * H })));
        const cb = b.claim(10, 60_000);
        expect(cb.marks).toEqual([
          { key: k1, hourMs: 2 * H },
          { key: k2, hourMs: 5 * H },
        ]);
        // Only one series' range: B finds A's two hours busy and claims nothing.
        const onlyK1 = b.claim(10, 60_000, { key: k1, fromMs: 0, toMs: 2 * H });
        expect(onlyK1.marks).toEqual([]);
        expect(onlyK1.busy).toBe(2);
        expect(b.seriesMarked('F', 0, 2 * H)).toEqual([k1]); // claimed: still marked
        // Hour 1 is marked again while A builds it: A's finish keeps it, free for the next build.
        b.mark([{ key: k1, hourMs: 1 * H }]);
        a.finish(ca, true);
        expect(a.pending()).toBe(3);
        const again = b.claim(10, 60_000, { key: k1, fromMs: 0, toMs: 3 * H });
        expect(again.marks).toEqual([{ key: k1, hourMs: 1 * H }]);
        b.finish(again, true);
        // B dies holding its first claim: nobody can take those marks until the claim expires.
        expect(a.claim(10, 60_000).marks).toEqual([]);
        now += 60_001;
        const taken = a.claim(10, 60_000);
        expect(taken.marks.length).toBe(2);
        a.finish(taken, false); // a failed build frees them at once
        const retry = a.claim(10, 60_000);
        expect(retry.marks.length).toBe(2);
        a.finish(retry, true);
        expect(b.pending()).toBe(0);
        expect(b.seriesMarked('F', 0, 6 * H)).toEqual([]);
      } finally {
        dbA.close();
        dbB.close();
        await repo.dispose();
      }
    });
  });
}
