import { assetLevelSchema } from '@xiang/protocol';
import { z } from 'zod';
import { factoryParams } from '../params.js';
import { notFound } from '../problem.js';
import { assetNodeSchema } from '../schemas.js';
import { API_PREFIX, type RouteModule } from '../types.js';

const assetOut = z.object({ path: z.string(), level: assetLevelSchema, name: z.string().optional() });

/** The asset tree factory → workshop → line → station, built from births, with devices placed on it. */
export const assetRoutes: RouteModule = {
  name: 'assets',
  register(app, { registry }) {
    app.get(
      `${API_PREFIX}/factories/:factoryId/assets`,
      {
        schema: {
          tags: ['assets'],
          summary: '资产树 · Asset tree',
          params: factoryParams,
          response: { 200: assetNodeSchema },
        },
      },
      async (req) => {
        if (!registry.factory(req.params.factoryId))
          throw notFound(`factory "${req.params.factoryId}" is not known`);
        return registry.assetTree(req.params.factoryId);
      },
    );
    app.get(
      `${API_PREFIX}/factories/:factoryId/assets/flat`,
      {
        schema: {
          tags: ['assets'],
          summary: '资产列表 · Assets as a flat list',
          params: factoryParams,
          response: { 200: z.array(assetOut) },
        },
      },
      async (req) => registry.assets(req.params.factoryId).map(({ factoryId, ...a }) => a),
    );
  },
};
