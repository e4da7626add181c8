import { assetPathSchema } from '@xiang/protocol';
import { z } from 'zod';
import { lineSettingsSchema } from '../../registry/model.js';
import { factoryParams } from '../params.js';
import { notFound } from '../problem.js';
import { API_PREFIX, type RouteModule } from '../types.js';

const lineOut = lineSettingsSchema.meta({ id: 'LineSettings' });
const lineIn = lineSettingsSchema
  .omit({ factoryId: true })
  .extend({ path: assetPathSchema.refine((p) => p !== '', 'a line path such as "WS1/L1"') });

/** Person-entered line facts: ideal cycle time, the counter that measures good output, the product. */
export const lineRoutes: RouteModule = {
  name: 'lines',
  register(app, { registry }) {
    const base = `${API_PREFIX}/factories/:factoryId/lines`;
    app.get(
      base,
      {
        schema: {
          tags: ['assets'],
          summary: '产线设置 · Line settings',
          params: factoryParams,
          response: { 200: z.array(lineOut) },
        },
      },
      async (req) => registry.lines(req.params.factoryId),
    );
    app.put(
      base,
      {
        schema: {
          tags: ['assets'],
          summary: "保存产线设置 · Save a line's settings",
          description:
            'Example: {"path":"WS1/L1","idealCycleTimeS":42,"outputCounter":{"deviceId":"C1","metric":"goodCount"},"productId":"P1"}',
          params: factoryParams,
          body: lineIn,
          response: { 200: lineOut },
        },
      },
      async (req) => {
        const settings = { ...req.body, factoryId: req.params.factoryId };
        registry.putLine(settings);
        return registry.lines(req.params.factoryId).find((l) => l.path === settings.path)!;
      },
    );
    app.delete(
      base,
      {
        schema: {
          tags: ['assets'],
          summary: "删除产线设置 · Delete a line's settings",
          params: factoryParams,
          querystring: z.object({ path: assetPathSchema }),
          response: { 204: z.null().describe('deleted') },
        },
      },
      async (req, reply) => {
        if (!registry.deleteLine(req.params.factoryId, req.query.path)) {
          throw notFound(`no settings for line "${req.query.path}" in factory "${req.params.factoryId}"`);
        }
        return reply.code(204).send(null);
      },
    );
  },
};
