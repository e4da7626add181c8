import { z } from 'zod';
import { energyOverviewSchema } from '../../services/energy-monitoring/index.js';
import { factoryParams, instantSchema } from '../params.js';
import { API_PREFIX, type RouteModule } from '../types.js';
import { answer, monitoringOf } from './energy-common.js';

/** 能源总览: the console's landing page per factory. */
export const energyOverviewRoutes: RouteModule = {
  name: 'energy-overview',
  register(app, deps) {
    app.get(
      `${API_PREFIX}/factories/:factoryId/energy/overview`,
      {
        schema: {
          tags: ['energy'],
          summary: '能源总览 · Energy overview',
          description:
            'Today, yesterday, this month and last month per medium in its unit, tce (GB/T 2589), tCO₂ and ¥ ' +
            "(the factory's tariff settings), each with the change against the same span of the period before; " +
            "the main incomer's quarter-hour demand today, yesterday and the same weekday last week with the " +
            'contract demand and the time-of-use bands; consumption by workshop and line; the ten largest ' +
            "consumers; kWh per unit of each line's good output today; the day's data coverage. A figure without " +
            'data is null, never 0. `at` asks for another instant (stored history).',
          params: factoryParams,
          querystring: z.object({
            at: instantSchema.optional().describe('ISO 8601 or epoch ms; default now'),
          }),
          response: { 200: energyOverviewSchema },
        },
      },
      async (req) => answer(() => monitoringOf(deps).overview(req.params.factoryId, req.query.at)),
    );
  },
};
