import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ColumnPool } from '../store/index.js';
import type { TimeSeriesStore } from '../store/types.js';
import { tempStore } from './adapters.test-support.js';
import { loadEnergyInputs } from './energy-inputs.js';
import { MON, points, snapshot } from './energy-inputs.test-support.js';

/*
 * loadEnergyInputs reads a batch ahead and reads the machine states and finer series beside the quarter-hour
 * batches, so store answers arrive in any order. The input it builds must not depend on that order: the same
 * object, key for key, whichever read finishes first. Each store read is held back a random number of event-
 * loop turns (fast-check: the failing order is printed with its seed and shrunk).
 */
let store: TimeSeriesStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await tempStore());
  await store.write(points());
  await store.flush();
});
afterAll(async () => cleanup());

const turns = (n: number) =>
  new Promise<void>((resolve) => {
    const step = (left: number) => (left <= 0 ? resolve() : setImmediate(() => step(left - 1)));
    step(n);
  });

/** The store, every read answered after the next of `delays` event-loop turns (cycled). */
function shuffled(s: TimeSeriesStore, delays: number[]): TimeSeriesStore {
  let i = 0;
  return new Proxy(s, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function' || !['summaries', 'raw', 'step', 'query'].includes(String(prop))) return v;
      return async (...a: unknown[]) => {
        const r = await (v as (...x: unknown[]) => Promise<unknown>).apply(target, a);
        await turns(delays[i++ % delays.length] ?? 0);
        return r;
      };
    },
  });
}

const asText = (x: unknown) =>
  JSON.stringify(x, (_k, v) =>
    ArrayBuffer.isView(v) ? Array.from(v as Float64Array, (y) => (Number.isNaN(y) ? 'NaN' : y)) : v,
  );

describe('energy inputs whatever order the store answers in', () => {
  it('builds the same input, key for key, and reports progress 1…total in order', async () => {
    const opts = { fromMs: MON, toMs: MON + 24 * 3_600_000, batchSize: 2 };
    const snap = snapshot(); // once: the fixture numbers metrics as it creates them
    const expected = asText(await loadEnergyInputs(store, snap, opts));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(12), { minLength: 1, maxLength: 30 }), async (delays) => {
        const done: number[] = [];
        let total = 0;
        const got = await loadEnergyInputs(shuffled(store, delays), snap, {
          ...opts,
          onProgress: (p) => {
            done.push(p.done);
            total = p.total;
          },
        });
        expect(asText(got)).toBe(expected);
        expect(done).toEqual(Array.from({ length: total }, (_, k) => k + 1));
      }),
      { numRuns: 40 },
    );
  });
});

describe('energy inputs built in arrays handed back to the column pool', () => {
  it('hands back only spent arrays: the same input as when nothing is handed back, and arrays are reused', async () => {
    const opts = { fromMs: MON, toMs: MON + 24 * 3_600_000, batchSize: 2 };
    const snap = snapshot();
    const noGive = vi.spyOn(ColumnPool.prototype, 'give').mockImplementation(() => {});
    const unpooled = asText(await loadEnergyInputs(store, snap, opts));
    noGive.mockRestore();
    const given = new Set<unknown>();
    let reused = 0;
    const proto = ColumnPool.prototype;
    const { give, float64 } = proto;
    proto.give = function (this: ColumnPool, ...arrays) {
      for (const x of arrays) given.add(x);
      give.call(this, ...arrays);
    };
    proto.float64 = function (this: ColumnPool, n, fill) {
      const x = float64.call(this, n, fill);
      if (given.has(x)) reused++;
      return x;
    };
    try {
      // Answers held back a few turns: the batch read ahead is built while the one before is handed back.
      const pooled = asText(await loadEnergyInputs(shuffled(store, [0, 3, 1, 5]), snap, opts));
      expect(reused).toBeGreaterThan(0);
      expect(pooled).toBe(unpooled);
    } finally {
      Object.assign(proto, { give, float64 });
    }
  });
});
