import { z } from 'zod';
import { lineStatusSchema, loadLineStatus } from '../../query/oee-report.js';
import { factoryParams, instantSchema } from '../params.js';
import { API_PREFIX, type RouteModule } from '../types.js';
import { requireFactory } from './oee-common.js';

const statusOut = z
  .object({
    factoryId: z.string(),
    atMs: z.number(),
    lines: z.array(lineStatusSchema),
  })
  .meta({ id: 'LineStatusList' });

/** 产线状态: every line's live state, since when, and today's OEE and six big losses so far. */
export const lineStatusRoutes: RouteModule = {
  name: 'line-status',
  register(app, { registry, store }) {
    app.get(
      `${API_PREFIX}/factories/:factoryId/lines/status`,
      {
        schema: {
          tags: ['oee'],
          summary: '产线实时状态 · Live line status',
          description:
            "Each line's current state (its last station's, else the most severe of its machines), since when, " +
            'the calendar segment now, and OEE (A × P × Q) with the six big losses in minutes from local midnight ' +
            'to now. `at` asks for the status at another instant (e.g. in stored history).',
          params: factoryParams,
          querystring: z.object({
            at: instantSchema.optional().describe('ISO 8601 or epoch ms; default now'),
          }),
          response: { 200: statusOut },
        },
      },
      async (req) => {
        const f = req.params.factoryId;
        requireFactory(registry, f);
        const r = await loadLineStatus(store, registry, f, req.query.at ?? Date.now());
        return { factoryId: f, ...r };
      },
    );
  },
};
