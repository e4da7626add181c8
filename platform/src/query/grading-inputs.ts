import type {
  ExternalIndicator,
  IndicatorConfig,
  IndicatorInputs,
  SeriesActivity,
} from '../grading/indicators/types.js';
import type { FactoryOeeResult } from '../oee/index.js';
import type { RegistrySnapshot } from '../registry/model.js';
import type { SeriesKey, TimeSeriesStore } from '../store/types.js';

/**
 * Store + registry → indicator inputs: for every registered metric, the points present in the period and the
 * points its sampling interval promises (the store's coverage query; grouped by period so one query serves
 * many series), or, for report-by-exception metrics (sampling interval 0 or unset), the count of points
 * present; and the newest point of each series (latest). OEE and the energy diagnostics' metering coverage are
 * computed elsewhere and passed through.
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
