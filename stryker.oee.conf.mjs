// Mutation testing of the OEE and grading domain (issue 10 §5): `npx stryker run stryker.oee.conf.mjs`.
// A surviving mutant is a behaviour no test pins down. Report: reports/mutation/oee.html (not committed).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'stryker.oee.vitest.config.ts', related: false },
  mutate: [
    'platform/src/oee/**/*.ts',
    'platform/src/grading/**/*.ts',
    '!**/*.test.ts',
    '!**/test-support.ts',
    '!**/test-fixture.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 60_000,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/oee.html' },
  jsonReporter: { fileName: 'reports/mutation/oee.json' },
  tempDirName: '.stryker-tmp-oee',
  cleanTempDir: true,
};
