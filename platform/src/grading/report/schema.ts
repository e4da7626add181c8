import { z } from 'zod';
import { answerValueSchema, evidenceSchema, tailoringSchema } from '../assessment.js';
import { confidenceSchema, i18nSchema, langSchema, periodSchema } from '../common.js';

/**
 * The grading report's JSON: a stable, versioned contract (schemaVersion). Additive changes keep the version;
 * anything that renames or removes a field bumps it.
 */
export const REPORT_SCHEMA_VERSION = 'xiang.grading-report/1';

const pullingDownSchema = z.object({
  kind: z.enum(['device', 'series', 'asset']),
  ref: z.string(),
  assetPath: z.string().optional(),
  value: z.number().nullable(),
  reason: i18nSchema,
});

export const reportIndicatorSchema = z.object({
  id: z.string(),
  name: i18nSchema,
  value: z.number().nullable(),
  fromMs: z.number(),
  toMs: z.number(),
  scope: z.string(),
  formula: i18nSchema,
  formulaVersion: z.string(),
  counts: z.record(z.string(), z.number()),
  pullingDown: z.array(pullingDownSchema),
  breakdown: z
    .array(
      z.object({
        key: z.string(),
        label: i18nSchema,
        value: z.number().nullable(),
        counts: z.record(z.string(), z.number()),
      }),
    )
    .optional(),
  notes: z.array(i18nSchema),
  definition: z.object({ id: z.string(), version: z.string(), default: z.boolean() }).optional(),
  /** Share of the requested period (OEE: of production time) the indicator had data for; null: not time-based. */
  coverage: z.number().nullable().optional(),
  lowCoverage: z.boolean().optional(),
});

export const reportTierSchema = z.object({
  assetPath: z.string(),
  deviceId: z.string().optional(),
  level: z.enum(['factory', 'workshop', 'line', 'station']),
  name: z.string(),
  tier: z.string().nullable(),
  tierName: i18nSchema.nullable(),
  candidateTier: z.string(),
  conditions: z.array(
    z.object({
      label: i18nSchema,
      indicatorId: z.string().optional(),
      value: z.number().nullable(),
      min: z.number(),
      passed: z.boolean().nullable(),
    }),
  ),
});

export const reportGapSchema = z.object({
  rank: z.number().int().min(1),
  itemId: z.string(),
  title: i18nSchema,
  group: i18nSchema,
  level: z.number().optional(),
  current: z.string(),
  target: z.string(),
  deltaScore: z.number(),
  blocking: z.boolean(),
  proveBy: i18nSchema,
  telemetry: z.array(z.string()),
});

export const reportItemSchema = z.object({
  itemId: z.string(),
  title: i18nSchema,
  group: i18nSchema,
  level: z.number().optional(),
  value: answerValueSchema.nullable(),
  score: z.number().nullable(),
  status: z.enum(['answered', 'telemetry', 'missing', 'tailored', 'invalid']),
  source: z.enum(['telemetry', 'assessor']).nullable(),
  evidence: z.array(evidenceSchema),
  suggested: answerValueSchema.optional(),
  overrideReason: z.string().optional(),
  confidence: confidenceSchema,
});

export const gradingReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  generatedAtMs: z.number().int(),
  lang: langSchema,
  utcOffsetMinutes: z.number().int(),
  factory: z.object({ id: z.string(), name: z.string(), industry: z.enum(['discrete', 'process']) }),
  assessment: z.object({
    id: z.string(),
    frameworkId: z.string(),
    frameworkVersion: z.string(),
    createdAtMs: z.number().int(),
    updatedAtMs: z.number().int(),
    period: periodSchema.optional(),
    /** The part of the period with data, which the indicators were computed over (issue 10 §6). */
    coveredPeriod: periodSchema.optional(),
    assessor: z.string().optional(),
    /** Workflow state when the report was computed (a locked assessment is computed once more at its lock). */
    status: z.enum(['draft', 'submitted', 'locked']).optional(),
    submittedBy: z.string().optional(),
    submittedAtMs: z.number().int().optional(),
    lockedBy: z.string().optional(),
    lockedAtMs: z.number().int().optional(),
    tailoring: z.array(tailoringSchema),
    weightSet: z.string().optional(),
  }),
  result: z.object({
    title: i18nSchema,
    level: z.number().nullable(),
    levelName: i18nSchema.nullable(),
    totalScore: z.number(),
    totalScoreMax: z.number(),
    totalScoreLabel: i18nSchema,
    band: z
      .object({ level: z.number().nullable(), name: i18nSchema.nullable(), conflictsWithLevel: z.boolean() })
      .optional(),
    levelScores: z
      .array(
        z.object({
          level: z.number(),
          name: i18nSchema,
          score: z.number().nullable(),
          reached: z.boolean(),
          counted: z.boolean(),
        }),
      )
      .optional(),
    domains: z.array(z.object({ id: z.string(), name: i18nSchema, score: z.number(), max: z.number() })),
    warnings: z.array(z.string()),
  }),
  indicators: z.array(reportIndicatorSchema),
  tiers: z.array(reportTierSchema),
  tierRules: z.object({ id: z.string(), version: z.string() }).optional(),
  gaps: z.array(reportGapSchema),
  items: z.array(reportItemSchema),
  overrides: z.array(
    z.object({
      itemId: z.string(),
      title: i18nSchema,
      suggested: answerValueSchema,
      final: answerValueSchema,
      reason: z.string(),
    }),
  ),
  /**
   * Telemetry suggestions resting on an indicator below its coverage minimum: not counted until an assessor
   * confirms them (accept).
   */
  pendingConfirmation: z
    .array(
      z.object({
        itemId: z.string(),
        title: i18nSchema,
        suggested: answerValueSchema,
        indicators: z.array(z.object({ id: z.string(), coverage: z.number().nullable() })),
      }),
    )
    .default([]),
  /** Earlier results of the same factory and framework, oldest first (from the repository). */
  progress: z.array(
    z.object({
      assessmentId: z.string(),
      computedAtMs: z.number(),
      level: z.number().nullable(),
      totalScore: z.number(),
    }),
  ),
  unverifiedRules: z.array(i18nSchema),
});
export type GradingReport = z.infer<typeof gradingReportSchema>;
