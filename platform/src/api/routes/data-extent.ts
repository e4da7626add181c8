import { dataExtentSchema } from '../../services/energy-monitoring/index.js';
import { factoryParams } from '../params.js';
import { API_PREFIX, type RouteModule } from '../types.js';
import { answer, monitoringOf } from './energy-common.js';

/** 数据范围: first and last stored timestamp, overall, per medium and for machine states. */
export const dataExtentRoutes: RouteModule = {
  name: 'data-extent',
  register(app, deps) {
    app.get(
      `${API_PREFIX}/factories/:factoryId/data-extent`,
      {
        schema: {
          tags: ['energy'],
          summary: '数据范围 · Extent of the stored data',
          description:
            "First and last stored timestamp of the factory's data: overall, per medium (meters' consumption " +
            'counters) and for machine states. The console clips every default period to it and shows it before a ' +
            'run whose period reaches beyond the data.',
          params: factoryParams,
          response: { 200: dataExtentSchema },
        },
      },
      async (req) => answer(() => monitoringOf(deps).extent(req.params.factoryId)),
    );
  },
};
