import { z } from 'zod';
import { factoryParams } from '../params.js';
import { API_PREFIX, type RouteModule } from '../types.js';

const agentOut = z
  .object({
    factoryId: z.string(),
    agentId: z.string(),
    currentSessionId: z.string().nullable(),
    birthAtMs: z.number().int().nullable(),
    version: z.string().nullable(),
    hostname: z.string().nullable(),
    online: z.boolean(),
    lastMessageAtMs: z.number().int().nullable(),
  })
  .meta({ id: 'Agent' });

/** Edge agents of a factory with their current session. */
export const agentRoutes: RouteModule = {
  name: 'agents',
  register(app, { registry }) {
    app.get(
      `${API_PREFIX}/factories/:factoryId/agents`,
      {
        schema: {
          tags: ['devices'],
          summary: '边缘代理 · Edge agents',
          params: factoryParams,
          response: { 200: z.array(agentOut) },
        },
      },
      async (req) => registry.agents(req.params.factoryId),
    );
  },
};
