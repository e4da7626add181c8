import type {
  SeriesBuckets,
  SeriesCounter,
  SeriesCoverage,
  SeriesKey,
  TimeSeriesStore,
} from '../store/types.js';

/**
 * Reading series that are published on change (OPC UA subscriptions, the simulator's backfill, most agents):
 * a quarter-hour without any sample means "unchanged", not "unknown". What makes a stretch unknown is the
 * series saying so — a non-Good sample (Bad quality, a drop-out announces itself once and then goes silent)
 * — or the device being offline per the registry. Per slot we know the number of Good samples and of all
 * stored samples (coverage with goodOnly=false counts Bad samples without a value too).
 */
const SLOT_MS = 900_000;
const LOOKBACK_MS = 86_400_000;
export const ON_CHANGE_COUNTER_MAX_GAP_MS = 7 * 86_400_000;

type Interval = { startMs: number; endMs: number };
const pickBy = <T extends { series: SeriesKey }>(r: T[], k: number, s: SeriesKey): T | undefined =>
  r[k] ?? r.find((x) => x.series.deviceId === s.deviceId && x.series.metric === s.metric);

/** Per slot: Good sample count and all-sample count. */
async function sampleCounts(store: TimeSeriesStore, series: SeriesKey[], fromMs: number, toMs: number) {
  const n = Math.max(0, Math.round((toMs - fromMs) / SLOT_MS));
  const base = { series, fromMs, toMs, intervalMs: SLOT_MS };
  const [good, all] = await Promise.all([
    store.query({ ...base, aggregate: 'count' }),
    store.coverage({ ...base, expectedPeriodMs: SLOT_MS, goodOnly: false }),
  ]);
  return series.map((s, k) => {
    const g = new Uint32Array(n);
    const a = new Uint32Array(n);
    for (const b of pickBy(good, k, s)?.buckets ?? []) {
      const i = Math.round((b.tsMs - fromMs) / SLOT_MS);
      if (i >= 0 && i < n) g[i] = b.value ?? b.count;
    }
    for (const c of (pickBy(all, k, s) as SeriesCoverage | undefined)?.intervals ?? []) {
      const i = Math.round((c.startMs - fromMs) / SLOT_MS);
      if (i >= 0 && i < n) a[i] = c.present;
    }
    return { good: g, all: a };
  });
}

/**
 * Marks unknown slots in place: from a slot holding a non-Good sample through the silent slots after it,
 * until a slot with Good samples only; and every slot overlapping an offline interval.
 */
function maskUnknown(
  values: Float64Array,
  good: Uint32Array,
  all: Uint32Array,
  fromMs: number,
  offline: Interval[],
) {
  let bad = false;
  for (let i = 0; i < values.length; i++) {
    if (all[i]! > good[i]!) bad = true;
    else if (good[i]! > 0) bad = false;
    if (bad) values[i] = Number.NaN;
  }
  for (const o of offline) {
    const a = Math.max(0, Math.floor((o.startMs - fromMs) / SLOT_MS));
    const b = Math.min(values.length, Math.ceil((o.endMs - fromMs) / SLOT_MS));
    values.fill(Number.NaN, a, b);
  }
}

/**
 * Quarter-hour consumption of on-change counters: the store's counterIncrease with a gap limit of days (a
 * counter that does not move publishes nothing, and interpolating between equal readings gives exactly 0),
 * 0 after the period's last Good sample, then unknown where the series reported a non-Good sample or the
 * device was offline.
 */
