import type { Quantity } from '@xiang/protocol';
import type { RegistryMetric } from '../registry/model.js';
import type { Bucket, SeriesBuckets, SeriesKey, StepSegment, TimeSeriesStore } from '../store/types.js';

/**
 * Gauges reported on change, for every reader (diagnosis, OEE, grading, the console's API): the store's
 * step function — a Good value holds until the next sample (a Bad one ends it) or for at most maxHoldMs —
 * with the device's offline stretches (registry online history: agent death, device status) made unknown
 * on top, here, once.
 *
 * Why a long staleness limit: everything this platform ingests is reported by exception (OPC UA
 * subscriptions, the simulator, MQTT devices publishing changes). A value that does not change is not sent
 * again, so silence means "unchanged"; what ends a value is a Bad sample (a drop-out announces itself) or the
 * device going offline (death certificate, status message). The births' `samplingIntervalMs` is how often the
 * server samples, not how often a value is sent, so it cannot bound staleness. The limit below is a safety
 * net for an agent that vanishes without either.
 */
const DAY_MS = 86_400_000;
/**
 * 400 days: longer than any period the platform diagnoses or grades (a year), so a value that legitimately
 * stays the same for a whole period — a fault state, a setpoint, a machine switched off for the holidays — is
 * never made unknown by its age alone (a 7-day limit made a 14-day THD fault "50 % without a good value").
 */
export const ON_CHANGE_MAX_HOLD_MS = 400 * DAY_MS;

/**
 * Staleness limit per quantity (ms). One documented default for gauges reported on change; listed per
 * quantity so a quantity that needs another limit gets it here, in one place.
 */
const HOLD_BY_QUANTITY: Partial<Record<Quantity, number>> = {};

/** The staleness limit of a metric's values (see above). */
export function maxHoldFor(metric?: Pick<RegistryMetric, 'quantity'>): number {
  return (metric && HOLD_BY_QUANTITY[metric.quantity]) ?? ON_CHANGE_MAX_HOLD_MS;
}

export type Interval = { startMs: number; endMs: number };

/** Segments (tiling a range) with every offline stretch made unknown (null), still tiling it. */
export function maskSegments(segments: readonly StepSegment[], offline: readonly Interval[]): StepSegment[] {
  if (offline.length === 0) return [...segments];
  const cuts = [...offline].sort((a, b) => a.startMs - b.startMs);
  const out: StepSegment[] = [];
  const push = (startMs: number, endMs: number, value: number | null) => {
    if (!(endMs > startMs)) return;
    const prev = out[out.length - 1];
    if (prev && prev.endMs === startMs && Object.is(prev.value, value)) prev.endMs = endMs;
    else out.push({ startMs, endMs, value });
  };
  for (const s of segments) {
    let at = s.startMs;
    for (const o of cuts) {
      if (o.endMs <= at || o.startMs >= s.endMs) continue;
      push(at, Math.max(at, o.startMs), s.value);
      push(Math.max(at, o.startMs), Math.min(s.endMs, o.endMs), null);
      at = Math.min(s.endMs, o.endMs);
    }
    push(at, s.endMs, s.value);
  }
  return out;
}

/** Time-weighted mean, time with a value in force and the value at the start of [startMs, endMs). */
export function heldOver(
  segments: readonly StepSegment[],
  startMs: number,
  endMs: number,
): { mean: number | null; coveredMs: number; atStart: number | null } {
  let sum = 0;
  let coveredMs = 0;
  let atStart: number | null = null;
  for (const s of segments) {
    if (s.value === null || s.endMs <= startMs || s.startMs >= endMs) continue;
    const ov = Math.min(s.endMs, endMs) - Math.max(s.startMs, startMs);
    sum += s.value * ov;
    coveredMs += ov;
    if (s.startMs <= startMs) atStart = s.value;
  }
  return { mean: coveredMs > 0 ? sum / coveredMs : null, coveredMs, atStart };
}

/**
 * 'twa' or 'step' buckets of gauges with offline stretches unknown: the store's answer, and for the buckets
 * an offline stretch touches, the same numbers recomputed from the store's step segments with those
 * stretches cut out (exact; offline stretches are rare, so this is a few extra reads).
 */
export async function heldBuckets(
  store: TimeSeriesStore,
  q: {
    series: SeriesKey[];
    fromMs: number;
    toMs: number;
    intervalMs: number;
    alignOffsetMs?: number;
    maxHoldMs: number;
    aggregate: 'twa' | 'step';
  },
  offlineOf: (s: SeriesKey) => Interval[],
): Promise<SeriesBuckets[]> {
  const res = await store.query(q);
  for (const r of res) {
    const offline = offlineOf(r.series).filter((o) => o.endMs > q.fromMs && o.startMs < q.toMs);
    if (offline.length === 0) continue;
    const touched = (b: Bucket, k: number) => {
      const end = r.buckets[k + 1]?.tsMs ?? q.toMs;
      return offline.some((o) => o.startMs < end && o.endMs > b.tsMs);
    };
    // One step read per run of touched buckets, never the whole range for two far-apart blips.
    const hit = r.buckets.map((b, k) => (touched(b, k) ? k : -1)).filter((k) => k >= 0);
    for (let i = 0; i < hit.length; ) {
      let j = i + 1;
      while (j < hit.length && hit[j] === hit[j - 1]! + 1) j++;
      const endOf = (k: number) => r.buckets[k + 1]?.tsMs ?? q.toMs;
      const [steps] = await store.step({
        series: [r.series],
        fromMs: r.buckets[hit[i]!]!.tsMs,
        toMs: endOf(hit[j - 1]!),
        maxHoldMs: q.maxHoldMs,
      });
      const segs = maskSegments(steps?.segments ?? [], offline);
      for (const k of hit.slice(i, j)) {
        const b = r.buckets[k]!;
        const h = heldOver(segs, b.tsMs, endOf(k));
        b.value = q.aggregate === 'twa' ? h.mean : h.atStart;
        b.coveredMs = h.coveredMs;
      }
      i = j;
    }
  }
  return res;
}
