import { z } from 'zod';
import { industryTypeSchema } from '../registry/model.js';
import { i18nSchema, periodSchema } from './common.js';

/**
 * The assessment record: which framework (id + version), which factory and industry type, which sub-domains
 * are tailored out, and the answers. An answer is either a telemetry suggestion (source "telemetry", with the
 * measured evidence and its period) or the assessor's (source "assessor"); an assessor answer that differs from
 * the suggestion must say why (overrideReason) — the suggestion stays on the record next to it.
 */

export const telemetryEvidenceSchema = z.object({
  kind: z.literal('telemetry'),
  indicatorId: z.string().min(1),
  value: z.number().nullable(),
  fromMs: z.number().int(),
  toMs: z.number().int(),
  scope: z.string().default(''),
  counts: z.record(z.string(), z.number()).default({}),
  formulaVersion: z.string().optional(),
  /** Share of the requested period (or of production time, for OEE) the indicator had data for. */
  coverage: z.number().nullable().optional(),
});
export const documentEvidenceSchema = z.object({
  kind: z.literal('document'),
  /** File reference: path, URL or archive number of the document that proves the answer. */
  ref: z.string().min(1),
  note: z.string().optional(),
});
export const evidenceSchema = z.discriminatedUnion('kind', [telemetryEvidenceSchema, documentEvidenceSchema]);
export type Evidence = z.infer<typeof evidenceSchema>;
export type EvidenceInput = z.input<typeof evidenceSchema>;

/** One of: a requirement score (0/0.5/0.8/1), a single option, a set of options, a scenario level. */
export const answerValueSchema = z
  .object({
    score: z.number().min(0).max(1).optional(),
    choice: z.string().min(1).optional(),
    selected: z.array(z.string().min(1)).optional(),
    level: z.number().int().min(0).max(5).optional(),
  })
  .refine(
    (v) => [v.score, v.choice, v.selected, v.level].filter((x) => x !== undefined).length === 1,
    'exactly one of score, choice, selected, level',
  );
export type AnswerValue = z.infer<typeof answerValueSchema>;

export const suggestionSchema = z.object({
  itemId: z.string().min(1),
  value: answerValueSchema,
  evidence: z.array(evidenceSchema).min(1),
  /** How the value follows from the evidence, e.g. "≥ 95 % → 1 (xiang-iiot proposal, not GB/T 39117)". */
  rule: i18nSchema,
  /**
   * An indicator behind it had coverage below its minimum: the suggestion is recorded but counts only once an
   * assessor confirms it (accept), so thin data cannot raise a score by itself.
   */
  needsConfirmation: z.boolean().optional(),
});
export type Suggestion = z.infer<typeof suggestionSchema>;

export function sameValue(a: AnswerValue, b: AnswerValue): boolean {
  const norm = (v: AnswerValue) =>
    JSON.stringify([v.score, v.choice, v.selected ? [...v.selected].sort() : undefined, v.level]);
  return norm(a) === norm(b);
}

export const answerSchema = z
  .object({
    itemId: z.string().min(1),
    value: answerValueSchema,
    source: z.enum(['telemetry', 'assessor']),
    suggested: suggestionSchema.omit({ itemId: true }).optional(),
    overrideReason: z.string().min(1).optional(),
    evidence: z.array(evidenceSchema).default([]),
    acceptedBy: z.string().optional(),
    /** A low-coverage telemetry suggestion awaiting an assessor's confirmation: not counted until accepted. */
    pendingConfirmation: z.boolean().optional(),
    answeredBy: z.string().optional(),
    answeredAtMs: z.number().int().optional(),
    note: z.string().optional(),
  })
  .superRefine((a, ctx) => {
    if (a.source === 'telemetry' && !a.suggested)
      ctx.addIssue({
        code: 'custom',
        path: ['suggested'],
        message: 'a telemetry answer carries its suggestion',
      });
    if (a.source === 'assessor' && a.suggested && !sameValue(a.value, a.suggested.value) && !a.overrideReason)
      ctx.addIssue({
        code: 'custom',
        path: ['overrideReason'],
        message: 'overriding a telemetry suggestion needs a reason',
      });
  });
export type Answer = z.infer<typeof answerSchema>;
export type AnswerInput = z.input<typeof answerSchema>;

export const assessmentStatusSchema = z.enum(['draft', 'submitted', 'locked']);
export type AssessmentStatus = z.infer<typeof assessmentStatusSchema>;

export const tailoringSchema = z.object({ subjectId: z.string().min(1), reason: z.string().min(1) });

