import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry as PromRegistry } from 'prom-client';
import type { AlarmService } from '../alarms/index.js';
import type { TokenStore } from '../auth/tokens.js';
import type { Ingest } from '../ingest/ingest.js';
import type { FactorySettingsStore } from '../registry/factory-settings.js';
import type { Registry } from '../registry/registry.js';
import type { ComputePool } from '../services/compute/pool.js';
import type { DiagnosisService } from '../services/diagnoses/service.js';
import type { EnergyMonitoringService } from '../services/energy-monitoring/index.js';
import type { TimeSeriesStore } from '../store/types.js';
import type { SignInLinks } from '../web/signin-links.js';
import type { RateLimitSettings } from './rate-limits.js';

export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export type Readiness = { ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> };

/** What route modules may use. Later resources (diagnostics, grading) add their services here. */
export type ApiDeps = {
  registry: Registry;
  store: TimeSeriesStore;
  tokens: TokenStore;
  /** null when the platform runs without MQTT ingest. */
  ingest: Ingest | null;
  promRegistry: PromRegistry;
  readiness: () => Readiness;
  version: string;
  /** Energy-diagnosis runs (routes/diagnoses.ts); built by main.ts so shutdown can stop a run in progress. */
  diagnoses?: DiagnosisService;
  /** Worker threads for heavy pure computations (services/compute); inline without. */
  compute?: ComputePool;
  /** Energy overview, flow, meter load and data extent (routes/energy-*.ts, data-extent.ts). */
  monitoring?: EnergyMonitoringService;
  /** Tariff, alarm thresholds and main incomer per factory (routes/factory-settings.ts). */
  factorySettings?: FactorySettingsStore;
  /** Live alarms: list, history, acknowledge, Server-Sent Events (routes/alarms.ts). */
  alarms?: AlarmService;
  /** Requests per token and failed authentications per IP, per minute (default DEFAULT_RATE_LIMITS). */
  rateLimits?: RateLimitSettings;
  /** One-time console sign-in links (web/signin-links.ts): the URL `npm start` prints signs its visitor in. */
  signInLinks?: SignInLinks;
};

/** One API resource: a file in api/routes/ and one entry in api/routes/index.ts. */
export type RouteModule = {
  name: string;
  register(app: ZodApp, deps: ApiDeps): void;
};

export const API_PREFIX = '/api/v1';
