/**
 * Energy-saving diagnostics (节能诊断, Regulations Art. 11): pure functions from typed series and registry
 * data to a versioned DiagnosisResult and a printable report. No I/O here; query/energy-inputs.ts builds
 * the input from a TimeSeriesStore.
 */
export { hunanTouTariff, type TouTariff, touTariffSchema } from './accounting/tou.js';
export {
  CoefficientBook,
  type CoefficientRecord,
  coefficientOverrideSchema,
  standards,
} from './data/coefficients.js';
export { defaultSettingsFile, resolveSettings } from './data/settings.js';
export { diagnose } from './diagnose.js';
export type { Category, Finding, Indicator, Severity } from './finding.js';
export { renderReport } from './report/html.js';
export { type DiagnosisResult, diagnosisResultSchema, SCHEMA_VERSION } from './result.js';
export { rules } from './rules/index.js';
export { seriesFrom, toNullable } from './series.js';
export {
  type DiagnosisInput,
  type DiagnosisOptionsInput,
  diagnosisOptionsSchema,
  type IntervalSeries,
  type Lang,
  type LineOutputSeries,
  type MachineSeries,
  type MeterSeries,
  SLOT_MS,
  type StateChanges,
} from './types.js';
