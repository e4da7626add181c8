import { defineConfig } from 'vitest/config';

/**
 * The unit tests that can kill mutants of platform/src/oee and platform/src/grading (Stryker, stryker.oee.conf.mjs):
 * hand-computed domain tests, the query adapters feeding them, and the independent oracles (random plants with
 * one seed, fewer fast-check runs, to keep a mutation run within hours on two cores).
 */
export default defineConfig({
  test: {
    include: [
      'platform/src/oee/**/*.test.ts',
      'platform/src/grading/**/*.test.ts',
      'platform/src/query/oee-*.test.ts',
      'platform/src/query/grading-inputs.test.ts',
      'platform/src/services/grading/*.test.ts',
      'tests/oracles/oee-*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/*.int.test.ts'],
    testTimeout: 60_000,
    env: { XIANG_OEE_SEEDS: '1,2', XIANG_FC_RUNS: '12' },
  },
});
