import { mediumSchema } from '@xiang/protocol';
import { z } from 'zod';
import { flowSchema, meterLoadSchema } from '../../services/energy-monitoring/index.js';
import { checkRange, factoryParams, instantSchema } from '../params.js';
import { badRequest } from '../problem.js';
import { API_PREFIX, type RouteModule } from '../types.js';
import { answer, monitoringOf } from './energy-common.js';

const range = { from: instantSchema, to: instantSchema };

/** 能流图: the metering tree's energy flow for a period, and one node's load curve and heat map. */
export const energyFlowRoutes: RouteModule = {
  name: 'energy-flow',
  register(app, deps) {
    app.get(
      `${API_PREFIX}/factories/:factoryId/energy/flow`,
      {
        schema: {
          tags: ['energy'],
          summary: '能流图 · Energy flow (Sankey) of the metering tree',
          description:
            'Incomer → feeders → equipment for one medium over [from, to): each meter with its consumption, a link ' +
            "per metered child, and per parent the remainder (losses and unmetered loads) from the accounting's " +
            'balance over the quarter-hours where the parent and every child have data.',
          params: factoryParams,
          querystring: z.object({ ...range, medium: mediumSchema.default('electricity') }),
          response: { 200: flowSchema },
        },
      },
      async (req) => {
        const bad = checkRange(req.query);
        if (bad) throw badRequest(bad, 'query.to');
        return answer(() =>
          monitoringOf(deps).flow(req.params.factoryId, req.query.from, req.query.to, req.query.medium),
        );
      },
    );
    app.get(
      `${API_PREFIX}/factories/:factoryId/energy/meters/:meterId/load`,
      {
        schema: {
          tags: ['energy'],
          summary: '负荷曲线与热力图 · Load curve and weekday × hour heat map of a meter',
          description:
            'Mean rate (kW, or unit/h for other media) per quarter-hour up to 3 days, per hour up to 62 days, else ' +
            'per day; and the mean rate per ISO weekday × local hour over the hours with data.',
          params: factoryParams.extend({ meterId: z.string().min(1).max(64) }),
          querystring: z.object(range),
          response: { 200: meterLoadSchema },
        },
      },
      async (req) => {
        const bad = checkRange(req.query);
        if (bad) throw badRequest(bad, 'query.to');
        return answer(() =>
          monitoringOf(deps).meterLoad(
            req.params.factoryId,
            req.params.meterId,
            req.query.from,
            req.query.to,
          ),
        );
      },
    );
  },
};
