import { z } from 'zod';
import { answerValueSchema, assessmentSchema } from '../../grading/assessment.js';
import type { AnswerInput } from '../../services/grading/service.js';

/** Body schemas shared by routes/assessments.ts and routes/assessment-workflow.ts (defined once). */

export const assessmentOut = assessmentSchema.meta({ id: 'Assessment' });

export const answerIn = z
  .object({
    score: z.number().min(0).max(1).optional(),
    choice: z.string().min(1).optional(),
    selected: z.array(z.string().min(1)).optional(),
    level: z.number().int().min(0).max(5).optional(),
    accept: z.literal(true).optional().describe('take the telemetry suggestion as it stands'),
    overrideReason: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .optional()
      .describe('required when the value differs from the suggestion'),
    evidence: z
      .array(
        z.object({
          ref: z.string().trim().min(1).max(500).describe('document name, URL or archive number'),
          note: z.string().max(2000).optional(),
        }),
      )
      .max(20)
      .optional(),
    note: z.string().max(2000).optional(),
  })
  .refine(
    (a) => [a.score, a.choice, a.selected, a.level, a.accept].filter((x) => x !== undefined).length === 1,
    'give exactly one of score, choice, selected, level or accept: true',
  );
export type AnswerBody = z.infer<typeof answerIn>;

/** The request body as the service's input (the value picked out of score/choice/selected/level). */
export function answerInput(body: AnswerBody, by: string): AnswerInput {
  const { accept, overrideReason, evidence, note, ...v } = body;
  const value = answerValueSchema.safeParse(
    Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)),
  );
  return {
    ...(accept ? { accept: true } : value.success ? { value: value.data } : {}),
    overrideReason,
    evidence,
    note,
    by,
  };
}
