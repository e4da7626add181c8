import type { FactoryProfile } from '../../registry/model.js';
import type { Assessment } from '../assessment.js';
import type { Lang } from '../common.js';
import type { AssetTier, FrameworkResult, TierFramework } from '../frameworks/types.js';
import type { Indicator } from '../indicators/types.js';
import { type GradingReport, gradingReportSchema, REPORT_SCHEMA_VERSION } from './schema.js';

/** Assembles (and validates) the report JSON from an evaluated assessment, indicators and tiers. */
export function buildGradingReport(args: {
  factory: Pick<FactoryProfile, 'id' | 'name' | 'industry' | 'calendar'>;
  assessment: Assessment;
  result: FrameworkResult;
  indicators: Indicator[];
  tiers?: AssetTier[];
  tierFramework?: Pick<TierFramework, 'id' | 'version' | 'unverifiedRules'>;
  progress?: GradingReport['progress'];
  /** The part of the assessment period with data (when it was clipped). */
  coveredPeriod?: { fromMs: number; toMs: number };
  generatedAtMs: number;
  lang?: Lang;
}): GradingReport {
  const { assessment: a, result: r } = args;
  const overrides = a.answers.flatMap((ans) =>
    ans.source === 'assessor' && ans.suggested && ans.overrideReason
      ? [
          {
            itemId: ans.itemId,
            title: r.items.find((i) => i.itemId === ans.itemId)?.title ?? { zh: ans.itemId, en: ans.itemId },
            suggested: ans.suggested.value,
            final: ans.value,
            reason: ans.overrideReason,
          },
        ]
      : [],
  );
  const pendingConfirmation = a.answers.flatMap((ans) =>
    ans.pendingConfirmation && ans.suggested
      ? [
          {
            itemId: ans.itemId,
            title: r.items.find((i) => i.itemId === ans.itemId)?.title ?? { zh: ans.itemId, en: ans.itemId },
            suggested: ans.suggested.value,
            indicators: ans.suggested.evidence.flatMap((e) =>
              e.kind === 'telemetry' ? [{ id: e.indicatorId, coverage: e.coverage ?? null }] : [],
            ),
          },
        ]
      : [],
  );
  const report: GradingReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAtMs: args.generatedAtMs,
    lang: args.lang ?? 'zh',
    utcOffsetMinutes: args.factory.calendar?.utcOffsetMinutes ?? 480,
    factory: { id: args.factory.id, name: args.factory.name || args.factory.id, industry: a.industry },
    assessment: {
      id: a.id,
      frameworkId: a.frameworkId,
      frameworkVersion: a.frameworkVersion,
      createdAtMs: a.createdAtMs,
      updatedAtMs: a.updatedAtMs,
      ...(a.period ? { period: a.period } : {}),
      ...(args.coveredPeriod ? { coveredPeriod: args.coveredPeriod } : {}),
      ...(a.assessor ? { assessor: a.assessor } : {}),
      status: a.status,
      ...(a.submittedBy ? { submittedBy: a.submittedBy, submittedAtMs: a.submittedAtMs } : {}),
      ...(a.lockedBy ? { lockedBy: a.lockedBy, lockedAtMs: a.lockedAtMs } : {}),
      tailoring: a.tailoring,
      ...(a.weightSet ? { weightSet: a.weightSet } : {}),
    },
    result: {
      title: r.title,
      level: r.level,
      levelName: r.levelName,
      totalScore: r.totalScore,
      totalScoreMax: r.totalScoreMax,
      totalScoreLabel: r.totalScoreLabel,
      ...(r.band ? { band: r.band } : {}),
      ...(r.levelScores ? { levelScores: r.levelScores } : {}),
      domains: r.domains,
      warnings: r.warnings,
    },
    indicators: args.indicators.map((i) => ({
      id: i.id,
      name: i.name,
      value: i.value,
      fromMs: i.fromMs,
      toMs: i.toMs,
      scope: i.scope.assetPath,
      formula: i.formula,
      formulaVersion: i.formulaVersion,
      counts: i.counts,
      pullingDown: i.pullingDown,
      ...(i.breakdown ? { breakdown: i.breakdown } : {}),
      notes: i.notes,
      ...(i.definition ? { definition: i.definition } : {}),
      coverage: i.coverage,
      lowCoverage: i.lowCoverage,
    })),
    tiers: args.tiers ?? [],
    ...(args.tierFramework
      ? { tierRules: { id: args.tierFramework.id, version: args.tierFramework.version } }
      : {}),
    gaps: r.gaps.map((g, i) => ({ rank: i + 1, ...g })),
    items: r.items,
    overrides,
    pendingConfirmation,
    progress: args.progress ?? [],
    unverifiedRules: [...r.unverifiedRules, ...(args.tierFramework?.unverifiedRules ?? [])],
  };
  return gradingReportSchema.parse(report);
}
