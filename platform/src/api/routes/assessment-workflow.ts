import { z } from 'zod';
import { answerValueSchema } from '../../grading/assessment.js';
import { HttpProblem } from '../problem.js';
import { API_PREFIX, type RouteModule } from '../types.js';
import { answerIn, answerInput, assessmentOut } from './assessment-schemas.js';
import { assessmentParams, graded, gradingService } from './grading-common.js';

const i18n = z.object({ zh: z.string(), en: z.string() });
const saved = z.object({ assessment: assessmentOut, revision: z.number().int() });
const historyOut = z.array(
  z.object({
    revision: z.number().int(),
    savedAtMs: z.number(),
    savedBy: z.string().nullable(),
    action: z.string().nullable().describe('create, autofill, answer, accept, submit, return, lock, compute'),
    status: z.enum(['draft', 'submitted', 'locked']),
    changes: z.object({
      answers: z.array(
        z.object({
          itemId: z.string(),
          before: answerValueSchema.nullable(),
          after: answerValueSchema.nullable(),
          source: z.enum(['telemetry', 'assessor']).nullable(),
          fields: z.array(z.string()),
        }),
      ),
      status: z.object({ before: z.string(), after: z.string() }).optional(),
      period: z.boolean().optional(),
    }),
  }),
);
const scored = z
  .object({
    assessmentId: z.string(),
    createdAtMs: z.number(),
    computedAtMs: z.number(),
    level: z.number().nullable(),
    totalScore: z.number(),
  })
  .nullable();
const progressOut = z.object({
  current: scored,
  previous: scored,
  domains: z.array(
    z.object({
      id: z.string(),
      name: i18n,
      max: z.number(),
      previous: z.number().nullable(),
      current: z.number().nullable(),
      delta: z.number().nullable(),
    }),
  ),
});

/**
 * 评估流程 · The assessment workflow: several answers saved as one revision, submit (assessor), lock or return
 * (reviewer: inspector or admin token, not the submitter), the revision history with who changed what, and
 * progress against the previous assessment per dimension. A locked assessment refuses every edit with
 * problem type urn:xiang:problem:assessment-locked (409).
 */
export const assessmentWorkflowRoutes: RouteModule = {
  name: 'assessment-workflow',
  register(app, deps) {
    const one = `${API_PREFIX}/factories/:factoryId/assessments/:assessmentId`;
    const tags = ['grading'];
    const svc = () => gradingService(deps);
    const actor = (p: { name: string; role: 'admin' | 'factory' | 'inspector' } | null) => {
      if (!p) throw new HttpProblem(401, 'a signed-in token is needed');
      return { name: p.name, role: p.role };
    };

    app.post(
      `${one}/answers`,
      {
        schema: {
          tags,
          summary: '批量作答 · Save several answers as one revision',
          description:
            'Each entry as PUT …/answers/:itemId plus its itemId. All apply or none (the first error is returned).',
          params: assessmentParams,
          body: z.object({
            answers: z
              .array(z.intersection(z.object({ itemId: z.string().min(1).max(128) }), answerIn))
              .min(1)
              .max(500),
          }),
          response: { 200: saved },
        },
      },
      async (req) =>
        graded(() =>
          svc().answerMany(
            req.params.factoryId,
            req.params.assessmentId,
            req.body.answers.map((a) => ({
              ...answerInput(a, req.principal?.name ?? 'api'),
              itemId: a.itemId,
            })),
          ),
        ),
    );
    app.post(
      `${one}/submit`,
      {
        schema: {
          tags,
          summary: '提交审核 · Submit for review (every item answered)',
          params: assessmentParams,
          response: { 200: saved },
        },
      },
      async (req) =>
        graded(() => svc().submit(req.params.factoryId, req.params.assessmentId, actor(req.principal))),
    );
    app.post(
      `${one}/lock`,
      {
        // Reviewers are inspectors: they may lock a factory's assessment without write access to its data.
        config: { access: 'factoryRead' },
        schema: {
          tags,
          summary: '审核锁定 · Lock after review (inspector or admin, not the submitter)',
          params: assessmentParams,
          response: { 200: saved },
        },
      },
      async (req) =>
        graded(() => svc().lock(req.params.factoryId, req.params.assessmentId, actor(req.principal))),
    );
    app.post(
      `${one}/return`,
      {
        config: { access: 'factoryRead' },
        schema: {
          tags,
          summary: '退回修改 · Return a submitted assessment to the assessor with a reason',
          params: assessmentParams,
          body: z.object({ reason: z.string().trim().min(1).max(2000) }),
          response: { 200: saved },
        },
      },
      async (req) =>
        graded(() =>
          svc().sendBack(
            req.params.factoryId,
            req.params.assessmentId,
            actor(req.principal),
            req.body.reason,
          ),
        ),
    );
    app.get(
      `${one}/history`,
      {
        schema: {
          tags,
          summary: '修订记录 · Who changed what, when',
          params: assessmentParams,
          response: { 200: historyOut },
        },
      },
      async (req) => graded(() => svc().history(req.params.factoryId, req.params.assessmentId)),
    );
    app.get(
      `${one}/progress`,
      {
        schema: {
          tags,
          summary: '评估进展 · Previous vs this assessment, per dimension',
          params: assessmentParams,
          response: { 200: progressOut },
        },
      },
      async (req) => graded(() => svc().progress(req.params.factoryId, req.params.assessmentId)),
    );
  },
};
