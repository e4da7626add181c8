import type { RouteModule } from '../types.js';
import { agentRoutes } from './agents.js';
import { assetRoutes } from './assets.js';
import { deviceRoutes } from './devices.js';
import { factoryRoutes } from './factories.js';
import { healthRoutes } from './health.js';
import { ingestRoutes } from './ingest.js';
import { latestRoutes } from './latest.js';
import { lineRoutes } from './lines.js';
import { prometheusRoutes } from './prometheus.js';
import { timeseriesRoutes } from './timeseries.js';
import { tokenRoutes } from './tokens.js';

/** Every API resource, one file each. A new resource is a new file plus one line here. */
export const routes: RouteModule[] = [
  healthRoutes,
  prometheusRoutes,
  factoryRoutes,
  assetRoutes,
  agentRoutes,
  deviceRoutes,
  lineRoutes,
  latestRoutes,
  timeseriesRoutes,
  ingestRoutes,
  tokenRoutes,
];
