import { z } from 'zod';
import { tokenScopeSchema } from '../../auth/principal.js';
import { DEFAULT_TOKEN_TTL_MS } from '../../auth/tokens.js';
import { badRequest, notFound } from '../problem.js';
import { tokenInfoSchema } from '../schemas.js';
import { API_PREFIX, type RouteModule } from '../types.js';

/** API tokens (admin only). The plaintext is returned once, at creation; only its hash is stored. */
export const tokenRoutes: RouteModule = {
  name: 'tokens',
  register(app, { tokens }) {
    app.get(
      `${API_PREFIX}/tokens`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['auth'],
          summary: '令牌列表 · API tokens',
          response: { 200: z.array(tokenInfoSchema) },
        },
      },
      async () => tokens.list(),
    );
    app.post(
      `${API_PREFIX}/tokens`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['auth'],
          summary: '创建令牌 · Create a token',
          description:
            'Roles: admin; factory (reads and edits its factories); inspector (reads the assigned factories only). ' +
            `Expires after ${DEFAULT_TOKEN_TTL_MS / 86_400_000} days unless expiresAtMs names another (future) time. ` +
            'Example: {"name":"湘江精密","role":"factory","factories":["F1"]}',
          body: tokenScopeSchema,
          response: { 201: z.object({ token: z.string().describe('shown once'), info: tokenInfoSchema }) },
        },
      },
      async (req, reply) => {
        const now = Date.now();
        if (req.body.expiresAtMs !== undefined && req.body.expiresAtMs <= now)
          throw badRequest('body.expiresAtMs: must be in the future', 'body.expiresAtMs');
        const created = tokens.create(req.body, now);
        req.auditNote = { tokenId: created.info.id, expiresAtMs: created.info.expiresAtMs };
        return reply.code(201).send(created);
      },
    );
    app.delete(
      `${API_PREFIX}/tokens/:tokenId`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['auth'],
          summary: '吊销令牌 · Revoke a token',
          params: z.object({ tokenId: z.string() }),
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        if (!tokens.revoke(req.params.tokenId))
          throw notFound(`token "${req.params.tokenId}" does not exist`);
        return reply.code(204).send(null);
      },
    );
  },
};
