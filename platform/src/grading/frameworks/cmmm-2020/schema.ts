import { z } from 'zod';
import { confidenceSchema, i18nSchema, parseOrThrow } from '../../common.js';
import modelData from './model.json' with { type: 'json' };
import rulesData from './rules.json' with { type: 'json' };
import weightsData from './weights.json' with { type: 'json' };

/**
 * GB/T 39116/39117-2020 (CMMM) as versioned data: model.json (levels, factors, domains, sub-domains,
 * requirements), weights.json (weight sets per industry type) and rules.json (scale, thresholds, bands,
 * level determination, tailoring). Every item carries its source and confidence tag; validated at load.
 */
const sourced = { source: z.string().min(1), confidence: confidenceSchema };
const industrySchema = z.enum(['discrete', 'process']);

export const cmmmModelSchema = z.object({
  id: z.literal('cmmm-2020'),
  version: z.string().min(1),
  standard: z.string(),
  note: z.string().optional(),
  levels: z
    .array(
      z.object({
        level: z.number().int().min(1).max(5),
        name: i18nSchema,
        meaning: i18nSchema,
        nickname: z.string().optional(),
        ...sourced,
      }),
    )
    .length(5),
  factors: z.array(z.object({ id: z.string().min(1), name: i18nSchema, ...sourced })).min(1),
  domains: z
    .array(z.object({ id: z.string().min(1), factor: z.string().min(1), name: i18nSchema, ...sourced }))
    .min(1),
  subdomains: z
    .array(
      z.object({
        id: z.string().min(1),
        domain: z.string().min(1),
        name: i18nSchema,
        /** Industry types the sub-domain applies to; default both. */
        industries: z.array(industrySchema).default(['discrete', 'process']),
        optionalFor: z.array(industrySchema).default([]),
        optionalSource: z.string().optional(),
        optionalConfidence: confidenceSchema.optional(),
        ...sourced,
      }),
    )
    .min(1),
  requirements: z
    .array(
      z.object({
        id: z.string().min(1),
        subdomain: z.string().min(1),
        level: z.number().int().min(1).max(5),
        text: i18nSchema,
        proveBy: i18nSchema,
        telemetry: z.array(z.string().min(1)).default([]),
        ...sourced,
      }),
    )
    .min(1),
});
export type CmmmModel = z.infer<typeof cmmmModelSchema>;

export const cmmmWeightsSchema = z.object({
  version: z.string(),
  default: z.string().min(1),
  sets: z
    .array(
      z.object({
        id: z.string().min(1),
        name: i18nSchema,
        unverified: z.boolean(),
        groups: z
          .array(
            z.object({
              id: z.string().min(1),
              name: i18nSchema,
              weight: z.object({ discrete: z.number().nonnegative(), process: z.number().nonnegative() }),
              members: z.record(z.string(), z.number().positive()),
            }),
          )
          .min(1),
        ...sourced,
      }),
    )
    .min(1),
});
export type CmmmWeights = z.infer<typeof cmmmWeightsSchema>;

const rule = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, ...sourced });
export const cmmmRulesSchema = z.object({
  version: z.string(),
  scale: rule({ values: z.array(z.object({ score: z.number().min(0).max(1), label: i18nSchema })).min(2) }),
  subdomainScore: rule({ rule: z.literal('mean') }),
  missingAnswer: rule({ rule: z.literal('zero') }),
  levelReached: rule({ threshold: z.number().gt(0).max(1) }),
  totalScore: rule({ rule: z.literal('sumUpToFirstBelowThreshold') }),
  bands: rule({
    values: z
      .array(
        z.object({
          level: z.number().int().min(1).max(5),
          min: z.number(),
          max: z.number(),
          maxInclusive: z.boolean().default(false),
        }),
      )
      .min(1),
  }),
  levelDetermination: rule({ rule: z.enum(['reachedRule', 'band']) }),
  tailoring: rule({ renormalize: z.literal(true), mandatoryDomains: z.array(z.string()).default([]) }),
});
export type CmmmRules = z.infer<typeof cmmmRulesSchema>;

export type CmmmDefinition = { model: CmmmModel; weights: CmmmWeights; rules: CmmmRules };

/** Validates the three files and their cross-references (every id points at something that exists). */
export function loadCmmm(data?: { model?: unknown; weights?: unknown; rules?: unknown }): CmmmDefinition {
  const model = parseOrThrow(cmmmModelSchema, data?.model ?? modelData, 'cmmm-2020 model');
  const weights = parseOrThrow(cmmmWeightsSchema, data?.weights ?? weightsData, 'cmmm-2020 weights');
  const rules = parseOrThrow(cmmmRulesSchema, data?.rules ?? rulesData, 'cmmm-2020 rules');
  const problems: string[] = [];
  const factorIds = new Set(model.factors.map((f) => f.id));
  const domainIds = new Set(model.domains.map((d) => d.id));
  const sdIds = new Set(model.subdomains.map((s) => s.id));
  for (const d of model.domains)
    if (!factorIds.has(d.factor)) problems.push(`domain ${d.id}: unknown factor ${d.factor}`);
  for (const s of model.subdomains)
    if (!domainIds.has(s.domain)) problems.push(`sub-domain ${s.id}: unknown domain ${s.domain}`);
  const reqIds = new Set<string>();
  for (const r of model.requirements) {
    if (!sdIds.has(r.subdomain)) problems.push(`requirement ${r.id}: unknown sub-domain ${r.subdomain}`);
    if (reqIds.has(r.id)) problems.push(`requirement ${r.id}: duplicate id`);
    reqIds.add(r.id);
  }
  for (const set of weights.sets) {
    const members = set.groups.flatMap((g) => Object.keys(g.members));
    for (const m of members)
      if (!sdIds.has(m)) problems.push(`weight set ${set.id}: unknown sub-domain ${m}`);
    for (const s of sdIds)
      if (members.filter((m) => m === s).length !== 1)
        problems.push(`weight set ${set.id}: sub-domain ${s} must be in exactly one group`);
  }
  if (!weights.sets.some((s) => s.id === weights.default))
    problems.push(`weights.default: unknown set ${weights.default}`);
  for (const d of rules.tailoring.mandatoryDomains)
    if (!domainIds.has(d)) problems.push(`rules.tailoring: unknown domain ${d}`);
  if (problems.length > 0) throw new Error(`invalid cmmm-2020 data: ${problems.slice(0, 5).join('; ')}`);
  return { model, weights, rules };
}
