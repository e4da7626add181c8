import type { IntervalSeries, MeterSeries } from '../energy/types.js';
import type { RegistrySnapshot } from '../registry/model.js';
import type { SeriesCounterSummaries, SeriesKey, SeriesSummaries, TimeSeriesStore } from '../store/types.js';
import { COUNTER_EVIDENCE_MS } from './energy-inputs-onchange.js';
import type { MeterPlan } from './energy-inputs-plan.js';
import { offlineIntervals } from './oee-inputs.js';

/**
 * Finer series the energy rules need beyond quarter-hours (issue 9): per-minute consumption of the billing
 * meters (the 15-min demand sliding every minute, 滑差, is computed from it in energy/demand.ts) and 10-min
 * means of voltage THD and unbalance (the 95 % value of short-interval values, GB/T 14549 / 15543). Read as
 * published on change, like the quarter-hour series: a silent interval is "unchanged", a non-Good sample or
 * an offline device makes it unknown. (Added by the diagnosis branch; the semantics branch owns query/ — see
 * the report: time-weighting and freeze handling from there apply here too.)
 */
const MIN_MS = 60_000;
const TEN_MIN_MS = 600_000;
/** Fine-series reads in flight at once. */
const FINE_READS_AT_ONCE = 4;

type Interval = { startMs: number; endMs: number };

function maskUnknown(
  values: Float64Array,
  s: SeriesCounterSummaries,
  fromMs: number,
  stepMs: number,
  off: Interval[],
) {
  let bad = false;
  for (let i = 0; i < values.length; i++) {
    if (s.stored[i]! > s.count[i]!) bad = true;
    else if (s.count[i]! > 0) bad = false;
    if (bad) values[i] = Number.NaN;
  }
  for (const o of off) {
    const a = Math.max(0, Math.floor((o.startMs - fromMs) / stepMs));
    const b = Math.min(values.length, Math.ceil((o.endMs - fromMs) / stepMs));
    if (b > a) values.fill(Number.NaN, a, b);
  }
}

/** Billing points: main incomers, else electricity meters without a parent. */
function billingMeters(snapshot: RegistrySnapshot, plans: MeterPlan[]): MeterPlan[] {
  const dev = new Map(snapshot.devices.map((d) => [d.id, d]));
  const elec = plans.filter((p) => p.medium === 'electricity' && p.counter);
  const mains = elec.filter((p) => dev.get(p.deviceId)?.meterRole === 'mainIncomer');
  return mains.length ? mains : elec.filter((p) => !dev.get(p.deviceId)?.parentMeter);
}

/** The finer series of one meter, attached to its MeterSeries once the quarter-hour series are built. */
export type FineSeries = Pick<MeterSeries, 'minuteKwh' | 'voltageThdShort' | 'voltageUnbalanceShort'>;

/**
 * Reads the finer series of every meter that has a use for them, by device id. Needs no quarter-hour result, so
 * the caller starts it beside the quarter-hour reads: a remote store answers it while Node folds the counters.
 */
export async function readFineSeries(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  plans: MeterPlan[],
  fromMs: number,
  toMs: number,
): Promise<Map<string, FineSeries>> {
  const key = (deviceId: string, metric: string): SeriesKey => ({
    factoryId: snapshot.factory.id,
    deviceId,
    metric,
  });
  const out = new Map<string, FineSeries>();
  const of = (id: string): FineSeries => {
    const hit = out.get(id) ?? {};
    out.set(id, hit);
    return hit;
  };
  const off = (id: string) => offlineIntervals(snapshot, id, fromMs, toMs);
  const minute = billingMeters(snapshot, plans).map((p) => async () => {
    if (!p.counter) return;
    const [s] = await store.summaries({
      series: [key(p.deviceId, p.counter.key)],
      fromMs,
      toMs,
      intervalMs: MIN_MS,
      maxGapMs: COUNTER_EVIDENCE_MS,
      aggregates: false, // increase and sample counts: a year of minutes is 4 MB a column
      ...(p.counter.rolloverAt ? { rolloverAt: p.counter.rolloverAt } : {}),
    });
    if (!s) return;
    const values = s.increase.slice();
    // After the period's last Good sample the counter has not moved: 0, not unknown.
    let last = -1;
    for (let i = values.length - 1; i >= 0 && last < 0; i--) if (s.stored[i]! > 0) last = i;
    if (last >= 0 && s.count[last] === s.stored[last])
      for (let i = last + 1; i < values.length; i++) if (Number.isNaN(values[i]!)) values[i] = 0;
    maskUnknown(values, s, fromMs, MIN_MS, off(p.deviceId));
    of(p.deviceId).minuteKwh = { startMs: fromMs, intervalMs: MIN_MS, values };
  });
  const short =
    (toMs - fromMs) % TEN_MIN_MS !== 0
      ? []
      : plans.flatMap((p) => {
          const jobs: ['voltageThdShort' | 'voltageUnbalanceShort', string][] = [];
          if (p.thd[0]) jobs.push(['voltageThdShort', p.thd[0].key]);
          if (p.unbalance) jobs.push(['voltageUnbalanceShort', p.unbalance.key]);
          return jobs.map(([field, metric]) => async () => {
            const [s] = await store.summaries({
              series: [key(p.deviceId, metric)],
              fromMs,
              toMs,
              intervalMs: TEN_MIN_MS,
            });
            if (s) of(p.deviceId)[field] = tenMinuteMeans(s, fromMs, off(p.deviceId));
          });
        });
  // A few reads side by side (a year of minutes is 4 MB a column: not all meters' at once).
  const reads = [...minute, ...short];
  for (let i = 0; i < reads.length; i += FINE_READS_AT_ONCE)
    await Promise.all(reads.slice(i, i + FINE_READS_AT_ONCE).map((read) => read()));
  return out;
}

/** 10-min means of Good samples; an interval without samples holds the last value (published on change). */
function tenMinuteMeans(s: SeriesSummaries, fromMs: number, off: Interval[]): IntervalSeries {
  const n = s.count.length;
  const values = new Float64Array(n);
  let carry = Number.NaN;
  for (let i = 0; i < n; i++) {
    if (s.count[i]! > 0) {
      values[i] = s.sum[i]! / s.count[i]!;
      carry = s.last[i]!;
    } else values[i] = s.stored[i]! > 0 ? Number.NaN : carry;
  }
  maskUnknown(values, s, fromMs, TEN_MIN_MS, off);
  return { startMs: fromMs, intervalMs: TEN_MIN_MS, values };
}
