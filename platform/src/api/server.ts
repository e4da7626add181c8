import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram } from 'prom-client';
import { installAuthGuard } from '../auth/guard.js';
import { turnsWaiting } from '../services/compute/turns.js';
import { webConsole } from '../web/plugin.js';
import { installAuditTrail } from './audit-trail.js';
import { strictQuery } from './params.js';
import { installProblemHandlers } from './problem.js';
import { DEFAULT_RATE_LIMITS, installRateLimits } from './rate-limits.js';
import { routes } from './routes/index.js';
import { DOCS_CSP, installSecurityHeaders } from './security-headers.js';
import type { ApiDeps, ZodApp } from './types.js';

/**
 * The HTTP API: fastify 5 with zod schemas (validation, serialization and the OpenAPI document at /docs all
 * derive from them), one resource per file in routes/, problem+json errors, one auth guard.
 */
declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered by the API's resources (tests check the auth guard against all of them). */
    routeTable: { method: string; url: string; access?: string }[];
  }
  interface FastifyContextConfig {
    /**
     * Longest `from`/`to` period the route accepts (default MAX_QUERY_PERIOD_DAYS); null when its work is
     * bounded otherwise (a point or row limit) — see params.ts.
     */
    maxPeriodDays?: number | null;
  }
}

/** `https`: serve TLS with this certificate (config http.tls, read by main.ts); plain HTTP without it. */
export type ServerOptions = { https?: { cert: Buffer; key: Buffer; passphrase?: string } | undefined };

export async function buildApi(deps: ApiDeps, log: Logger, server: ServerOptions = {}): Promise<ZodApp> {
  // An https.Server hands fastify the same IncomingMessage/ServerResponse pairs, so the app's type is unchanged.
  const app = (Fastify as (o: object) => ZodApp)({
    loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger,
    // Requests are measured in /metrics; logging each one would drown the ingest logs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 4 * 1024 * 1024,
    ...(server.https ? { https: server.https } : {}),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const refusals = new Counter({
    name: 'xiang_http_refusals_total',
    help: 'Requests refused to keep the platform bounded, by reason (budget, period, queue, rate limits)',
    labelNames: ['reason'],
    registers: [deps.promRegistry],
  });
  installProblemHandlers(app, (reason) => refusals.inc({ reason }));
  const diagnoses = deps.diagnoses;
  if (diagnoses) {
    new Gauge({
      name: 'xiang_diagnosis_queue_depth',
      help: 'Diagnosis runs waiting, per factory (served round-robin, one at a time)',
      labelNames: ['factory'],
      registers: [deps.promRegistry],
      collect() {
        this.reset();
        for (const [factory, n] of Object.entries(diagnoses.queueState().waiting)) this.set({ factory }, n);
      },
    });
    new Gauge({
      name: 'xiang_diagnosis_running',
      help: '1 while a diagnosis run is running',
      registers: [deps.promRegistry],
      collect() {
        this.set(diagnoses.queueState().runningFactory ? 1 : 0);
      },
    });
  }
  new Gauge({
    name: 'xiang_long_work_waiting_turns',
    help: 'Slices of long work (loaders, streamed answers) waiting for their event-loop turn (one runs per turn)',
    registers: [deps.promRegistry],
    collect() {
      this.set(turnsWaiting());
    },
  });
  // Before the auth guard: a 401 or 403 answered by the guard carries the headers too.
  await installSecurityHeaders(app);
  const limits = await installRateLimits(app, deps.rateLimits ?? DEFAULT_RATE_LIMITS);
  installAuthGuard(app, deps.tokens, limits);
  installAuditTrail(app, deps.tokens.audit);

  const latency = new Histogram({
    name: 'xiang_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [deps.promRegistry],
  });
  app.addHook('onResponse', async (req, reply) => {
    latency.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'xiang-iiot platform API 湘智工业互联平台接口',
        description:
          '资产、设备、时序数据、接入统计。Assets, devices, time series and ingest statistics. ' +
          'Send `Authorization: Bearer <token>`; errors are RFC 9457 problem+json.',
        version: deps.version,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // The docs are public like health and metrics (they describe the API, not data).
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), access: 'public' };
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list' },
    staticCSP: DOCS_CSP,
  });

  app.addHook('onRoute', (route) => {
    const maxPeriodDays = (route.config as { maxPeriodDays?: number | null } | undefined)?.maxPeriodDays;
    route.schema = strictQuery(route.schema, route.url, maxPeriodDays) as typeof route.schema;
  });
  const table: { method: string; url: string; access?: string }[] = [];
  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: string } | undefined)?.access;
    for (const m of [route.method].flat())
      if (m !== 'HEAD') table.push({ method: m, url: route.url, ...(access ? { access } : {}) });
  });
  app.decorate('routeTable', table);
  for (const r of routes) r.register(app, deps);
  await app.register(webConsole, { signInLinks: deps.signInLinks });
  await app.ready();
  return app;
}
