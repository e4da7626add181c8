import { afterEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../platform/src/query/adapters.test-support.js';
import { generatePlant } from './random-plant.js';
import { checkPlant } from './random-plant-check.js';

/**
 * The randomized OEE property on fixed seeds, through the embedded store, the query adapters and the domain:
 * for every window of every seed, every row (machine, line, workshop, factory × period, local day, shift) equals
 * the exact reference (tests/oracles/oee-reference.ts), and the indicators (both definitions) the truth of their
 * stated definition (tests/oracles/indicator-reference.ts), within 1e-9. More seeds: `npm run bench -- oee-random`.
 */
const SEEDS = (process.env.XIANG_OEE_SEEDS ?? '1,2,3,4').split(',').map(Number);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('OEE of random plants equals the reference (fixed seeds, embedded store)', () => {
  for (const seed of SEEDS)
    it(`seed ${seed}`, async () => {
      const { store, cleanup } = await tempStore();
      cleanups.push(cleanup);
      const r = await checkPlant(store, generatePlant(seed));
      expect(r.problems.slice(0, 12)).toEqual([]);
      expect(r.rows).toBeGreaterThan(100);
    }, 120_000);
});
