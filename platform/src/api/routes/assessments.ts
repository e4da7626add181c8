import { z } from 'zod';
import { tailoringSchema } from '../../grading/assessment.js';
import { maturityFramework } from '../../grading/frameworks/index.js';
import { gradingReportSchema } from '../../grading/report/schema.js';
import { industryTypeSchema } from '../../registry/model.js';
import { factoryParams } from '../params.js';
import { API_PREFIX, type RouteModule } from '../types.js';
import { answerIn, answerInput, assessmentOut } from './assessment-schemas.js';
import {
  assessmentParams,
  bodyPeriod,
  graded,
  gradingService,
  indicatorOut,
  indicatorView,
  langQuery,
} from './grading-common.js';

const listOut = z.array(
  z.object({
    id: z.string(),
    factoryId: z.string(),
    frameworkId: z.string(),
    frameworkVersion: z.string(),
    industry: z.string(),
    createdAtMs: z.number(),
    updatedAtMs: z.number(),
    revisions: z.number().int(),
    status: z.enum(['draft', 'submitted', 'locked']),
    period: z.object({ fromMs: z.number(), toMs: z.number() }).nullable(),
    answers: z.number().int(),
    fromTelemetry: z.number().int(),
    level: z.number().nullable(),
    totalScore: z.number().nullable(),
    computedAtMs: z.number().nullable(),
  }),
);
const createIn = z.object({
  frameworkId: z.string().min(1).describe('cmmm-2020 or sme-digital-2024'),
  frameworkVersion: z.string().optional().describe('must match the platform’s version of the framework'),
  industry: industryTypeSchema.optional().describe('default: the factory profile'),
  weightSet: z.string().optional(),
  tailoring: z.array(tailoringSchema).optional().describe('sub-domains tailored out, each with a reason'),
  period: bodyPeriod.optional().describe('telemetry period; default: the 30 local days before today'),
  assessor: z.string().optional(),
});
const itemView = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.object({ zh: z.string(), en: z.string() }),
  group: z.object({ id: z.string(), name: z.object({ zh: z.string(), en: z.string() }) }),
  level: z.number().optional(),
  scale: z.array(z.number()).optional(),
  options: z
    .array(
      z.object({ id: z.string(), label: z.object({ zh: z.string(), en: z.string() }), points: z.number() }),
    )
    .optional(),
  maxLevel: z.number().int().optional(),
  telemetry: z.array(z.string()),
  proveBy: z.object({ zh: z.string(), en: z.string() }),
});
const computeOut = z.object({
  assessmentId: z.string(),
  level: z.number().nullable(),
  totalScore: z.number(),
  totalScoreMax: z.number(),
  domains: z.array(
    z.object({
      id: z.string(),
      name: z.object({ zh: z.string(), en: z.string() }),
      score: z.number(),
      max: z.number(),
    }),
  ),
  gaps: z.number().int(),
  overrides: z.number().int(),
  computedAtMs: z.number(),
  reportUrl: z.string(),
});

