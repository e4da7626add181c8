import { isGood } from '@xiang/protocol';
import type {
  ExternalIndicator,
  IndicatorConfig,
  IndicatorInputs,
  SeriesActivity,
} from '../grading/indicators/types.js';
import type { FactoryOeeResult, Interval } from '../oee/index.js';
import type { RegistrySnapshot } from '../registry/model.js';
import type { SeriesKey, StoredPoint, TimeSeriesStore } from '../store/types.js';
import { valueInForce } from './value-in-force.js';

/**
 * Store + registry → indicator inputs. For every registered metric:
 * - periodic metrics (sampling interval > 0): Good samples present in the period against the samples its
 *   sampling interval promises (the store's coverage query, capped per hour; grouped by period so one query
 *   serves many series), and where it answered: the slots of max(3 × period, 1 min) — 15 min over periods
 *   longer than two days — holding a Good sample;
 * - report-by-exception metrics (sampling interval 0 or unset): samples present (any quality and Good), and
 *   where a Good value was in force — the value in force at the period start counts (query/value-in-force.ts),
 *   a Bad or NoCommunication sample ends it, the next Good one starts it again. A series with no Bad sample in
 *   the period needs no raw read: its in-force stretch runs from the period start (or its first sample) on.
 * - the newest point of each series (latest).
 * OEE and the energy diagnostics' metering coverage are computed elsewhere and passed through.
 */
const DAY_MS = 86_400_000;
const CHUNK_MS = 7 * DAY_MS;
const MAX_CHUNKS = 200;

export async function loadGradingInputs(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  opts: {
    fromMs: number;
    toMs: number;
    nowMs: number;
    oee?: FactoryOeeResult;
    energyMeteringCoverage?: ExternalIndicator;
    config?: Partial<IndicatorConfig>;
    dataSpan?: Interval;
  },
): Promise<IndicatorInputs> {
  const factoryId = snapshot.factory.id;
  const { fromMs, toMs } = opts;
  const endMs = Math.min(toMs, Math.max(opts.nowMs, fromMs));
  const key = (deviceId: string, metric: string): SeriesKey => ({ factoryId, deviceId, metric });
  const latest = new Map(
    (await store.latest(factoryId)).map((l) => [`${l.deviceId}\u0000${l.metric}`, l.tsMs]),
  );
  const byPeriod = new Map<number, SeriesKey[]>();
  const exception: SeriesKey[] = [];
  for (const m of snapshot.metrics) {
    const period = m.samplingIntervalMs ?? 0;
    if (period > 0) byPeriod.set(period, [...(byPeriod.get(period) ?? []), key(m.deviceId, m.key)]);
    else exception.push(key(m.deviceId, m.key));
  }
  const series: SeriesActivity[] = [];
  const last = (s: SeriesKey) => latest.get(`${s.deviceId}\u0000${s.metric}`) ?? null;
  const id = (s: SeriesKey) => `${s.deviceId}\u0000${s.metric}`;
  for (const [periodMs, keys] of byPeriod) {
    // Hourly intervals: a surplus in one hour cannot hide a shortfall in another (the store caps per interval).
    const cov = await store.coverage({
      series: keys,
      fromMs,
      toMs,
      intervalMs: 3_600_000,
      expectedPeriodMs: periodMs,
    });
    const slotMs = Math.max(3 * periodMs, 60_000, toMs - fromMs > 2 * DAY_MS ? 15 * 60_000 : 0);
    const slots = new Map(
      (
        await store.coverage({
          series: keys,
          fromMs,
          toMs: endMs,
          intervalMs: Math.ceil(slotMs / 60_000) * 60_000,
          expectedPeriodMs: periodMs,
        })
      ).map((c) => [id(c.series), c]),
    );
    for (const c of cov) {
      const slot = slots.get(id(c.series));
      series.push({
        deviceId: c.series.deviceId,
        metric: c.series.metric,
        present: c.present,
        good: c.present,
        goodInForce: merge(
          (slot?.intervals ?? [])
            .filter((i) => i.present > 0)
            .map((i) => ({
              startMs: Math.max(i.startMs, fromMs),
              endMs: Math.min(i.startMs + Math.ceil(slotMs / 60_000) * 60_000, endMs),
            })),
        ),
        expected: c.expected,
        ratio: c.ratio,
        expectedPeriodMs: periodMs,
        lastTsMs: last(c.series),
      });
    }
  }
  if (exception.length > 0) {
    // Good samples per series over the whole period in one query (the interval count is irrelevant here).
    const goodCounts = new Map(
      (
        await store.coverage({
          series: exception,
          fromMs,
          toMs,
          intervalMs: Math.max(60_000, toMs - fromMs),
          expectedPeriodMs: Math.max(60_000, toMs - fromMs),
        })
      ).map((c) => [id(c.series), c.present]),
    );
    for (const s of exception) {
      const present = await store.countPoints(s, fromMs, toMs);
      const good = goodCounts.get(id(s)) ?? 0;
      series.push({
        deviceId: s.deviceId,
        metric: s.metric,
        present,
        good,
        goodInForce: await onChangeGoodInForce(store, s, fromMs, endMs, present === good),
        expected: null,
        expectedPeriodMs: null,
        lastTsMs: last(s),
      });
    }
  }
  return {
    snapshot,
    fromMs,
    toMs,
    nowMs: opts.nowMs,
    series,
    ...(opts.oee ? { oee: opts.oee } : {}),
    ...(opts.energyMeteringCoverage ? { energyMeteringCoverage: opts.energyMeteringCoverage } : {}),
    ...(opts.config ? { config: opts.config } : {}),
    ...(opts.dataSpan ? { dataSpan: opts.dataSpan } : {}),
  };
}

/** Where a report-by-exception series had a Good value in force in [fromMs, endMs). */
async function onChangeGoodInForce(
  store: TimeSeriesStore,
  s: SeriesKey,
  fromMs: number,
  endMs: number,
  noBadInPeriod: boolean,
): Promise<Interval[]> {
  if (!(endMs > fromMs)) return [];
  const before = await valueInForce(store, s, fromMs);
  const goodAtStart = before !== null && isGood(before.status);
  if (noBadInPeriod) {
    if (goodAtStart) return [{ startMs: fromMs, endMs }];
    const first = (await store.raw(s, fromMs, endMs, 1))[0];
    return first ? [{ startMs: first.tsMs, endMs }] : [];
  }
  const out: Interval[] = [];
  let since: number | null = goodAtStart ? fromMs : null;
  const step = (p: StoredPoint) => {
    if (isGood(p.status)) since ??= p.tsMs;
    else if (since !== null) {
      if (p.tsMs > since) out.push({ startMs: since, endMs: p.tsMs });
      since = null;
    }
  };
  for (let a = fromMs, k = 0; a < endMs && k < MAX_CHUNKS; a += CHUNK_MS, k++)
    for (const p of await store.raw(s, a, Math.min(a + CHUNK_MS, endMs))) step(p);
  if (since !== null && endMs > since) out.push({ startMs: since, endMs });
  return out;
}

function merge(list: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const i of list.filter((x) => x.endMs > x.startMs).sort((a, b) => a.startMs - b.startMs)) {
    const lastI = out[out.length - 1];
    if (lastI && i.startMs <= lastI.endMs) lastI.endMs = Math.max(lastI.endMs, i.endMs);
    else out.push({ ...i });
  }
  return out;
}