export async function onChangeCounters(
  store: TimeSeriesStore,
  series: SeriesKey[],
  fromMs: number,
  toMs: number,
  offlineOf: (deviceId: string) => Interval[],
  maxGapMs = ON_CHANGE_COUNTER_MAX_GAP_MS,
): Promise<{ values: Float64Array; counter: SeriesCounter | undefined }[]> {
  const n = Math.max(0, Math.round((toMs - fromMs) / SLOT_MS));
  const [res, counts, first, last] = await Promise.all([
    store.counterIncrease({ series, fromMs, toMs, intervalMs: SLOT_MS, maxGapMs }),
    sampleCounts(store, series, fromMs, toMs),
    store.query({ series, fromMs, toMs, intervalMs: SLOT_MS, aggregate: 'first' }),
    store.query({ series, fromMs, toMs, intervalMs: SLOT_MS, aggregate: 'last' }),
  ]);
  return series.map((s, k) => {
    const counter = pickBy(res, k, s);
    const values = new Float64Array(n).fill(Number.NaN);
    for (const iv of counter?.intervals ?? []) {
      const i = Math.round((iv.startMs - fromMs) / SLOT_MS);
      if (i >= 0 && i < n && iv.increase !== null) values[i] = iv.increase;
    }
    const { good, all } = counts[k]!;
    // After the period's last sample no later reading closes the stretch: if that sample was Good (and the
    // device stays online, checked below), the counter simply has not moved since — 0, not a gap. The slot
    // holding that sample gets its own readings' difference (the part before its first reading, shared with
    // the previous slot's last reading, is at most one sampling interval and is left out).
    let lastSample = -1;
    for (let i = n - 1; i >= 0 && lastSample < 0; i--) if (all[i]! > 0) lastSample = i;
    if (lastSample >= 0 && good[lastSample]! > 0 && all[lastSample] === good[lastSample]) {
      for (let i = lastSample + 1; i < n; i++) if (Number.isNaN(values[i]!)) values[i] = 0;
      if (Number.isNaN(values[lastSample]!)) {
        const at = (r: SeriesBuckets | undefined) =>
          r?.buckets.find((b) => Math.round((b.tsMs - fromMs) / SLOT_MS) === lastSample)?.value ?? null;
        const a = at(pickBy(first, k, s));
        const b = at(pickBy(last, k, s));
        if (a !== null && b !== null && b >= a) values[lastSample] = b - a;
      }
    }
    maskUnknown(values, good, all, fromMs, offlineOf(s.deviceId));
    return { values, counter };
  });
}

/**
 * Quarter-hour means of on-change gauges: the mean of the slot's Good samples, else the last Good value
 * carried forward (a one-day look-back gives the value in force at the start), unknown as above.
 */
export async function carriedGaugeMeans(
  store: TimeSeriesStore,
  series: SeriesKey[],
  fromMs: number,
  toMs: number,
  offlineOf: (deviceId: string) => Interval[],
): Promise<Float64Array[]> {
  const n = Math.max(0, Math.round((toMs - fromMs) / SLOT_MS));
  const base = { series, fromMs, toMs, intervalMs: SLOT_MS };
  const [mean, last, before, counts] = await Promise.all([
    store.query({ ...base, aggregate: 'mean' }),
    store.query({ ...base, aggregate: 'last' }),
    store.query({
      series,
      fromMs: fromMs - LOOKBACK_MS,
      toMs: fromMs,
      intervalMs: SLOT_MS,
      aggregate: 'last',
    }),
    sampleCounts(store, series, fromMs, toMs),
  ]);
  return series.map((s, k) => {
    const meanV = new Float64Array(n).fill(Number.NaN);
    const lastV = new Float64Array(n).fill(Number.NaN);
    const at = (ts: number) => Math.round((ts - fromMs) / SLOT_MS);
    for (const b of pickBy(mean, k, s)?.buckets ?? []) {
      const i = at(b.tsMs);
      if (i >= 0 && i < n && b.value !== null) meanV[i] = b.value;
    }
    for (const b of pickBy(last, k, s)?.buckets ?? []) {
      const i = at(b.tsMs);
      if (i >= 0 && i < n && b.value !== null) lastV[i] = b.value;
    }
    let carry = Number.NaN;
    for (const b of (pickBy(before, k, s) as SeriesBuckets | undefined)?.buckets ?? [])
      if (b.value !== null) carry = b.value;
    const { good, all } = counts[k]!;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (good[i]! > 0 && !Number.isNaN(meanV[i]!)) {
        out[i] = meanV[i]!;
        carry = lastV[i]!;
      } else out[i] = all[i]! > 0 ? Number.NaN : carry;
    }
    maskUnknown(out, good, all, fromMs, offlineOf(s.deviceId));
    return out;
  });
}

/**
 * Share of Good samples per series over the period (one coarse pass), to report channels that deliver
 * Bad quality — including metrics the diagnosis does not otherwise read (e.g. a phase current).
 */
export async function metricHealth(
  store: TimeSeriesStore,
  series: SeriesKey[],
  fromMs: number,
  toMs: number,
): Promise<{ samples: number; good: number }[]> {
  const base = {
    series,
    fromMs,
    toMs,
    intervalMs: 86_400_000,
    expectedPeriodMs: 86_400_000,
    alignOffsetMs: -28_800_000,
  };
  const [all, good] = await Promise.all([
    store.coverage({ ...base, goodOnly: false }),
    store.coverage({ ...base, goodOnly: true }),
  ]);
  return series.map((s, k) => ({
    samples: pickBy(all, k, s)?.present ?? 0,
    good: pickBy(good, k, s)?.present ?? 0,
  }));
}
