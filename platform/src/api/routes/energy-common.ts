import type { EnergyMonitoringService } from '../../services/energy-monitoring/index.js';
import { MonitoringError } from '../../services/energy-monitoring/index.js';
import { HttpProblem } from '../problem.js';
import type { ApiDeps } from '../types.js';

/** Pieces shared by the energy-monitoring routes (overview, flow, meter load, data extent). */

/** The service, or 503 when this platform was built without it (a test's minimal ApiDeps). */
export function monitoringOf(deps: ApiDeps): EnergyMonitoringService {
  if (!deps.monitoring) throw new HttpProblem(503, 'energy monitoring is not available on this platform');
  return deps.monitoring;
}

/** Runs a service call, turning its errors into problem+json. */
export async function answer<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof MonitoringError) throw new HttpProblem(e.status, e.message);
    throw e;
  }
}
