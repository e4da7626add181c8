import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { reportAdminSchema } from '../../energy/report/admin.js';
import { diagnosisResultSchema } from '../../energy/result.js';
import { diagnosisOptionsSchema } from '../../energy/types.js';
import { htmlToPdf, PdfError } from '../../report-pdf/index.js';
import { DiagnosisRepository } from '../../services/diagnoses/repository.js';
import { diagnosisRunSchema } from '../../services/diagnoses/run.js';
import { DiagnosisError, DiagnosisService, MAX_PERIOD_DAYS } from '../../services/diagnoses/service.js';
import { factoryParams } from '../params.js';
import { HttpProblem } from '../problem.js';
import { API_PREFIX, type ApiDeps, type RouteModule } from '../types.js';

/**
 * 节能诊断 runs: start one for a factory and period (asynchronous: 202 + the run, which is polled until
 * "done"; one run at a time per platform, a bounded queue), list them, fetch one's status, and its report as
 * JSON (`xiang.energy-diagnosis/1`) or printable HTML (zh-CN default, English with lang=en).
 *
 * Access: reading needs any token scoped to the factory. Starting a run is allowed to inspectors too
 * (`factoryRead`): a diagnosis derives a report from the factory's data and changes none of it — running it
 * is an energy inspector's job (节能诊断/监察), and a run is recorded with the token's name.
 */
const runOut = diagnosisRunSchema;
const runParams = factoryParams.extend({
  runId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'expected a run id (letters, digits, . _ -)'),
});

