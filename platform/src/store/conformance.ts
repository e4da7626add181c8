import { afterEach, beforeEach, describe } from 'vitest';
import { aggregateTests } from './conformance/aggregates.js';
import { basicTests } from './conformance/basics.js';
import { counterGapTests } from './conformance/counter-gaps.js';
import { counterPropertyTests } from './conformance/counter-property.js';
import { counterTests } from './conformance/counters.js';
import { coverageTests } from './conformance/coverage.js';
import type { Ctx, MakeStore } from './conformance/fixtures.js';
import { heldTests } from './conformance/held.js';
import { heldPropertyTests } from './conformance/held-property.js';
import { rollupTests } from './conformance/rollups.js';
import { seriesTests } from './conformance/series.js';
import { summaryTests } from './conformance/summaries.js';

export type { MakeStore } from './conformance/fixtures.js';

/**
 * The one conformance suite every TimeSeriesStore passes (embedded SQLite and InfluxDB alike). Each test
 * gets a fresh, empty, initialised store from makeStore and every expected number is computed by hand in
 * the test next to it, or by a plain reference written in the test (property tests, fast-check, `propertyRuns`
 * random cases each). Register it inside a test file: `describeStoreConformance('embedded', make)`.
 */
export function describeStoreConformance(
  name: string,
  makeStore: MakeStore,
  opts: { propertyRuns?: number } = {},
): void {
  describe(`TimeSeriesStore conformance: ${name}`, () => {
    let current: Awaited<ReturnType<MakeStore>> | null = null;
    const ctx = (): Ctx => {
      if (!current) throw new Error('store not created (beforeEach failed?)');
      return { store: current.store };
    };
    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(async () => {
      const c = current;
      current = null;
      await c?.cleanup();
    });
    describe('points', () => basicTests(ctx));
    describe('range × interval × aggregate', () => aggregateTests(ctx));
    describe('counters', () => counterTests(ctx));
    describe('counters: gaps, catch-up, silent and flat runs', () => {
      counterGapTests(ctx);
      counterPropertyTests(ctx, opts.propertyRuns ?? 60);
    });
    describe('coverage', () => coverageTests(ctx));
    describe('latest, series, isolation', () => seriesTests(ctx));
    describe('rollups', () => rollupTests(ctx));
    describe('summaries', () => summaryTests(ctx));
    describe('time-weighted and step (gauges reported on change)', () => {
      heldTests(ctx);
      heldPropertyTests(ctx, opts.propertyRuns ?? 60);
    });
  });
}
