import { z } from 'zod';
import { diagnosisOptionsSchema } from '../../energy/types.js';
import { renderReport } from '../../energy/report/html.js';
import { DiagnosisRepository } from '../../energy/repository.js';
import { diagnosisResultSchema } from '../../energy/result.js';
import { diagnosisRunSchema } from '../../energy/run.js';
import { DiagnosisError, DiagnosisService, MAX_PERIOD_DAYS } from '../../energy/service.js';
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
    const ms = typeof v === 'number' ? v : /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 date-time or epoch ms, got "${v}"` });
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
      throw new HttpProblem(e.status, e.message, e.field ? [{ field: e.field, message: e.message }] : undefined);
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
            `Asynchronous: answers 202 with the run (status "queued"); poll GET …/diagnoses/{runId} until status ` +
            `is "done" (progress.pct shows how far the store reads are), then GET …/report. One run at a time per ` +
            `platform, later ones wait in a bounded queue (429 when full). At most ${MAX_PERIOD_DAYS} days per ` +
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
            { fromMs: req.body.from, toMs: req.body.to, ...(req.body.options ? { options: req.body.options } : {}) },
            req.principal?.name ?? 'api',
          ),
        );
        const f = encodeURIComponent(req.params.factoryId);
        return reply.code(202).header('location', `${API_PREFIX}/factories/${f}/diagnoses/${run.id}`).send(run);
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

    app.get(
      `${one}/report`,
      {
        schema: {
          tags,
          summary: '诊断报告 · Diagnosis report (JSON or printable HTML)',
          description:
            'JSON `xiang.energy-diagnosis/1` by default; printable HTML with `format=html` or `Accept: text/html`. ' +
            'zh-CN by default, English with `lang=en`. 409 while the run is queued or running, or when it failed.',
          params: runParams,
          querystring: z.object({ format: z.enum(['json', 'html']).optional(), lang: langQuery }),
          response: { 200: z.union([diagnosisResultSchema.meta({ id: 'DiagnosisResult' }), z.string()]) },
        },
      },
      async (req, reply) => {
        const result = await diagnosed(() => svc().result(req.params.factoryId, req.params.runId));
        const accept = req.headers.accept ?? '';
        const html =
          req.query.format === 'html' ||
          (req.query.format === undefined &&
            accept.includes('text/html') &&
            !accept.startsWith('application/json'));
        if (html)
          return reply.type('text/html; charset=utf-8').send(renderReport(result, { lang: req.query.lang }));
        return result;
      },
    );
  },
};
