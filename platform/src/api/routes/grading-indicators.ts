import { assetPathSchema } from '@xiang/protocol';
import { z } from 'zod';
import { frameworkPlugins } from '../../grading/frameworks/index.js';
import { checkRange, factoryParams, instantSchema } from '../params.js';
import { badRequest } from '../problem.js';
import { API_PREFIX, type RouteModule } from '../types.js';
import { graded, gradingService, indicatorOut, indicatorView } from './grading-common.js';
import { DAY_MS, MAX_WINDOW_DAYS } from './oee-common.js';

const i18n = z.object({ zh: z.string(), en: z.string() });

/** 数字化指标: the telemetry-measured indicators grading rests on, and the frameworks this platform grades with. */
export const gradingIndicatorRoutes: RouteModule = {
  name: 'grading-indicators',
  register(app, deps) {
    app.get(
      `${API_PREFIX}/factories/:factoryId/indicators`,
      {
        schema: {
          tags: ['grading'],
          summary: '数字化指标 · Digitalisation indicators measured from telemetry',
          description:
            'Networking and digitisation rates, online ratio, data-collection coverage, freshness, energy-metering ' +
            'coverage, state/fault capture, OEE availability and tracking — each with value, period, formula, raw ' +
            `counts and the assets that pull it down. scope = an asset path (default: the factory). At most ${MAX_WINDOW_DAYS} days.`,
          params: factoryParams,
          querystring: z.object({
            from: instantSchema,
            to: instantSchema,
            scope: assetPathSchema.default(''),
          }),
          response: { 200: z.object({ indicators: z.array(indicatorOut), notes: z.array(z.string()) }) },
        },
      },
      async (req) => {
        const q = req.query;
        const range = checkRange(q);
        if (range) throw badRequest(range, 'query.to');
        if (q.to - q.from > MAX_WINDOW_DAYS * DAY_MS)
          throw badRequest(`the window may cover at most ${MAX_WINDOW_DAYS} days`, 'query.to');
        return graded(async () => {
          const r = await gradingService(deps).indicators(
            req.params.factoryId,
            { fromMs: q.from, toMs: q.to },
            q.scope,
          );
          return { indicators: r.indicators.map(indicatorView), notes: r.notes };
        });
      },
    );
    app.get(
      `${API_PREFIX}/factories/:factoryId/frameworks`,
      {
        schema: {
          tags: ['grading'],
          summary: '评估框架 · Grading frameworks available for assessments',
          description:
            'Under the factory so the usual factory scope applies; the list is the same for every factory.',
          params: factoryParams,
          response: {
            200: z.array(
              z.object({
                id: z.string(),
                kind: z.enum(['maturity', 'tiers']),
                version: z.string(),
                title: i18n,
              }),
            ),
          },
        },
      },
      async () =>
        frameworkPlugins.map((p) => {
          const f = p.create();
          return { id: p.id, kind: p.kind, version: f.version, title: f.title };
        }),
    );
  },
};
