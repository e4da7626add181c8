import type { SeriesKey, SeriesSummaries, TimeSeriesStore } from '../store/types.js';

/**
 * Reading series that are published on change (OPC UA subscriptions, the simulator's backfill, most agents):
 * a quarter-hour without any sample means "unchanged", not "unknown". What makes a stretch unknown is the
 * series saying so — a non-Good sample (Bad quality, a drop-out announces itself once and then goes silent)
 * — or the device being offline per the registry. Per slot we know the number of Good samples with a value
 * (`count`) and of all stored samples (`stored`, Bad samples without a value too).
 *
 * Everything here is computed from one `summaries()` answer per series (quarter-hour columns: counts,
 * first/last/mean of Good values, counter increase), so each series is read from the store once — a year
 * of 15-min data for hundreds of meters is typed-array work, not one query (and one object per bucket)
 * per question.
 */
export const SLOT_MS = 900_000;
const LOOKBACK_MS = 86_400_000;
export const ON_CHANGE_COUNTER_MAX_GAP_MS = 7 * 86_400_000;

type Interval = { startMs: number; endMs: number };

/** Quarter-hour summaries of [fromMs, toMs) (quarter-aligned), one store pass per series. */
export async function slotSummaries(
  store: TimeSeriesStore,
  series: SeriesKey[],
  fromMs: number,
  toMs: number,
  maxGapMs = ON_CHANGE_COUNTER_MAX_GAP_MS,
): Promise<SeriesSummaries[]> {
  if (series.length === 0) return [];
  const res = await store.summaries({ series, fromMs, toMs, intervalMs: SLOT_MS, maxGapMs });
  return series.map((s, k) => {
    const r = res[k];
    if (r && r.series.deviceId === s.deviceId && r.series.metric === s.metric) return r;
    const hit = res.find((x) => x.series.deviceId === s.deviceId && x.series.metric === s.metric);
    if (!hit) throw new Error(`store answered no summaries for ${s.deviceId}/${s.metric}`);
    return hit;
  });
}

/**
 * Marks unknown slots in place: from a slot holding a non-Good sample through the silent slots after it,
 * until a slot with Good samples only; and every slot overlapping an offline interval.
 */
function maskUnknown(values: Float64Array, s: SeriesSummaries, fromMs: number, offline: Interval[]) {
  const { count: good, stored: all } = s;
  let bad = false;
  for (let i = 0; i < values.length; i++) {
    if (all[i]! > good[i]!) bad = true;
    else if (good[i]! > 0) bad = false;
    if (bad) values[i] = Number.NaN;
  }
  for (const o of offline) {
    const a = Math.max(0, Math.floor((o.startMs - fromMs) / SLOT_MS));
    const b = Math.min(values.length, Math.ceil((o.endMs - fromMs) / SLOT_MS));
    if (b > a) values.fill(Number.NaN, a, b);
  }
}

/**
 * Quarter-hour consumption of an on-change counter: the store's counter increase with a gap limit of days
 * (a counter that does not move publishes nothing, and interpolating between equal readings gives exactly
 * 0), 0 after the period's last Good sample, then unknown where the series reported a non-Good sample or
 * the device was offline.
 */
export function onChangeCounter(
  s: SeriesSummaries,
  fromMs: number,
  offline: Interval[],
): { values: Float64Array; resets: number; rollovers: number } {
  const n = s.increase.length;
  const values = s.increase.slice(); // NaN where not fully covered
  const { count: good, stored: all } = s;
  // After the period's last sample no later reading closes the stretch: if that sample was Good (and the
  // device stays online, checked below), the counter simply has not moved since — 0, not a gap. The slot
  // holding that sample gets its own readings' difference (the part before its first reading, shared with
  // the previous slot's last reading, is at most one sampling interval and is left out).
  let lastSample = -1;
  for (let i = n - 1; i >= 0 && lastSample < 0; i--) if (all[i]! > 0) lastSample = i;
  if (lastSample >= 0 && good[lastSample]! > 0 && all[lastSample] === good[lastSample]) {
    for (let i = lastSample + 1; i < n; i++) if (Number.isNaN(values[i]!)) values[i] = 0;
    if (Number.isNaN(values[lastSample]!)) {
      const a = s.first[lastSample]!;
      const b = s.last[lastSample]!;
      if (b >= a) values[lastSample] = b - a; // false for NaN
    }
  }
  maskUnknown(values, s, fromMs, offline);
  let resets = 0;
  let rollovers = 0;
  for (let i = 0; i < n; i++) {
    resets += s.resets[i]!;
    rollovers += s.rollovers[i]!;
  }
  return { values, resets, rollovers };
}

/** The last Good value of each series in the day before fromMs (the value in force at the start), else NaN. */
export async function valuesInForce(
  store: TimeSeriesStore,
  series: SeriesKey[],
  fromMs: number,
): Promise<number[]> {
  const res = await slotSummaries(store, series, fromMs - LOOKBACK_MS, fromMs);
  return res.map((r) => {
    for (let i = r.last.length - 1; i >= 0; i--) if (r.count[i]! > 0) return r.last[i]!;
    return Number.NaN;
  });
}

/**
 * Quarter-hour means of an on-change gauge: the mean of the slot's Good samples, else the last Good value
 * carried forward from `carry` (the value in force at the start), unknown as above.
 */
export function carriedGaugeMean(
  s: SeriesSummaries,
  carry: number,
  fromMs: number,
  offline: Interval[],
): Float64Array {
  const n = s.count.length;
  const out = new Float64Array(n);
  let c = carry;
  for (let i = 0; i < n; i++) {
    const good = s.count[i]!;
    if (good > 0) {
      out[i] = s.sum[i]! / good;
      c = s.last[i]!;
    } else out[i] = s.stored[i]! > 0 ? Number.NaN : c;
  }
  maskUnknown(out, s, fromMs, offline);
  return out;
}

/**
 * Share of Good samples over the period, to report channels that deliver Bad quality — including metrics
 * the diagnosis does not otherwise read (e.g. a phase current). Good = Good with a value or a text.
 */
export function metricHealth(s: SeriesSummaries): { samples: number; good: number } {
  let samples = 0;
  let good = 0;
  for (let i = 0; i < s.stored.length; i++) {
    samples += s.stored[i]!;
    good += s.present[i]!;
  }
  return { samples, good };
}
