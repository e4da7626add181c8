import { type Assessment, applySuggestions, countedAssessment, type Suggestion } from './assessment.js';
import type { Lang } from './common.js';
import { gateByCoverage } from './evidence.js';
import { maturityFramework, tierFramework } from './frameworks/index.js';
import type { AssetTier, FrameworkResult, MaturityFramework, TierFramework } from './frameworks/types.js';
import { buildContext, computeIndicators } from './indicators/index.js';
import type { Indicator, IndicatorInputs, IndicatorScope } from './indicators/types.js';
import { buildGradingReport } from './report/build.js';
import { renderGradingHtml } from './report/html.js';
import type { GradingReport } from './report/schema.js';

/**
 * One grading run, pure: indicators from telemetry → suggestions pre-filled into the assessment (never over an
 * assessor's answer) → framework evaluation → Article 13 tiers per asset → report JSON + HTML.
 */
export type GradeRun = {
  assessment: Assessment;
  suggestions: Suggestion[];
  /** Items where a fresh suggestion disagrees with the assessor's answer. */
  conflicts: string[];
  framework: MaturityFramework;
  result: FrameworkResult;
  indicators: Indicator[];
  tiers: AssetTier[];
  report: GradingReport;
  html: string;
};

export function gradeFactory(args: {
  indicatorInputs: IndicatorInputs;
  assessment: Assessment;
  /** Replacement framework data (e.g. an assessor-corrected model.json); default: the shipped data. */
  frameworkData?: unknown;
  /** Replacement Article 13 tier rules (a province's file). */
  tierRules?: unknown;
  autofill?: boolean;
  /** The assessor's answers, applied after the telemetry pre-fill (so an override is seen as one). */
  applyAnswers?: (a: Assessment) => Assessment;
  nowMs: number;
  lang?: Lang;
  progress?: GradingReport['progress'];
}): GradeRun {
  const framework = maturityFramework(args.assessment.frameworkId, args.frameworkData);
  // The tier rules (a province's file) choose the indicator definitions; the caller's config may add to them.
  const tiersFw: TierFramework = tierFramework('hunan-art13-tiers', args.tierRules);
  const ctx = buildContext(withDefinitions(args.indicatorInputs, tiersFw.indicatorDefinitions));
  const indicators = computeIndicators(ctx);
  const suggestions = gateByCoverage(framework.suggest(indicators), indicators);
  const filled =
    args.autofill === false
      ? { assessment: args.assessment, conflicts: [] as string[] }
      : applySuggestions(args.assessment, suggestions, args.nowMs);
  const assessment = args.applyAnswers ? args.applyAnswers(filled.assessment) : filled.assessment;
  // Low-coverage telemetry answers the assessor has not confirmed do not count (issue 10 §6).
  const result = framework.evaluate(countedAssessment(assessment));
  const cache = new Map<string, Indicator[]>();
  const indicatorsFor = (scope: IndicatorScope) => {
    const key = `${scope.assetPath}|${scope.deviceIds?.join(',') ?? ''}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = computeIndicators(ctx, scope);
      cache.set(key, hit);
    }
    return hit;
  };
  const tiers = tiersFw.classify({
    snapshot: args.indicatorInputs.snapshot,
    indicatorsFor,
    frameworkLevels: { [framework.id]: result.level },
  });
  const report = buildGradingReport({
    factory: args.indicatorInputs.snapshot.factory,
    assessment,
    result,
    indicators,
    tiers,
    tierFramework: tiersFw,
    generatedAtMs: args.nowMs,
    ...(args.indicatorInputs.requestedPeriod
      ? { coveredPeriod: { fromMs: args.indicatorInputs.fromMs, toMs: args.indicatorInputs.toMs } }
      : {}),
    lang: args.lang ?? 'zh',
    ...(args.progress ? { progress: args.progress } : {}),
  });
  return {
    assessment,
    suggestions,
    conflicts: filled.conflicts,
    framework,
    result,
    indicators,
    tiers,
    report,
    html: renderGradingHtml(report),
  };
}

/** Indicator inputs with a rule set's definitions (the inputs' own config wins where both name one). */
export function withDefinitions(
  inputs: IndicatorInputs,
  definitions: Record<string, string>,
): IndicatorInputs {
  if (Object.keys(definitions).length === 0) return inputs;
  return {
    ...inputs,
    config: { ...inputs.config, definitions: { ...definitions, ...inputs.config?.definitions } },
  };
}
