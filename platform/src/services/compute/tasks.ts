import { diagnose } from '../../energy/diagnose.js';
import { type ReportOptions, renderReport } from '../../energy/report/html.js';
import type { DiagnosisResult } from '../../energy/result.js';
import type { DiagnosisInput } from '../../energy/types.js';
import type { Lang } from '../../grading/common.js';
import { tierFramework } from '../../grading/frameworks/index.js';
import { withDefinitions } from '../../grading/grade.js';
import { buildContext, computeIndicators } from '../../grading/indicators/index.js';
import type { Indicator, IndicatorInputs, IndicatorScope } from '../../grading/indicators/types.js';
import { renderGradingHtml } from '../../grading/report/html.js';
import type { GradingReport } from '../../grading/report/schema.js';

/**
 * The heavy pure computations the platform runs off its event loop (compute/pool.ts): each takes and returns
 * structured-cloneable data, so the same function gives the same answer in a worker thread and inline.
 */
export const computeTasks = {
  diagnose: (input: DiagnosisInput): DiagnosisResult => diagnose(input),
  diagnosisReportHtml: (a: { result: DiagnosisResult; opts: ReportOptions }): string =>
    renderReport(a.result, a.opts),
  gradingReportHtml: (a: { report: GradingReport; lang?: Lang }): string =>
    renderGradingHtml(a.report, a.lang),
  /** The indicators with the definitions of the Article 13 rule set in force (the shipped default). */
  indicators: (a: { inputs: IndicatorInputs; scope?: IndicatorScope }): Indicator[] =>
    computeIndicators(
      buildContext(withDefinitions(a.inputs, tierFramework().indicatorDefinitions)),
      a.scope ?? { assetPath: '' },
    ),
};

export type ComputeTasks = typeof computeTasks;
export type TaskName = keyof ComputeTasks;
export type TaskArg<K extends TaskName> = Parameters<ComputeTasks[K]>[0];
export type TaskResult<K extends TaskName> = ReturnType<ComputeTasks[K]>;
