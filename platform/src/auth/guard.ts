import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, problem, sendProblem } from '../api/problem.js';
import type { RateLimiters } from '../api/rate-limits.js';
import { canRead, canWrite, type Principal } from './principal.js';
import type { TokenStore } from './tokens.js';

/**
 * Who may call a route, declared in the route's `config.access`:
 *   public        — no token (health, metrics, docs)
 *   authenticated — any valid token; the handler filters by `request.principal` (e.g. the factory list)
 *   admin         — admin tokens only
 *   factory       — (the default for routes with a `:factoryId` parameter) read for GET/HEAD by any token
 *                   scoped to that factory; any other method by admin or a factory token of that factory
 *   factoryRead   — any token scoped to the factory, whatever the method: for actions that derive a report from
 *                   the factory's data and change none of it (starting an energy diagnosis — inspectors' job)
 * A route with neither `access` nor `:factoryId` is admin-only, so a new route is closed until it says otherwise.
 * This hook is the one place factory isolation is enforced.
 */
export type Access = 'public' | 'authenticated' | 'admin' | 'factory' | 'factoryRead';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
}

function deny(req: FastifyRequest, reply: FastifyReply, status: 401 | 403, detail: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="xiang"');
  return sendProblem(reply, problem(status, detail, req.url));
}

export function installAuthGuard(
  // biome-ignore lint/suspicious/noExplicitAny: any server/provider flavour
  app: FastifyInstance<any, any, any, any, any>,
  tokens: TokenStore,
  limits?: RateLimiters,
): void {
  const tooMany = (
    reply: FastifyReply,
    ttlSec: number | undefined,
    detail: string,
    slug: 'rate-limited' | 'auth-failures',
  ) => {
    reply.header('retry-after', String(Math.max(1, ttlSec ?? 60)));
    return new HttpProblem(429, detail, undefined, slug);
  };
  /**
   * The principal behind a token — or, when the repository cannot be read (PostgreSQL unreachable or timing
   * out), a 503 to retry: never a 401 that the failure limit would count against a valid token.
   */
  const principalOf = (req: FastifyRequest, reply: FastifyReply, token: string): Principal | null => {
    try {
      return tokens.verify(token);
    } catch (e) {
      req.log.error({ err: e }, 'token lookup failed: the repository could not be read');
      reply.header('retry-after', '5');
      throw new HttpProblem(503, 'the token could not be checked (the repository is unavailable); retry');
    }
  };
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    const config = req.routeOptions.config as { access?: Access } | undefined;
    const params = (req.params ?? {}) as Record<string, string | undefined>;
    const factoryId = params.factoryId;
    const access: Access = config?.access ?? (factoryId !== undefined ? 'factory' : 'admin');
    // Unrouted requests (404) carry no data.
    if (!req.routeOptions.url) return;
    const token = bearer(req);
    // Public routes answer everyone; a valid token may see more (the readiness details, for an admin).
    if (access === 'public') {
      req.principal = token ? principalOf(req, reply, token) : null;
      return;
    }
    if (!token) return deny(req, reply, 401, 'missing "Authorization: Bearer <token>" header');
    // A client that keeps presenting wrong tokens is refused before its next guess is even checked.
    // `remaining` 0 = the documented number of failures is used up (isExceeded would let one more guess in).
    const failures = await limits?.authFailures(req, { increment: false });
    if (failures && !failures.isAllowed && failures.remaining === 0)
      throw tooMany(
        reply,
        failures.ttlInSeconds,
        'too many failed authentications from this address; wait and retry',
        'auth-failures',
      );
    const principal = principalOf(req, reply, token);
    if (!principal) {
      await limits?.authFailures(req);
      return deny(req, reply, 401, 'the bearer token is unknown, revoked or expired');
    }
    req.principal = principal;
    const used = await limits?.perToken(req);
    if (used?.isExceeded)
      throw tooMany(
        reply,
        used.ttlInSeconds,
        `token "${principal.name}" is over its request rate; wait and retry`,
        'rate-limited',
      );

    if (access === 'authenticated') return;
    if (access === 'admin') {
      if (principal.role !== 'admin')
        return deny(req, reply, 403, `this endpoint needs an admin token (yours is ${principal.role})`);
      return;
    }
    if (factoryId === undefined)
      return deny(req, reply, 403, 'route declares factory access without a :factoryId');
    const reading = req.method === 'GET' || req.method === 'HEAD' || access === 'factoryRead';
    if (!canRead(principal, factoryId)) {
      return deny(
        req,
        reply,
        403,
        `token "${principal.name}" is not allowed to access factory "${factoryId}"`,
      );
    }
    if (!reading && !canWrite(principal, factoryId)) {
      return deny(
        req,
        reply,
        403,
        `token "${principal.name}" (${principal.role}) may read factory "${factoryId}" but not change it`,
      );
    }
  });
}
