// Scoped mutation testing of the main energy rules and the shift calendar (issue 9 §6), sized for two shared cores:
// `npx stryker run stryker.rules.conf.mjs`. One worker; only the unit tests that exercise these files run
// (stryker.rules.vitest.config.ts). Scores are recorded in BENCHMARKS.md, "Mutation testing".
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'stryker.rules.vitest.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  coverageAnalysis: 'perTest',
  mutate: [
    'platform/src/energy/rules/off-shift-base-load.ts',
    'platform/src/energy/rules/compressed-air-leak.ts',
    'platform/src/energy/rules/max-demand.ts',
    'platform/src/energy/rules/power-factor.ts',
    'protocol/src/calendar.ts',
  ],
  ignorePatterns: [
    '.data',
    'BENCHMARKS.md',
    'edge-agent/examples',
    'reports',
    'simulators/scenarios/*.yaml.bak',
  ],
  // Two shared cores: one worker.
  concurrency: 1,
  timeoutMS: 60_000,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/rules.json' },
  tempDirName: '.stryker-tmp-rules',
  cleanTempDir: 'always',
  thresholds: { high: 80, low: 60, break: null },
};
