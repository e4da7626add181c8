import { defineConfig } from 'vitest/config';

/** The tests stryker.pf.conf.mjs runs against power-factor.ts mutants: XIANG_PF_TESTS, comma-separated. */
export default defineConfig({
  test: {
    include: (process.env.XIANG_PF_TESTS ?? 'platform/src/energy/rules/power-factor.test.ts').split(','),
    testTimeout: 60_000,
  },
});
