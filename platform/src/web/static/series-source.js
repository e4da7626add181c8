// @ts-check
/**
 * Where the console's charts get on-change gauges as step series. ONE function to switch when the store's
 * step query lands (branch `semantics`: `/timeseries` with a step / last-value-held mode and a staleness
 * limit): until then the step function is built here from the raw points of the window plus the newest point
 * before it (the value in force at the start).
 */
import { apiGet, factoryPath } from './api.js';
import { stepSeries } from './step.js';

/** A value older than this without a newer sample is unknown (the chart shows a gap). */
export const DEFAULT_MAX_STALE_MS = 12 * 3_600_000;
const MAX_POINTS = 200_000;

/**
 * @param {string} factoryId
 * @param {string} deviceId
 * @param {string} metric
 * @param {number} fromMs
 * @param {number} toMs
 * @param {{ maxStaleMs?: number, signal?: AbortSignal }} [o]
 * @returns {Promise<import('./step.js').StepPoint[]>}
 */
export async function fetchStepSeries(factoryId, deviceId, metric, fromMs, toMs, o = {}) {
  const maxStaleMs = o.maxStaleMs ?? DEFAULT_MAX_STALE_MS;
  const series = `${deviceId}:${metric}`;
  const raw = (/** @type {number} */ from, /** @type {number} */ to) =>
    apiGet(
      factoryPath(factoryId, '/timeseries/raw'),
      { series, from, to, limit: MAX_POINTS },
      { signal: o.signal },
    );
  const [before, inside] = await Promise.all([raw(fromMs - maxStaleMs, fromMs), raw(fromMs, toMs)]);
  const prior = before.series[0]?.points ?? [];
  return stepSeries(
    prior[prior.length - 1] ?? null,
    inside.series[0]?.points ?? [],
    fromMs,
    toMs,
    maxStaleMs,
  );
}
