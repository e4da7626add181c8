import { z } from 'zod';
import type { RouteModule } from '../types.js';

const checkSchema = z.object({ ok: z.boolean(), detail: z.string().optional() });
const readySchema = z.object({ ready: z.boolean(), checks: z.record(z.string(), checkSchema) });

/** Liveness (the process answers) and readiness (store and broker usable). Public. */
export const healthRoutes: RouteModule = {
  name: 'health',
  register(app, deps) {
    app.get(
      '/healthz',
      {
        config: { access: 'public' },
        schema: {
          tags: ['service'],
          summary: '进程存活 · Liveness',
          security: [],
          response: { 200: z.object({ status: z.literal('ok'), version: z.string() }) },
        },
      },
      async () => ({ status: 'ok' as const, version: deps.version }),
    );
    app.get(
      '/readyz',
      {
        config: { access: 'public' },
        schema: {
          tags: ['service'],
          summary: '就绪：存储与消息服务器可用 · Readiness: store and broker usable',
          description: "Anyone sees ok / not ok per check; an admin token also sees each check's detail.",
          security: [],
          response: { 200: readySchema, 503: readySchema },
        },
      },
      async (req, reply) => {
        const r = deps.readiness();
        // Details name the store and the broker's address: for admins only; anyone may see ok / not ok.
        if (req.principal?.role === 'admin') return reply.code(r.ready ? 200 : 503).send(r);
        const checks = Object.fromEntries(Object.entries(r.checks).map(([k, c]) => [k, { ok: c.ok }]));
        return reply.code(r.ready ? 200 : 503).send({ ready: r.ready, checks });
      },
    );
  },
};
