import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempStore } from '../../platform/src/query/adapters.test-support.js';
import type { OeeRow } from '../../platform/src/query/oee-report.js';
import type { TimeSeriesStore } from '../../platform/src/store/types.js';
import { CAT, PlantReference } from './oee-reference.js';
import { generatePlant, type RandomPlant, TICK_MS } from './random-plant.js';
import { plantSnapshot, plantStoredPoints, platformRows, relErr } from './random-plant-check.js';

/**
 * Window edges do not change classification (issue 10 §2): for random periods of a random plant and random
 * partitions of them into 2–5 windows, every additive total of every machine and of the factory over the
 * period equals the sum over the windows — micro-stops, stops crossing an edge, counter jumps after gaps that
 * straddle an edge, unknown time. Each window is queried on its own through the store and the adapters, as the
 * API would. Fixed seed; a failure prints the shrunk period and cuts.
 */
const SUMMED = [
  'plannedProductionMs',
  'operatingMs',
  'unknownMs',
  'idleMs',
  'breakdownMs',
  'microStopMs',
  'microStopCount',
  'setupMs',
  'runOutsidePlanMs',
  'goodCount',
  'rejectCount',
  'startupRejectCount',
  'idealOutputMs',
  'countGapMs',
  'unattributedGoodCount',
  'unattributedRejectCount',
] as const;

let plant: RandomPlant;
let store: TimeSeriesStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  plant = generatePlant(11);
  ({ store, cleanup } = await tempStore());
  await store.write(plantStoredPoints(plant));
  await store.flush();
});
afterAll(async () => cleanup?.());

const key = (r: OeeRow) => `${r.level} ${r.deviceId ?? r.assetPath}`;

/**
 * Ticks where an edge is most likely to change something if classification depended on windows: inside
 * micro-stops and stops just over the threshold, inside dropouts, in start-up windows.
 */
function sensitiveTicks(p: RandomPlant): number[] {
  const ref = new PlantReference(p);
  const out: number[] = [];
  for (const m of ref.machines) {
    for (let k = 1; k < p.ticks; k++)
      if (m.micro[k] || m.startup[k] || (m.cat[k] === CAT.idle && m.cat[k - 1] !== CAT.idle)) out.push(k);
    for (const d of m.m.dropouts)
      out.push(d.fromTick + 1, Math.floor((d.fromTick + d.toTick) / 2), d.toTick - 1);
  }
  return [...new Set(out)].filter((k) => k > 0 && k < p.ticks).sort((a, b) => a - b);
}

describe('OEE totals over any partition of a period add up to the period (random windows, fast-check)', () => {
  it('machines and factory, 2–5 windows, edges at random and inside stops, dropouts and start-up windows', async () => {
    const snapshot = plantSnapshot(plant);
    const sensitive = sensitiveTicks(plant);
    const cutArb = fc.oneof(fc.integer({ min: 1, max: plant.ticks - 1 }), fc.constantFrom(...sensitive));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(cutArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 8640 }),
        fc.integer({ min: 1, max: 8640 }),
        async (cutTicks, before, after) => {
          const sorted = [...cutTicks].sort((x, y) => x - y);
          const a = plant.startMs + ((sorted[0] as number) - before) * TICK_MS;
          const b = plant.startMs + ((sorted[sorted.length - 1] as number) + after) * TICK_MS;
          const edges = [a, ...sorted.map((k) => plant.startMs + k * TICK_MS), b];
          const whole = new Map(
            (await platformRows(store, snapshot, { fromMs: a, toMs: b, buckets: false })).map((r) => [
              key(r),
              r,
            ]),
          );
          const sums = new Map<string, Record<string, number>>();
          for (let i = 0; i + 1 < edges.length; i++) {
            const part = await platformRows(store, snapshot, {
              fromMs: edges[i] as number,
              toMs: edges[i + 1] as number,
              buckets: false,
            });
            for (const r of part) {
              const s = sums.get(key(r)) ?? {};
              for (const f of SUMMED) s[f] = (s[f] ?? 0) + (r.totals[f] ?? 0);
              sums.set(key(r), s);
            }
          }
          for (const [k, r] of whole) {
            if (r.level === 'line' || r.level === 'workshop') continue;
            const s = sums.get(k) ?? {};
            for (const f of SUMMED)
              expect(
                relErr(s[f] ?? 0, r.totals[f] ?? 0),
                `${k} ${f}: Σ parts ${s[f]} vs period ${r.totals[f]}`,
              ).toBeLessThanOrEqual(1e-9);
          }
        },
      ),
      { seed: 20250310, numRuns: Number(process.env.XIANG_FC_RUNS ?? 40) },
    );
  }, 300_000);
});
