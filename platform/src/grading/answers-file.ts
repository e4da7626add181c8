import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { industryTypeSchema } from '../registry/model.js';
import {
  type AnswerValue,
  type Assessment,
  acceptSuggestion,
  answerItem,
  answerOf,
  assessmentSchema,
  type EvidenceInput,
} from './assessment.js';
import { parseOrThrow } from './common.js';

/**
 * answers.yaml — what an assessor writes for `xiang grade` (example: grading/examples/answers.cmmm.yaml).
 * Each answer gives exactly one of score / choice / selected / level, or `accept: true` to take the telemetry
 * suggestion as it stands; document evidence as file references. An answer that differs from the telemetry
 * suggestion needs `overrideReason`.
 */
const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected "YYYY-MM-DD"');
const evidenceRef = z.union([
  z.string().min(1),
  z.object({ ref: z.string().min(1), note: z.string().optional() }),
]);

export const fileAnswerSchema = z
  .object({
    score: z.number().min(0).max(1).optional(),
    choice: z.string().min(1).optional(),
    selected: z.array(z.string().min(1)).optional(),
    level: z.number().int().min(0).max(5).optional(),
    accept: z.literal(true).optional(),
    evidence: z.array(evidenceRef).default([]),
    overrideReason: z.string().min(1).optional(),
    note: z.string().optional(),
    by: z.string().optional(),
  })
  .refine(
    (a) => [a.score, a.choice, a.selected, a.level, a.accept].filter((x) => x !== undefined).length === 1,
    'give exactly one of score, choice, selected, level or accept: true',
  );

export const answersFileSchema = z.object({
  framework: z.string().min(1),
  frameworkVersion: z.string().optional(),
  factory: z.string().min(1),
  industry: industryTypeSchema.optional(),
  weightSet: z.string().optional(),
  assessor: z.string().optional(),
  period: z.object({ from: localDate, to: localDate }).optional(),
  autofill: z.boolean().default(true),
  tailoring: z.array(z.object({ subdomain: z.string().min(1), reason: z.string().min(1) })).default([]),
  answers: z.record(z.string(), fileAnswerSchema).default({}),
});
export type AnswersFile = z.infer<typeof answersFileSchema>;

export function parseAnswersYaml(text: string): AnswersFile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new Error(`answers file is not valid YAML: ${(e as Error).message}`);
  }
  return parseOrThrow(answersFileSchema, data ?? {}, 'answers file');
}

/** The assessment skeleton (no answers yet) an answers file describes. */
export function assessmentFromFile(
  f: AnswersFile,
  opts: {
    id: string;
    frameworkVersion: string;
    defaultIndustry: 'discrete' | 'process';
    nowMs: number;
    period?: { fromMs: number; toMs: number };
  },
): Assessment {
  return assessmentSchema.parse({
    id: opts.id,
    factoryId: f.factory,
    frameworkId: f.framework,
    frameworkVersion: f.frameworkVersion ?? opts.frameworkVersion,
    industry: f.industry ?? opts.defaultIndustry,
    ...(f.weightSet ? { weightSet: f.weightSet } : {}),
    ...(f.assessor ? { assessor: f.assessor } : {}),
    ...(opts.period ? { period: opts.period } : {}),
    tailoring: f.tailoring.map((t) => ({ subjectId: t.subdomain, reason: t.reason })),
    answers: [],
    createdAtMs: opts.nowMs,
    updatedAtMs: opts.nowMs,
  });
}

/** Applies the file's answers over an (auto-filled) assessment; errors name the item and what is missing. */
export function applyFileAnswers(a: Assessment, f: AnswersFile, nowMs: number): Assessment {
  let out = a;
  const problems: string[] = [];
  for (const [itemId, ans] of Object.entries(f.answers)) {
    const by = ans.by ?? f.assessor;
    try {
      if (ans.accept) {
        out = acceptSuggestion(out, itemId, by ?? 'assessor', nowMs);
        continue;
      }
      const value = {
        score: ans.score,
        choice: ans.choice,
        selected: ans.selected,
        level: ans.level,
      } as AnswerValue;
      for (const k of Object.keys(value) as (keyof AnswerValue)[])
        if (value[k] === undefined) delete value[k];
      const evidence: EvidenceInput[] = ans.evidence.map((e) =>
        typeof e === 'string'
          ? { kind: 'document', ref: e }
          : { kind: 'document', ref: e.ref, ...(e.note ? { note: e.note } : {}) },
      );
      const telemetry = answerOf(out, itemId)?.evidence.filter((e) => e.kind === 'telemetry') ?? [];
      out = answerItem(out, itemId, value, {
        atMs: nowMs,
        ...(by ? { by } : {}),
        ...(ans.overrideReason ? { overrideReason: ans.overrideReason } : {}),
        ...(ans.note ? { note: ans.note } : {}),
        evidence: [...telemetry, ...evidence],
      });
    } catch (e) {
      const msg = (e as Error).message;
      const sug = answerOf(out, itemId)?.suggested;
      problems.push(
        /reason/.test(msg) && sug
          ? `answers.${itemId}: differs from the telemetry suggestion ${JSON.stringify(sug.value)} (${sug.evidence
              .map((x) => (x.kind === 'telemetry' ? `${x.indicatorId} = ${x.value}` : x.ref))
              .join(', ')}); add overrideReason`
          : `answers.${itemId}: ${msg}`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`answers file: ${problems.join('; ')}`);
  return out;
}
