import { z } from 'zod';
import { visibleFactories } from '../../auth/principal.js';
import { factoryProfileSchema } from '../../registry/model.js';
import { factoryParams } from '../params.js';
import { badRequest, HttpProblem, notFound } from '../problem.js';
import { API_PREFIX, type RouteModule } from '../types.js';

const profileOut = factoryProfileSchema.meta({ id: 'FactoryProfile' });
/** The id comes from the URL; a body id, when present, must agree with it. */
const profileIn = factoryProfileSchema.partial({ id: true });

/**
 * Factory profiles: created by an admin (POST, or PUT of a new id) — or by an agent's first birth when the
 * platform runs with `ingest.autoRegisterFactories` — and completed by people (industry, products, calendar…).
 */
export const factoryRoutes: RouteModule = {
  name: 'factories',
  register(app, { registry }) {
    app.get(
      `${API_PREFIX}/factories`,
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['factories'],
          summary: '可见的工厂 · Factories visible to the token',
          response: { 200: z.array(profileOut) },
        },
      },
      async (req) => visibleFactories(req.principal!, registry.factories()),
    );
    app.post(
      `${API_PREFIX}/factories`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['factories'],
          summary: '新建工厂 · Create a factory',
          description:
            'Only an admin creates factories: the broker data of a factory that does not exist is dead-lettered as unknownFactory (unless ingest.autoRegisterFactories is on). 409 when the id exists.',
          body: factoryProfileSchema,
          response: { 201: profileOut },
        },
      },
      async (req, reply) => {
        if (!registry.createFactory(req.body))
          throw new HttpProblem(
            409,
            `factory "${req.body.id}" exists already (PUT /api/v1/factories/${req.body.id} edits it)`,
          );
        return reply.code(201).send(registry.factory(req.body.id)!);
      },
    );
    app.get(
      `${API_PREFIX}/factories/:factoryId`,
      {
        schema: {
          tags: ['factories'],
          summary: '工厂档案 · Factory profile',
          params: factoryParams,
          response: { 200: profileOut },
        },
      },
      async (req) => {
        const f = registry.factory(req.params.factoryId);
        if (!f)
          throw notFound(
            `factory "${req.params.factoryId}" is not known (no agent has spoken for it and no profile was saved)`,
          );
        return f;
      },
    );
    app.put(
      `${API_PREFIX}/factories/:factoryId`,
      {
        schema: {
          tags: ['factories'],
          summary: '保存工厂档案 · Save the factory profile',
          description:
            'Replaces the person-entered profile: name, industry (discrete/process), products, shift calendar, contracted demand, power-factor standard, transformers.',
          params: factoryParams,
          body: profileIn,
          response: { 200: profileOut, 201: profileOut },
        },
      },
      async (req, reply) => {
        const { factoryId } = req.params;
        if (req.body.id !== undefined && req.body.id !== factoryId) {
          throw badRequest(
            `body.id "${req.body.id}" does not match the factory in the URL ("${factoryId}")`,
            'body.id',
          );
        }
        const { created } = registry.putFactory({ ...req.body, id: factoryId });
        return reply.code(created ? 201 : 200).send(registry.factory(factoryId)!);
      },
    );
  },
};
