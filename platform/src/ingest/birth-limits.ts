import type { Birth } from '@xiang/protocol';
import type { IngestLimits } from '../config/schema.js';
import type { Ownership } from '../registry/ownership.js';
import type { Budgets } from './budgets.js';
import type { MessageRejectReason } from './reasons.js';

export type LimitRefusal = { reason: MessageRejectReason; detail: string };

/** Checks on the raw birth envelope, before its metrics and devices are validated one by one. */
export function checkBirthShape(
  raw: { metrics?: unknown; devices?: unknown },
  limits: IngestLimits,
): LimitRefusal | null {
  const metrics = Array.isArray(raw.metrics) ? raw.metrics.length : 0;
  if (metrics > limits.maxMetricsPerBirth)
    return { reason: 'tooManyMetrics', detail: `${metrics} metrics > limit ${limits.maxMetricsPerBirth}` };
  const devices = Array.isArray(raw.devices) ? raw.devices.length : 0;
  if (devices > limits.maxDevicesPerAgent)
    return {
      reason: 'tooManyDevices',
      detail: `${devices} devices > per-agent limit ${limits.maxDevicesPerAgent}`,
    };
  return null;
}

export const seriesScopes = (f: string, a: string) => ({ agent: `series:${f}/${a}`, factory: `series:${f}` });

/**
 * Checks a validated birth against the limits per agent and per factory, reading the registry only (no
 * write). Returns the refusal, or how many new series it adds (to charge once it is applied).
 */
export function checkBirthLimits(
  f: string,
  a: string,
  birth: Birth,
  deps: { limits: IngestLimits; ownership: Ownership; budgets: Budgets; nowMs: number },
): LimitRefusal | { newSeries: number } {
  const { limits, ownership, budgets, nowMs } = deps;
  const longKey = birth.metrics.find((m) => m.key.length > limits.maxMetricKeyLength);
  if (longKey)
    return {
      reason: 'metricKeyTooLong',
      detail: `metric ${longKey.i}: key of ${longKey.key.length} characters > limit ${limits.maxMetricKeyLength}`,
    };
  if (!ownership.hasAgent(f, a) && ownership.countAgents(f) >= limits.maxAgentsPerFactory)
    return {
      reason: 'tooManyAgents',
      detail: `factory ${f} has its limit of ${limits.maxAgentsPerFactory} agents`,
    };

  const named = new Set([...birth.devices.map((d) => d.id), ...birth.metrics.map((m) => m.deviceId)]);
  const owners = ownership.owners(f, named);
  const added = [...named].filter((id) => !owners.has(id)).length;
  const ofAgent = ownership.countDevices(f, a) + added;
  if (ofAgent > limits.maxDevicesPerAgent)
    return {
      reason: 'tooManyDevices',
      detail: `agent ${a} would own ${ofAgent} devices > per-agent limit ${limits.maxDevicesPerAgent}`,
    };
  const ofFactory = ownership.countDevices(f) + added;
  if (ofFactory > limits.maxDevicesPerFactory)
    return {
      reason: 'tooManyDevices',
      detail: `factory ${f} would have ${ofFactory} devices > per-factory limit ${limits.maxDevicesPerFactory}`,
    };

  const known = ownership.knownIndices(f, a);
  const newSeries = birth.metrics.filter((m) => !known.has(m.i)).length;
  const scope = seriesScopes(f, a);
  if (!budgets.fits(scope.agent, newSeries, limits.newSeriesPerMinutePerAgent, nowMs))
    return {
      reason: 'seriesRateExceeded',
      detail: `${newSeries} new series; agent ${a} already added ${budgets.used(scope.agent, nowMs)} this minute (limit ${limits.newSeriesPerMinutePerAgent})`,
    };
  if (!budgets.fits(scope.factory, newSeries, limits.newSeriesPerMinutePerFactory, nowMs))
    return {
      reason: 'seriesRateExceeded',
      detail: `${newSeries} new series; factory ${f} already added ${budgets.used(scope.factory, nowMs)} this minute (limit ${limits.newSeriesPerMinutePerFactory})`,
    };
  return { newSeries };
}