/** 分级评估: create, auto-fill from telemetry, answer/override, compute and report, with history. */
export const assessmentRoutes: RouteModule = {
  name: 'assessments',
  register(app, deps) {
    const base = `${API_PREFIX}/factories/:factoryId/assessments`;
    const one = `${base}/:assessmentId`;
    const tags = ['grading'];
    const svc = () => gradingService(deps);

    app.get(
      base,
      {
        schema: {
          tags,
          summary: '评估列表 · Assessments with their latest result',
          params: factoryParams,
          response: { 200: listOut },
        },
      },
      async (req) => graded(() => svc().list(req.params.factoryId)),
    );
    app.post(
      base,
      {
        schema: {
          tags,
          summary: '新建评估 · Create an assessment',
          description:
            'Example: {"frameworkId":"cmmm-2020","industry":"discrete","tailoring":[{"subjectId":"productService","reason":"…"}]}',
          params: factoryParams,
          body: createIn,
          response: { 201: assessmentOut },
        },
      },
      async (req, reply) => {
        const a = await graded(() => svc().create(req.params.factoryId, req.body));
        return reply.code(201).send(a);
      },
    );
    app.get(
      one,
      {
        schema: {
          tags,
          summary: '评估详情 · An assessment with its items',
          params: assessmentParams,
          response: {
            200: z.object({
              assessment: assessmentOut,
              revisions: z.number().int(),
              items: z.array(itemView),
            }),
          },
        },
      },
      async (req) =>
        graded(() => {
          const a = svc().get(req.params.factoryId, req.params.assessmentId);
          const items = maturityFramework(a.frameworkId)
            .items(a)
            .map((i) => ({
              id: i.id,
              kind: i.kind,
              title: i.title,
              group: i.group,
              ...(i.level !== undefined ? { level: i.level } : {}),
              ...(i.scale ? { scale: i.scale } : {}),
              ...(i.options ? { options: i.options } : {}),
              ...(i.maxLevel !== undefined ? { maxLevel: i.maxLevel } : {}),
              telemetry: i.telemetry,
              proveBy: i.proveBy,
            }));
          return { assessment: a, revisions: svc().revisions(a.factoryId, a.id).length, items };
        }),
    );
    app.get(
      `${one}/revisions`,
      {
        schema: {
          tags,
          summary: '修订历史 · Revisions (who changed which answer)',
          params: assessmentParams,
          response: {
            200: z.array(
              z.object({ revision: z.number().int(), savedAtMs: z.number(), assessment: assessmentOut }),
            ),
          },
        },
      },
      async (req) => graded(() => svc().revisions(req.params.factoryId, req.params.assessmentId)),
    );
    app.post(
      `${one}/autofill`,
      {
        schema: {
          tags,
          summary: '遥测预填 · Auto-fill suggested scores from telemetry',
          description:
            'Computes the indicators over the period (body, else the assessment’s, else the last 30 days) and pre-fills ' +
            'every item telemetry can prove with a suggested score and its evidence — never over an assessor’s answer ' +
            '(those are listed in `conflicts` when the suggestion disagrees).',
          params: assessmentParams,
          body: z.object({ period: bodyPeriod.optional() }).optional(),
          response: {
            200: z.object({
              assessment: assessmentOut,
              revision: z.number().int(),
              applied: z.array(z.string()),
              conflicts: z.array(z.string()),
              pendingConfirmation: z
                .array(z.string())
                .describe('items pre-filled from a low-coverage indicator: not scored until accepted'),
              coveredPeriod: z
                .object({ fromMs: z.number(), toMs: z.number() })
                .optional()
                .describe('the part of the period with data, when it was clipped'),
              indicators: z.array(indicatorOut),
              notes: z.array(z.string()),
            }),
          },
        },
      },
      async (req) =>
        graded(async () => {
          const r = await svc().autofill(
            req.params.factoryId,
            req.params.assessmentId,
            req.body?.period,
            req.principal?.name,
          );
          return { ...r, indicators: r.indicators.map(indicatorView) };
        }),
    );
    app.put(
      `${one}/answers/:itemId`,
      {
        schema: {
          tags,
          summary: '作答或修正 · Answer, accept or override an item',
          description:
            'Exactly one of score / choice / selected / level, or accept: true. A value that differs from the ' +
            'telemetry suggestion needs overrideReason; the suggestion stays on record. Evidence: document references.',
          params: assessmentParams.extend({ itemId: z.string().min(1).max(128) }),
          body: answerIn,
          response: { 200: z.object({ assessment: assessmentOut, revision: z.number().int() }) },
        },
      },
      async (req) =>
        graded(() =>
          svc().answer(
            req.params.factoryId,
            req.params.assessmentId,
            req.params.itemId,
            answerInput(req.body, req.principal?.name ?? 'api'),
          ),
        ),
    );
    app.post(
      `${one}/compute`,
      {
        schema: {
          tags,
          summary: '计算评级 · Compute level, scores, tiers and gaps',
          params: assessmentParams,
          querystring: z.object({ lang: langQuery }),
          response: { 200: computeOut },
        },
      },
      async (req) =>
        graded(async () => {
          const run = await svc().compute(req.params.factoryId, req.params.assessmentId, req.query.lang);
          const f = encodeURIComponent(req.params.factoryId);
          return {
            assessmentId: run.assessment.id,
            level: run.result.level,
            totalScore: run.result.totalScore,
            totalScoreMax: run.result.totalScoreMax,
            domains: run.result.domains,
            gaps: run.report.gaps.length,
            overrides: run.report.overrides.length,
            computedAtMs: run.report.generatedAtMs,
            reportUrl: `${API_PREFIX}/factories/${f}/assessments/${encodeURIComponent(run.assessment.id)}/report`,
          };
        }),
    );
    app.get(
      `${one}/report`,
      {
        schema: {
          tags,
          summary: '评估报告 · Grading report (JSON or printable HTML)',
          description:
            'JSON `xiang.grading-report/1` by default; HTML with `format=html` or `Accept: text/html`. zh-CN by ' +
            'default, English with `lang=en`. The latest computation of the assessment.',
          params: assessmentParams,
          querystring: z.object({ format: z.enum(['json', 'html']).optional(), lang: langQuery }),
          response: { 200: z.union([gradingReportSchema, z.string()]) },
        },
      },
      async (req, reply) => {
        const report = await graded(() => svc().report(req.params.factoryId, req.params.assessmentId));
        const accept = req.headers.accept ?? '';
        const html =
          req.query.format === 'html' ||
          (req.query.format === undefined &&
            accept.includes('text/html') &&
            !accept.startsWith('application/json'));
        if (html)
          return reply
            .type('text/html; charset=utf-8')
            .send(await svc().renderHtml(req.params.factoryId, report, req.query.lang));
        return { ...report, lang: req.query.lang };
      },
    );
  },
};
