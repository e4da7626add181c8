import { idSchema } from '@xiang/protocol';
import { z } from 'zod';
import { factoryParams } from '../params.js';
import { HttpProblem, notFound } from '../problem.js';
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
    app.post(
      `${API_PREFIX}/factories/:factoryId/agents`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['devices'],
          summary: '登记边缘代理 · Register an edge agent',
          description:
            "With ingest.autoRegisterAgents off, only registered agents (or agents whose birth was accepted earlier) may publish; any other agent's messages are dead-lettered as unknownAgent. 404 when the factory does not exist, 409 when the agent is known.",
          params: factoryParams,
          body: z.object({ agentId: idSchema }),
          response: { 201: agentOut },
        },
      },
      async (req, reply) => {
        const { factoryId } = req.params;
        if (!registry.hasFactory(factoryId)) throw notFound(`factory "${factoryId}" does not exist`);
        if (!registry.registerAgent(factoryId, req.body.agentId))
          throw new HttpProblem(
            409,
            `agent "${req.body.agentId}" is known in factory "${factoryId}" already`,
          );
        return reply.code(201).send(registry.agent(factoryId, req.body.agentId)!);
      },
    );
  },
};
