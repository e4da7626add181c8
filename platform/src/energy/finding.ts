import { z } from 'zod';
import type { Verification } from './result.js';
import { type Text, textSchema } from './types.js';

/**
 * A finding an inspector can sign: what, where, when, the evidence behind it, how bad, what it would save
 * a year (kWh, tce, tCO₂, ¥ — with the assumptions), what to do, and the standard or method it rests on.
 */
export const categorySchema = z.enum([
  'energyEfficiency',
  'metering',
  'energyManagement',
  'keyEquipment',
  'processSystem',
]);
export type Category = z.infer<typeof categorySchema>;

export const severitySchema = z.enum(['info', 'low', 'medium', 'high']);
export type Severity = z.infer<typeof severitySchema>;
export const severityRank: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3 };

export const seriesRefSchema = z.object({
  deviceId: z.string(),
  metric: z.string(),
  fromMs: z.number(),
  toMs: z.number(),
});
export type SeriesRef = z.infer<typeof seriesRefSchema>;

export const figureSchema = z.object({
  key: z.string(),
  label: textSchema,
  value: z.number().nullable(),
  unit: z.string(),
});
export type Figure = z.infer<typeof figureSchema>;

export const tableSchema = z.object({
  columns: z.array(textSchema),
  rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))),
});
export type Table = z.infer<typeof tableSchema>;

export const savingSchema = z.object({
  /** Annual electricity saving, kWh. */
  energyKwh: z.number(),
  tce: z.number(),
  tco2: z.number(),
  /** ¥ a year; null when no price is configured. */
  costCny: z.number().nullable(),
  /** What the figure was observed over before annualising. */
  observedKwh: z.number(),
  observedHours: z.number(),
  assumptions: z.array(textSchema),
  investmentCny: z.number().nullable(),
  paybackYears: z.number().nullable(),
});
export type Saving = z.infer<typeof savingSchema>;

/**
 * A fact about a device a finding rests on (issue 9: every rule says which class information it relied on):
 * declared by the device or a person, given in the run options, inferred (said so), or missing.
 */
export const reliesOnSchema = z.object({
  deviceId: z.string(),
  fact: z.string(),
  value: z.union([z.string(), z.number(), z.array(z.string()), z.null()]),
  source: z.enum(['declared', 'runOption', 'inferred', 'missing']),
});
export type ReliesOn = z.infer<typeof reliesOnSchema>;

export const findingSchema = z.object({
  id: z.string(),
  rule: z.string(),
  category: categorySchema,
  severity: severitySchema,
  title: textSchema,
  what: textSchema,
  where: z.object({
    deviceId: z.string().optional(),
    assetPath: z.string().optional(),
    name: z.string().optional(),
  }),
  when: z.object({ fromMs: z.number(), toMs: z.number(), label: z.string().optional() }),
  evidence: z.object({
    series: z.array(seriesRefSchema),
    figures: z.array(figureSchema),
    table: tableSchema.optional(),
  }),
  saving: savingSchema.optional(),
  recommendation: textSchema,
  basis: z.array(z.string()),
  /** Declared facts (equipment class, role, profile, standby, voltage) the finding rests on, with their source. */
  reliesOn: z.array(reliesOnSchema).optional(),
  /** Time the finding's figures were computed over: hours with data out of the period's hours. */
  coverage: z.object({ coveredHours: z.number(), periodHours: z.number() }).optional(),
});
export type Finding = z.infer<typeof findingSchema>;

export const indicatorSchema = z.object({
  key: z.string(),
  label: textSchema,
  value: z.number().nullable(),
  unit: z.string(),
  where: z.string().optional(),
  /** Reference level the value is compared with (benchmark/baseline/standard limit/own history). */
  reference: z
    .object({
      kind: z.enum(['benchmark', 'baseline', 'limit', 'history', 'target']),
      value: z.number(),
      source: z.string(),
      confidence: z.string().optional(),
    })
    .array()
    .default([]),
  assessment: z.enum(['better', 'within', 'worse', 'unknown']).default('unknown'),
  basis: z.string(),
});
export type Indicator = z.infer<typeof indicatorSchema>;
export type IndicatorInput = z.input<typeof indicatorSchema>;

export const noteSchema = z.object({
  code: z.string(),
  severity: severitySchema,
  text: textSchema,
  deviceId: z.string().optional(),
});
export type Note = z.infer<typeof noteSchema>;

/** What one rule returns. `skipped` says why a rule could not run (missing data), shown in the report. */
export type RuleOutput = {
  findings: Finding[];
  indicators?: IndicatorInput[];
  notes?: Note[];
  skipped?: Text;
  /** Savings verification of measures already taken (baseline rule). */
  verification?: Verification[];
};

export const t = (zh: string, en: string): Text => ({ zh, en });

/** Severity from a value and rising thresholds; below `low` → info. */
export function severityFrom(value: number, th: { low: number; medium: number; high: number }): Severity {
  if (value >= th.high) return 'high';
  if (value >= th.medium) return 'medium';
  if (value >= th.low) return 'low';
  return 'info';
}
