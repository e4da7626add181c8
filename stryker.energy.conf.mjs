// Mutation testing of the energy domain (issue 9 §6): `npx stryker run stryker.energy.conf.mjs`.
// Mutates the rules, statistics and accounting of platform/src/energy and runs only its unit tests
// (vitest, tests next to the code). A surviving mutant in rule code is a missing test. The printable report
// (HTML wording) is left out: string mutants there say nothing about the diagnosis.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { dir: 'platform/src/energy' },
  plugins: ['@stryker-mutator/vitest-runner'],
  coverageAnalysis: 'perTest',
  mutate: [
    'platform/src/energy/**/*.ts',
    '!platform/src/energy/**/*.test.ts',
    '!platform/src/energy/test-support.ts',
    '!platform/src/energy/report/**',
    '!platform/src/energy/index.ts',
  ],
  ignorePatterns: ['.data', 'BENCHMARKS.md', 'edge-agent/examples', 'simulators/scenarios/*.yaml.bak'],
  // Two shared cores: one worker.
  concurrency: 1,
  timeoutMS: 60_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/energy.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 80, low: 60, break: null },
};
