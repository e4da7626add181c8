import type { SeriesKey, StoredPoint, TimeSeriesStore } from '../store/types.js';

/**
 * The newest point strictly before `beforeMs`, searched backwards in widening windows (1, 7, then up to
 * `maxAgeMs`). Report-by-exception series (OPC UA subscriptions, the simulator) publish a value once and then
 * only its changes: the ideal cycle time of a product may be days old, a machine may have been switched off
 * since Saturday — the value in force at a window start is not inside a fixed look-back.
 */
const DAY_MS = 86_400_000;

export async function valueInForce(
  store: TimeSeriesStore,
  series: SeriesKey,
  beforeMs: number,
  maxAgeMs = 35 * DAY_MS,
): Promise<StoredPoint | null> {
  let end = beforeMs;
  for (const span of [DAY_MS, 7 * DAY_MS, maxAgeMs]) {
    const start = Math.max(beforeMs - span, beforeMs - maxAgeMs);
    if (start >= end) break;
    const pts = await store.raw(series, start, end);
    const last = pts[pts.length - 1];
    if (last) return last;
    end = start;
  }
  return null;
}
