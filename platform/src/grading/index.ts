/** Grading (Art. 13): pure domain code; repository.ts (SQLite) is exported separately on purpose. */
export * from './answers-file.js';
export * from './assessment.js';
export * from './assessment-diff.js';
export { GRADE_USAGE, type GradeArgs, gradeFromLoaded, gradePeriod, parseGradeArgs } from './cli.js';
export * from './common.js';
export { defaultRateMapping, rateToScore, suggestScore, telemetryEvidence } from './evidence.js';
export { frameworkPlugin, frameworkPlugins, maturityFramework, tierFramework } from './frameworks/index.js';
export type * from './frameworks/types.js';
export { type GradeRun, gradeFactory } from './grade.js';
export { buildContext, computeIndicators, indicatorModules } from './indicators/index.js';
export type * from './indicators/types.js';
export { buildGradingReport } from './report/build.js';
export { renderGradingHtml } from './report/html.js';
export { radarSvg } from './report/radar.js';
export { type GradingReport, gradingReportSchema, REPORT_SCHEMA_VERSION } from './report/schema.js';
