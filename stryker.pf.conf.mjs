// Mutation testing of the power-factor rule alone (issue 9 §6), the run recorded in BENCHMARKS.md "Mutation
// testing": `XIANG_PF_LABEL=pf-after XIANG_PF_TESTS=<test files, comma-separated> node scripts/stryker-node20.mjs
// stryker.pf.conf.mjs` (default tests: power-factor.test.ts only, the "before" run). One worker, ~2.5 min.
import base from './stryker.rules.conf.mjs';
export default {
  ...base,
  vitest: { configFile: 'stryker.pf.vitest.config.ts', related: false },
  mutate: ['platform/src/energy/rules/power-factor.ts'],
  jsonReporter: { fileName: `reports/mutation/${process.env.XIANG_PF_LABEL ?? 'pf'}.json` },
  tempDirName: '.stryker-tmp-pf',
};
