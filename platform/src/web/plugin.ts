import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Access } from '../auth/guard.js';
import { type ConsoleAssets, loadConsoleAssets } from './assets.js';
import type { SignInLinks } from './signin-links.js';

/**
 * The web console (Web 控制台): a dependency-free single-page app (plain ES modules + CSS in ./static, no
 * bundler, no CDN, no external fonts) served by the platform's own fastify instance, so it talks to the API
 * same-origin with the user's Bearer token.
 *
 *   GET /                           index.html (no-cache: always revalidated, it names the current build)
 *   GET /console/<build>/<file>     modules, CSS, icon — immutable for a year, since <build> is a hash of
 *                                   every static file and changes whenever any of them does
 *   GET /console/whoami             the caller's token name, role and factories (the API has no such route)
 *   POST /console/signin-link       { code } of a one-time sign-in link (signin-links.ts) → { token }
 *
 * Every console response carries a strict CSP (`default-src 'self'`): the app uses no inline script or
 * style, so nothing weaker is needed.
 */
export const CONSOLE_CSP =
  "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'";
export const CONSOLE_PREFIX = '/console';

export type WebConsoleOptions = {
  /** Folder holding index.html and the modules (default: ./static beside this file). */
  staticDir?: string;
  /** One-time sign-in links (`npm start` prints one); without, POST /console/signin-link answers 404. */
  signInLinks?: SignInLinks;
};

// Registering twice into one server (e.g. server.ts and a test) would collide on routes: the second is a no-op.
const mounted = new WeakSet<object>();

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

const MISSING_TOKEN = 'missing "Authorization: Bearer <token>" header';
const SPENT_LINK = 'this sign-in link was used already, has expired, or belongs to an earlier start';

/** An RFC 9457 problem answer of the console's own routes (the API's go through api/problem.ts). */
const problem = (reply: FastifyReply, status: number, type: string, title: string, detail: string) =>
  reply
    .code(status)
    .type('application/problem+json')
    .send({ type: `urn:xiang:problem:${type}`, title, status, detail });

const publicRoute = { config: { access: 'public' as Access }, schema: { hide: true } };

// biome-ignore lint/suspicious/noExplicitAny: registers into any server / type-provider flavour (ZodApp too)
type AnyFastify = FastifyInstance<any, any, any, any, any>;

export async function webConsole(app: AnyFastify, opts: WebConsoleOptions = {}): Promise<void> {
  if (mounted.has(app.server)) {
    app.log.debug('web console already registered on this server');
    return;
  }
  mounted.add(app.server);
  const assets: ConsoleAssets = loadConsoleAssets(opts.staticDir);
  app.log.debug({ build: assets.build, files: assets.files.size }, 'web console loaded');

  app.get('/', publicRoute, async (req: FastifyRequest, reply: FastifyReply) => {
    securityHeaders(reply).header('cache-control', 'no-cache').header('etag', assets.index.etag);
    if (req.headers['if-none-match'] === assets.index.etag) return reply.code(304).send();
    return reply.type(assets.index.contentType).send(assets.index.body);
  });

  app.get(
    `${CONSOLE_PREFIX}/:build/*`,
    publicRoute,
    async (req: FastifyRequest<{ Params: { build: string; '*': string } }>, reply: FastifyReply) => {
      const file = assets.files.get(req.params['*']);
      if (!file) return reply.callNotFound();
      securityHeaders(reply).header('etag', file.etag);
      // An old build id (a page loaded before an upgrade) still gets the current file, but never cached.
      reply.header(
        'cache-control',
        req.params.build === assets.build ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
      if (file.gzip) {
        reply.header('vary', 'accept-encoding');
        if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')))
          return reply.type(file.contentType).header('content-encoding', 'gzip').send(file.gzip);
      }
      return reply.type(file.contentType).send(file.body);
    },
  );

  app.get(
    `${CONSOLE_PREFIX}/whoami`,
    { config: { access: 'authenticated' as Access }, schema: { hide: true } },
    async (req: FastifyRequest, reply: FastifyReply) => {
      securityHeaders(reply).header('cache-control', 'no-store');
      const p = (req as { principal?: { name: string; role: string; factories: string[] } | null }).principal;
      if (!p) {
        return problem(reply, 401, 'unauthorized', 'Authentication required', MISSING_TOKEN);
      }
      return { name: p.name, role: p.role, factories: p.role === 'admin' ? [] : p.factories };
    },
  );

  app.post(
    `${CONSOLE_PREFIX}/signin-link`,
    publicRoute,
    async (req: FastifyRequest<{ Body: unknown }>, reply: FastifyReply) => {
      securityHeaders(reply).header('cache-control', 'no-store');
      const code = (req.body as { code?: unknown } | null)?.code;
      const token =
        typeof code === 'string' && /^[\w-]{16,64}$/.test(code) ? opts.signInLinks?.redeem(code) : null;
      if (!token) {
        return problem(reply, 404, 'signin-link', 'Sign-in link not valid', SPENT_LINK);
      }
      req.log.info('console signed in with a one-time link');
      return { token };
    },
  );
}