/** An instant in a JSON body: epoch ms or an ISO 8601 string. */
const bodyInstant = z
  .union([z.number().int(), z.string()])
  .describe('epoch ms or ISO 8601, e.g. "2025-03-03T00:00:00+08:00"')
  .transform((v, ctx) => {
    // ISO 8601 date-times only: Date.parse would also take "03/03/2025" in the server's own time zone.
    const ms =
      typeof v === 'number'
        ? v
        : /^-?\d+$/.test(v)
          ? Number(v)
          : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)
            ? Date.parse(v)
            : Number.NaN;
    if (!Number.isFinite(ms)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an ISO 8601 date-time such as "2025-03-03T00:00:00+08:00" or epoch ms, got "${v}"`,
      });
      return z.NEVER;
    }
    return ms;
  });

const createIn = z
  .object({
    from: bodyInstant,
    to: bodyInstant,
    options: diagnosisOptionsSchema
      .partial()
      .strict()
      .optional()
      .describe(
        'electricityBasis (equivalent|equal), gridFactor {scope, dataYear}, tariff, flatPriceCnyPerKwh, ' +
          'demandPriceCnyPerKwMonth, coefficientOverrides [{id, value, reason}], settings, compressors, ' +
          'flexibleLoads, measures, investments, nominalPhaseVoltageV, inHouseMedia — all optional',
      ),
  })
  .strict();

const langQuery = z
  .enum(['zh', 'zh-CN', 'en'])
  .default('zh-CN')
  .transform((l) => (l === 'en' ? ('en' as const) : ('zh-CN' as const)));

const LINK_TTL_MS = 10 * 60_000;
const MAX_LINKS = 1000;

const services = new WeakMap<object, DiagnosisService>();
/** The platform's service (main.ts); an API built without one (fastify.inject tests) gets its own. */
export function diagnosisService(deps: ApiDeps): DiagnosisService {
  if (deps.diagnoses) return deps.diagnoses;
  let s = services.get(deps.registry);
  if (!s) {
    s = new DiagnosisService({
      registry: deps.registry,
      store: deps.store,
      repo: new DiagnosisRepository(deps.registry.db),
    });
    services.set(deps.registry, s);
  }
  return s;
}

async function diagnosed<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DiagnosisError)
      throw new HttpProblem(
        e.status,
        e.message,
        e.field ? [{ field: e.field, message: e.message }] : undefined,
      );
    throw e;
  }
}

export const diagnosisRoutes: RouteModule = {
  name: 'diagnoses',
  register(app, deps) {
    const base = `${API_PREFIX}/factories/:factoryId/diagnoses`;
    const one = `${base}/:runId`;
    const tags = ['energy'];
    const svc = () => diagnosisService(deps);

    app.post(
      base,
      {
        config: { access: 'factoryRead' },
        schema: {
          tags,
          summary: '发起节能诊断 · Start an energy-saving diagnosis run',
          description:
            `Asynchronous: answers 202 with the run ("running", or "queued" behind others); poll GET …/diagnoses/{runId} until status ` +
            `is "done" (progress.pct shows how far the store reads are), then GET …/report. One run at a time per ` +
            `platform; later ones wait in per-factory queues served in turn (429 when this factory's is full). At most ${MAX_PERIOD_DAYS} days per ` +
            'run; the period is widened to whole quarter-hours. Inspectors may start runs for their factories. ' +
            'Example: {"from":"2025-03-03T00:00:00+08:00","to":"2025-03-17T00:00:00+08:00",' +
            '"options":{"electricityBasis":"equal","gridFactor":{"scope":"province","dataYear":2022},' +
            '"flatPriceCnyPerKwh":0.62,"coefficientOverrides":[{"id":"electricity.equal","value":0.3,"reason":"…"}]}}',
          params: factoryParams,
          body: createIn,
          response: { 202: runOut },
        },
      },
      async (req, reply) => {
        const run = await diagnosed(() =>
          svc().submit(
            req.params.factoryId,
            {
              fromMs: req.body.from,
              toMs: req.body.to,
              ...(req.body.options ? { options: req.body.options } : {}),
            },
            req.principal?.name ?? 'api',
          ),
        );
        const f = encodeURIComponent(req.params.factoryId);
        return reply
          .code(202)
          .header('location', `${API_PREFIX}/factories/${f}/diagnoses/${run.id}`)
          .send(run);
      },
    );

    app.get(
      base,
      {
        schema: {
          tags,
          summary: '诊断记录 · Diagnosis runs, newest first',
          params: factoryParams,
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
          response: { 200: z.array(runOut) },
        },
      },
      async (req) => diagnosed(() => svc().list(req.params.factoryId, req.query.limit)),
    );

    app.get(
      one,
      {
        schema: {
          tags,
          summary: '诊断状态 · A run: status, progress, summary',
          params: runParams,
          response: { 200: runOut },
        },
      },
      async (req) => diagnosed(() => svc().get(req.params.factoryId, req.params.runId)),
    );

    // Short-lived report links: a browser tab cannot send the Bearer token, and a report opened from a blob
    // would inherit the console's CSP (no inline styles). The link's random key is the capability.
    const links = new Map<
      string,
      { factoryId: string; runId: string; lang: 'zh-CN' | 'en'; expiresAtMs: number }
    >();
    app.post(
      `${one}/report-links`,
      {
        config: { access: 'factoryRead' },
        schema: {
          tags,
          summary: '报告链接 · A short-lived link that opens the HTML report in a browser tab',
          description: `The link works without a token for ${LINK_TTL_MS / 60_000} minutes (its random key is the credential).`,
          params: runParams,
          body: z.object({ lang: langQuery }).strict().optional(),
          response: { 201: z.object({ url: z.string(), expiresAtMs: z.number().int() }) },
        },
      },
      async (req, reply) => {
        await diagnosed(() => svc().result(req.params.factoryId, req.params.runId)); // done and in this factory
        const now = Date.now();
        for (const [k, l] of links) if (l.expiresAtMs <= now || links.size >= MAX_LINKS) links.delete(k);
        const key = randomBytes(24).toString('base64url');
        const expiresAtMs = now + LINK_TTL_MS;
        links.set(key, { ...req.params, lang: req.body?.lang ?? 'zh-CN', expiresAtMs });
        return reply.code(201).send({ url: `${API_PREFIX}/diagnosis-reports/${key}`, expiresAtMs });
      },
    );
    app.get(
      `${API_PREFIX}/diagnosis-reports/:key`,
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: '打开报告 · The HTML report behind a report link',
          params: z.object({ key: z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'expected a report link key') }),
          response: { 200: z.string() },
        },
      },
      async (req, reply) => {
        const l = links.get(req.params.key);
        if (!l || l.expiresAtMs <= Date.now())
          throw new HttpProblem(404, 'this report link is unknown or has expired');
        const result = await diagnosed(() => svc().result(l.factoryId, l.runId));
        // The security headers (a script-free, sandboxed CSP for HTML) are the server's (security-headers.ts).
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(await svc().renderHtml(l.factoryId, result, { lang: l.lang }));
      },
    );

    // The PDF is the HTML report printed by headless Chromium; a server without Chromium or a CJK font answers
    // 503 with the package to install instead of a report of boxes.
    const sendReport = async (
      reply: FastifyReply,
      p: { factoryId: string; runId: string },
      format: 'json' | 'html' | 'pdf',
      lang: 'zh-CN' | 'en',
      admin: z.infer<typeof reportAdminSchema> = {},
    ) => {
      const result = await diagnosed(() => svc().result(p.factoryId, p.runId));
      if (format === 'json') return reply.send(result);
      const html = await svc().renderHtml(p.factoryId, result, { lang, admin });
      if (format === 'html') return reply.type('text/html; charset=utf-8').send(html);
      try {
        const pdf = await htmlToPdf(html, { lang, footerText: result.factory.name || result.factory.id });
        return reply
          .type('application/pdf')
          .header('content-disposition', `inline; filename="diagnosis-${p.runId}.pdf"`)
          .send(pdf);
      } catch (e) {
        if (e instanceof PdfError && e.code !== 'failed') throw new HttpProblem(503, e.message);
        throw e;
      }
    };
    const reportFormat = z.enum(['json', 'html', 'pdf']);
    app.get(
      `${one}/report`,
      {
        schema: {
          tags,
          summary: '诊断报告 · Diagnosis report (JSON, printable HTML or PDF)',
          description:
            'JSON `xiang.energy-diagnosis/1` by default; printable HTML with `format=html` or `Accept: text/html`; ' +
            'PDF with `format=pdf` or `Accept: application/pdf` (503 when the server has no Chromium or CJK font). ' +
            'zh-CN by default, English with `lang=en`. 409 while the run is queued or running, or when it failed. ' +
            'POST the same path to fill in the administrative fields (organisation, team, dates, confirmation, plan).',
          params: runParams,
          querystring: z.object({ format: reportFormat.optional(), lang: langQuery }),
          response: { 200: z.union([diagnosisResultSchema.meta({ id: 'DiagnosisResult' }), z.string()]) },
        },
      },
      async (req, reply) => {
        const accept = req.headers.accept ?? '';
        const format =
          req.query.format ??
          (accept.startsWith('application/json')
            ? 'json'
            : accept.includes('application/pdf')
              ? 'pdf'
              : accept.includes('text/html')
                ? 'html'
                : 'json');
        return sendReport(reply, req.params, format, req.query.lang);
      },
    );
    app.post(
      `${one}/report`,
      {
        config: { access: 'factoryRead' },
        schema: {
          tags,
          summary: '诊断报告（含诊断机构、人员、确认与整改计划）· The report with its administrative fields',
          description:
            'Renders the report (html or pdf; json returns the result unchanged) with the 节能诊断报告 administrative ' +
            'fields from the body: organisation, team, onSite dates, reportDate, enterprise confirmation, ' +
            'rectification plan, followUp. Fields not given print as blank lines to sign or fill in by hand.',
          params: runParams,
          body: z
            .object({
              format: reportFormat.default('html'),
              lang: langQuery,
              report: reportAdminSchema.default({}),
            })
            .strict(),
          response: { 200: z.union([diagnosisResultSchema.meta({ id: 'DiagnosisResult' }), z.string()]) },
        },
      },
      async (req, reply) => sendReport(reply, req.params, req.body.format, req.body.lang, req.body.report),
    );
  },
};
