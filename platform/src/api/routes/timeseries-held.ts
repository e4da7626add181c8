import { z } from 'zod';
import { heldBuckets, maskSegments, maxHoldFor } from '../../query/held-values.js';
import { offlineIntervals } from '../../query/oee-inputs.js';
import type { Registry } from '../../registry/registry.js';
import { nextTurn } from '../../services/compute/turns.js';
import type { SeriesBuckets, SeriesKey, SeriesSteps, TimeSeriesStore } from '../../store/types.js';
import { durationSchema } from '../params.js';

/**
 * The step-function side of the timeseries API (gauges reported on change): 'twa' and 'step' buckets and
 * exact step segments, with the same staleness limits and offline cuts the diagnosis, OEE and grading use
 * (query/held-values.ts) — one implementation for charts and rules.
 */

export const aggregateSchema = z
  .enum(['mean', 'min', 'max', 'first', 'last', 'sum', 'count', 'twa', 'step'])
  .describe(
    'mean…count: over the Good samples in the bucket. twa: time-weighted mean — each Good value held until ' +
      'the next sample (a Bad one ends it), the device going offline, or maxHold; unknown time is not ' +
      'averaged in and the bucket says how much time was covered (coveredMs). step: the value in force at ' +
      'the bucket start (null where none), for continuous step charts.',
  );

export const maxHoldSchema = durationSchema
  .optional()
  .describe(
    'staleness limit for twa / step: a value is in force at most this long after its sample (default: the ' +
      "metric's limit, 400 d for values reported on change; a Bad sample or the device going offline ends it sooner)",
  );

export const stepOut = z.object({
  series: z.array(
    z.object({
      deviceId: z.string(),
      metric: z.string(),
      segments: z
        .array(z.object({ startMs: z.number().int(), endMs: z.number().int(), value: z.number().nullable() }))
        .describe('the step function tiling [from, to): the value in force, null where none is'),
    }),
  ),
});

type HeldQuery = {
  series: SeriesKey[];
  fromMs: number;
  toMs: number;
  intervalMs: number;
  alignOffsetMs: number;
  aggregate: 'twa' | 'step';
  maxHoldMs?: number;
};

/** Per series its staleness limit: the one asked for, else the metric's. */
function holdsOf(
  registry: Registry,
  series: SeriesKey[],
  asked: number | undefined,
): Map<number, SeriesKey[]> {
  const metrics = new Map(
    series.length ? registry.metrics(series[0]!.factoryId).map((m) => [`${m.deviceId}:${m.key}`, m]) : [],
  );
  const out = new Map<number, SeriesKey[]>();
  for (const s of series) {
    const hold = asked ?? maxHoldFor(metrics.get(`${s.deviceId}:${s.metric}`));
    out.set(hold, [...(out.get(hold) ?? []), s]);
  }
  return out;
}

function offlineOf(registry: Registry, factoryId: string, fromMs: number, toMs: number) {
  const snapshot = registry.snapshot(factoryId, { historyFromMs: fromMs, historyToMs: toMs });
  return (s: SeriesKey) => offlineIntervals(snapshot, s.deviceId, fromMs, toMs);
}

/** 'twa' / 'step' buckets in the order asked. */
export async function heldQuery(
  store: TimeSeriesStore,
  registry: Registry,
  q: HeldQuery,
): Promise<SeriesBuckets[]> {
  const offline = offlineOf(registry, q.series[0]?.factoryId ?? '', q.fromMs, q.toMs);
  const out: SeriesBuckets[] = [];
  for (const [maxHoldMs, series] of holdsOf(registry, q.series, q.maxHoldMs)) {
    out.push(...(await heldBuckets(store, { ...q, series, maxHoldMs }, offline)));
  }
  return order(q.series, out);
}

/** Step segments in the order asked, offline stretches unknown. */
/** Series per store.step call of stepQuery (the InfluxDB store reads up to 8 concurrently within one). */
const STEP_SERIES_PER_READ = 4;

export async function stepQuery(
  store: TimeSeriesStore,
  registry: Registry,
  q: { series: SeriesKey[]; fromMs: number; toMs: number; maxHoldMs?: number; limit: number },
): Promise<SeriesSteps[]> {
  const offline = offlineOf(registry, q.series[0]?.factoryId ?? '', q.fromMs, q.toMs);
  const out: SeriesSteps[] = [];
  for (const [maxHoldMs, all] of holdsOf(registry, q.series, q.maxHoldMs)) {
    // A few series per store call, a turn between (turns.ts: one slice of long work per event-loop turn): one
    // call over 25 series of 16 000 samples held the loop for a second (the answer itself is streamed:
    // api/json-stream.ts).
    for (let i = 0; i < all.length; i += STEP_SERIES_PER_READ) {
      const series = all.slice(i, i + STEP_SERIES_PER_READ);
      if (i > 0) await nextTurn();
      for (const r of await store.step({
        series,
        fromMs: q.fromMs,
        toMs: q.toMs,
        maxHoldMs,
        limit: q.limit,
      })) {
        out.push({ series: r.series, segments: maskSegments(r.segments, offline(r.series)) });
      }
    }
  }
  return order(q.series, out);
}

function order<T extends { series: SeriesKey }>(asked: SeriesKey[], rs: T[]): T[] {
  const at = new Map(asked.map((s, i) => [`${s.deviceId}:${s.metric}`, i]));
  const pos = (r: T) => at.get(`${r.series.deviceId}:${r.series.metric}`) ?? 0;
  return rs.sort((a, b) => pos(a) - pos(b));
}
