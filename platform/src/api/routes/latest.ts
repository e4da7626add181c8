import { z } from 'zod';
import type { LatestValue } from '../../store/types.js';
import { sendArray } from '../json-stream.js';
import { deviceFilterSchema, factoryParams, metricFilterSchema } from '../params.js';
import { API_PREFIX, type RouteModule } from '../types.js';

const latestOut = z
  .object({
    deviceId: z.string(),
    metric: z.string(),
    tsMs: z.number().int(),
    value: z.number().nullable(),
    text: z.string().nullable(),
    status: z.number().int().describe('OPC UA StatusCode (0 = Good)'),
  })
  .meta({ id: 'LatestValue' });

/** The newest value of every series of a factory (optionally some devices / metrics). */
export const latestRoutes: RouteModule = {
  name: 'latest',
  register(app, { store }) {
    app.get(
      `${API_PREFIX}/factories/:factoryId/latest`,
      {
        schema: {
          tags: ['timeseries'],
          summary: '最新值 · Latest values',
          params: factoryParams,
          querystring: z.object({ deviceId: deviceFilterSchema, metric: metricFilterSchema }),
          response: { 200: z.array(latestOut) },
        },
      },
      async (req, reply) => {
        const filter: { deviceIds?: string[]; metrics?: string[] } = {};
        if (req.query.deviceId) filter.deviceIds = req.query.deviceId;
        if (req.query.metric) filter.metrics = req.query.metric;
        const rows = await store.latest(req.params.factoryId, filter);
        // A whole factory's latest values: thousands of rows, streamed (api/json-stream.ts).
        return sendArray(reply, rows, (r: LatestValue) => ({
          deviceId: r.deviceId,
          metric: r.metric,
          tsMs: r.tsMs,
          value: r.value,
          text: r.text ?? null,
          status: r.status,
        }));
      },
    );
  },
};
