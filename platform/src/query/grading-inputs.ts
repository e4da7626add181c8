import type {
  ExternalIndicator,
  IndicatorConfig,
  IndicatorInputs,
  SeriesActivity,
} from '../grading/indicators/types.js';
import type { FactoryOeeResult } from '../oee/index.js';
import type { RegistrySnapshot } from '../registry/model.js';
import type { SeriesKey, TimeSeriesStore } from '../store/types.js';
import { heldBuckets, maxHoldFor } from './held-values.js';
import { offlineIntervals } from './oee-inputs.js';

const DAY_MS = 86_400_000;
/** Series per store call. */
const BATCH = 50;

/**
 * Per numeric series, the ms of [fromMs, toMs) with a Good value in force and the device online: daily
 * time-weighted buckets (served from hourly rollups), offline stretches cut out exactly.
 */
async function coveredTime(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  fromMs: number,
  toMs: number,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!(toMs > fromMs)) return out;
  const factoryId = snapshot.factory.id;
  const numeric = snapshot.metrics.filter((m) => m.kind !== 'text' && m.datatype !== 'string');
  const byHold = new Map<number, SeriesKey[]>();
  for (const m of numeric) {
    const hold = maxHoldFor(m);
    byHold.set(hold, [...(byHold.get(hold) ?? []), { factoryId, deviceId: m.deviceId, metric: m.key }]);
  }
  const offline = (s: SeriesKey) => offlineIntervals(snapshot, s.deviceId, fromMs, toMs);
  for (const [maxHoldMs, keys] of byHold) {
    for (let i = 0; i < keys.length; i += BATCH) {
      const q = { series: keys.slice(i, i + BATCH), fromMs, toMs, intervalMs: DAY_MS, maxHoldMs };
      for (const r of await heldBuckets(store, { ...q, aggregate: 'twa' }, offline)) {
        const ms = r.buckets.reduce((t, b) => t + (b.coveredMs ?? 0), 0);
        out.set(`${r.series.deviceId}\u0000${r.series.metric}`, ms);
      }
    }
  }
  return out;
}

/**
 * Store + registry → indicator inputs: for every registered metric, the points present in the period and the
 * points its sampling interval promises (the store's coverage query; grouped by period so one query serves
 * many series), or, for report-by-exception metrics (sampling interval 0 or unset), the count of points
 * present; the time a Good value was in force (step semantics, offline stretches cut out: the series'
 * coverage of the period — what "delivered data" means for values reported on change); and the newest point
 * of each series (latest). OEE and the energy diagnostics' metering coverage are computed elsewhere and
 * passed through.
 */
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
  },
): Promise<IndicatorInputs> {
  const factoryId = snapshot.factory.id;
  const { fromMs, toMs } = opts;
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
  for (const [periodMs, keys] of byPeriod) {
    // Hourly intervals: a surplus in one hour cannot hide a shortfall in another (the store caps per interval).
    const cov = await store.coverage({
      series: keys,
      fromMs,
      toMs,
      intervalMs: 3_600_000,
      expectedPeriodMs: periodMs,
    });
    for (const c of cov)
      series.push({
        deviceId: c.series.deviceId,
        metric: c.series.metric,
        present: c.present,
        expected: c.expected,
        ratio: c.ratio,
        expectedPeriodMs: periodMs,
        lastTsMs: last(c.series),
      });
  }
  for (const s of exception)
    series.push({
      deviceId: s.deviceId,
      metric: s.metric,
      present: await store.countPoints(s, fromMs, toMs),
      expected: null,
      expectedPeriodMs: null,
      lastTsMs: last(s),
    });
  const covered = await coveredTime(store, snapshot, fromMs, toMs);
  for (const s of series) {
    const ms = covered.get(`${s.deviceId}\u0000${s.metric}`);
    if (ms === undefined) continue;
    s.coveredMs = ms;
    s.coverage = toMs > fromMs ? ms / (toMs - fromMs) : 0;
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
  };
}
