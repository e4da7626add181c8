import { defineConfig } from 'vitest/config';

/**
 * The unit tests that can kill mutants of the energy rules and the shift calendar mutated by stryker.rules.conf.mjs:
 * the rules' own hand-computed tests and the calendar's (unit tests and the independent minute-by-minute reference,
 * fewer fast-check runs). The whole-pipeline tests (diagnose.test.ts) are left out: at ~10 s per mutant on two
 * shared cores they would make a run take hours, and a mutant only they kill is a gap in the rule's own tests.
 */
export default defineConfig({
  test: {
    include: [
      'platform/src/energy/rules/off-shift-base-load.test.ts',
      'platform/src/energy/rules/compressed-air-leak.test.ts',
      'platform/src/energy/rules/max-demand.test.ts',
      'platform/src/energy/rules/power-factor.test.ts',
      'protocol/src/calendar.test.ts',
      'tests/oracles/calendar-reference.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/*.int.test.ts'],
    testTimeout: 60_000,
    env: { XIANG_FC_RUNS: '40' },
  },
});