export const assessmentSchema = z.object({
  id: z.string().min(1).max(128),
  factoryId: z.string().min(1),
  frameworkId: z.string().min(1),
  frameworkVersion: z.string().min(1),
  industry: industryTypeSchema,
  /** Weight set of the framework data (CMMM); default = the framework's default. */
  weightSet: z.string().optional(),
  tailoring: z.array(tailoringSchema).default([]),
  period: periodSchema.optional(),
  answers: z.array(answerSchema).default([]),
  assessor: z.string().optional(),
  /** Named reviewer (审核人); the one who locks must not be the one who submitted (four eyes). */
  reviewer: z.string().optional(),
  /** draft → submitted (assessor) → locked (reviewer); a reviewer may return a submitted one to draft. */
  status: assessmentStatusSchema.default('draft'),
  submittedBy: z.string().optional(),
  submittedAtMs: z.number().int().optional(),
  lockedBy: z.string().optional(),
  lockedAtMs: z.number().int().optional(),
  /** Why the reviewer sent it back (the last return), kept until the next submission. */
  returnReason: z.string().optional(),
  createdAtMs: z.number().int(),
  updatedAtMs: z.number().int(),
});
export type Assessment = z.infer<typeof assessmentSchema>;
export type AssessmentInput = z.input<typeof assessmentSchema>;

export function answerOf(a: Pick<Assessment, 'answers'>, itemId: string): Answer | undefined {
  return a.answers.find((x) => x.itemId === itemId);
}

/**
 * Pre-fills telemetry suggestions. Items without an answer, or whose answer is itself a telemetry suggestion,
 * take the (new) suggestion; an assessor's answer is never replaced — the item is listed as a conflict when the
 * new suggestion disagrees, for the assessor to look at. A suggestion that needs confirmation (low coverage) is
 * recorded as pending: it counts only after the assessor accepts it (acceptSuggestion).
 */
export function applySuggestions(
  a: Assessment,
  suggestions: Suggestion[],
  atMs: number,
): { assessment: Assessment; applied: string[]; conflicts: string[] } {
  const answers = [...a.answers];
  const applied: string[] = [];
  const conflicts: string[] = [];
  for (const s of suggestions) {
    const i = answers.findIndex((x) => x.itemId === s.itemId);
    const current = i >= 0 ? answers[i] : undefined;
    const { itemId, ...suggested } = s;
    if (current?.source === 'assessor') {
      if (!sameValue(current.value, s.value)) conflicts.push(itemId);
      continue;
    }
    const next: Answer = {
      itemId,
      value: s.value,
      source: 'telemetry',
      suggested,
      evidence: s.evidence,
      answeredAtMs: atMs,
      ...(s.needsConfirmation ? { pendingConfirmation: true } : {}),
    };
    if (i >= 0) answers[i] = next;
    else answers.push(next);
    applied.push(itemId);
  }
  return { assessment: { ...a, answers, updatedAtMs: atMs }, applied, conflicts };
}

/** The assessor's answer. Differing from a telemetry suggestion requires a reason, which is kept. */
export function answerItem(
  a: Assessment,
  itemId: string,
  value: AnswerValue,
  opts: { by?: string; atMs: number; overrideReason?: string; evidence?: EvidenceInput[]; note?: string },
): Assessment {
  const current = answerOf(a, itemId);
  const answer = answerSchema.parse({
    itemId,
    value,
    source: 'assessor',
    ...(current?.suggested ? { suggested: current.suggested } : {}),
    ...(opts.overrideReason ? { overrideReason: opts.overrideReason } : {}),
    evidence: opts.evidence ?? current?.evidence ?? [],
    ...(opts.by ? { answeredBy: opts.by } : {}),
    answeredAtMs: opts.atMs,
    ...(opts.note ? { note: opts.note } : {}),
  });
  const answers = a.answers.filter((x) => x.itemId !== itemId).concat(answer);
  return { ...a, answers, updatedAtMs: opts.atMs };
}

/** The assessor accepts a telemetry suggestion as it stands. */
export function acceptSuggestion(a: Assessment, itemId: string, by: string, atMs: number): Assessment {
  const current = answerOf(a, itemId);
  if (!current?.suggested) throw new Error(`item ${itemId} has no telemetry suggestion to accept`);
  const { pendingConfirmation: _confirmed, ...rest } = current;
  const accepted: Answer = {
    ...rest,
    value: current.suggested.value,
    source: 'telemetry',
    acceptedBy: by,
    answeredAtMs: atMs,
  };
  return { ...a, answers: a.answers.map((x) => (x.itemId === itemId ? accepted : x)), updatedAtMs: atMs };
}

/**
 * The answers that count for the evaluation: everything but telemetry suggestions still awaiting an assessor's
 * confirmation (low coverage). An item whose only answer is pending is evaluated as unanswered.
 */
export function countedAssessment(a: Assessment): Assessment {
  return a.answers.some((x) => x.pendingConfirmation)
    ? { ...a, answers: a.answers.filter((x) => !x.pendingConfirmation) }
    : a;
}
