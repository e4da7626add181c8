import { z } from 'zod';
import { confidenceSchema, i18nSchema, parseOrThrow } from '../../common.js';
import modelData from './model.json' with { type: 'json' };

/**
 * MIIT SME digitalisation evaluation, 2024 edition, as versioned data (model.json): dimensions and point
 * values, questions (single choice, multi-select, rate bands), the 16 scenarios with L1–L4 ladders and the
 * constrained flag, and the level rules. Validated at load; ids cross-checked.
 */
const sourced = { source: z.string().min(1), confidence: confidenceSchema };
const optionSchema = z.object({ id: z.string().min(1), label: i18nSchema, points: z.number().nonnegative() });
const bandSchema = optionSchema.extend({
  min: z.number().min(0).max(1),
  max: z.number().min(0).max(1),
  minInclusive: z.boolean().default(false),
});
const thresholdSchema = z.object({ indicator: z.string().min(1), min: z.number().min(0).max(1) });

export const smeModelSchema = z.object({
  id: z.literal('sme-digital-2024'),
  version: z.string().min(1),
  document: z.string(),
  ...sourced,
  dimensions: z
    .array(
      z.object({
        id: z.string().min(1),
        name: i18nSchema,
        points: z.number().positive().nullable(),
        ...sourced,
      }),
    )
    .min(1),
  scenarioGroups: z.array(z.object({ id: z.string().min(1), name: i18nSchema })),
  questions: z
    .array(
      z.object({
        id: z.string().min(1),
        dimension: z.string().min(1),
        type: z.enum(['choice', 'multi', 'band']),
        points: z.number().positive(),
        title: i18nSchema,
        options: z.array(optionSchema).optional(),
        bands: z.array(bandSchema).optional(),
        telemetry: z.string().optional(),
        /** Option id → indicator breakdown key (e.g. "link:energy") that can prove the option. */
        telemetryLinks: z.record(z.string(), z.string()).optional(),
        note: z.string().optional(),
        proveBy: i18nSchema,
        ...sourced,
      }),
    )
    .min(1),
  scenarios: z
    .array(
      z.object({
        id: z.string().min(1),
        name: i18nSchema,
        group: z.string().min(1),
        constrained: z.boolean(),
        ladder: z.array(i18nSchema).length(4),
        telemetry: z
          .array(z.object({ level: z.number().int().min(1).max(4), all: z.array(thresholdSchema).min(1) }))
          .optional(),
        ...sourced,
      }),
    )
    .min(1),
  scenarioTelemetry: z.object(sourced),
  levels: z.array(z.object({ level: z.number().int().min(1).max(4), name: i18nSchema })).min(1),
  levelRules: z.object({
    rules: z
      .array(
        z.object({
          level: z.number().int().min(1).max(4),
          minScore: z.number().min(0).max(100),
          minScenarios: z.number().int().min(0),
          scenarioLevel: z.number().int().min(1).max(4),
          minConstrained: z.number().int().min(0),
        }),
      )
      .min(1),
    ...sourced,
  }),
});
export type SmeModel = z.infer<typeof smeModelSchema>;
export type SmeQuestion = SmeModel['questions'][number];

export function loadSme(data?: unknown): SmeModel {
  const m = parseOrThrow(smeModelSchema, data ?? modelData, 'sme-digital-2024 model');
  const problems: string[] = [];
  const dims = new Set(m.dimensions.map((d) => d.id));
  const groups = new Set(m.scenarioGroups.map((g) => g.id));
  for (const q of m.questions) {
    if (!dims.has(q.dimension)) problems.push(`question ${q.id}: unknown dimension ${q.dimension}`);
    if (q.type === 'band' ? !q.bands?.length : !q.options?.length)
      problems.push(`question ${q.id}: no ${q.type === 'band' ? 'bands' : 'options'}`);
    const max = questionMax(q);
    if (Math.abs(max - q.points) > 1e-9)
      problems.push(`question ${q.id}: options reach ${max}, not ${q.points} points`);
  }
  for (const s of m.scenarios)
    if (!groups.has(s.group)) problems.push(`scenario ${s.id}: unknown group ${s.group}`);
  for (const d of m.dimensions) {
    if (d.points === null) continue;
    const sum = m.questions.filter((q) => q.dimension === d.id).reduce((a, q) => a + q.points, 0);
    if (Math.abs(sum - d.points) > 1e-9)
      problems.push(`dimension ${d.id}: questions add to ${sum}, not ${d.points}`);
  }
  if (problems.length > 0)
    throw new Error(`invalid sme-digital-2024 data: ${problems.slice(0, 5).join('; ')}`);
  return m;
}

/** Highest points a question can give (multi-select: all options, capped at the question's points). */
export function questionMax(q: SmeQuestion): number {
  if (q.type === 'band') return Math.max(...(q.bands ?? []).map((b) => b.points));
  if (q.type === 'choice') return Math.max(...(q.options ?? []).map((o) => o.points));
  return Math.min(
    q.points,
    (q.options ?? []).reduce((a, o) => a + o.points, 0),
  );
}

/** Points of an answer; null when the answer does not fit the question. */
export function questionPoints(
  q: SmeQuestion,
  v: { choice?: string; selected?: string[] } | undefined,
): number | null {
  if (!v) return 0;
  if (q.type === 'multi') {
    if (!v.selected) return null;
    const opts = new Map((q.options ?? []).map((o) => [o.id, o.points]));
    if (v.selected.some((id) => !opts.has(id))) return null;
    const sum = [...new Set(v.selected)].reduce((a, id) => a + (opts.get(id) ?? 0), 0);
    return Math.min(q.points, Math.round(sum * 1e9) / 1e9);
  }
  const list = q.type === 'band' ? (q.bands ?? []) : (q.options ?? []);
  const o = list.find((x) => x.id === v.choice);
  return o ? o.points : null;
}

/** The band a measured rate falls in: [min, max] for the first band if minInclusive, (min, max] otherwise. */
export function bandFor(q: SmeQuestion, rate: number): { id: string; points: number } | null {
  const r = Math.round(rate * 1e9) / 1e9;
  for (const b of q.bands ?? []) if ((b.minInclusive ? r >= b.min : r > b.min) && r <= b.max) return b;
  return null;
}
