import type { UnattributedQuantity } from '../energy/types.js';
import type { ColumnPool } from '../store/index.js';
import type { SeriesCounterSummaries, SeriesKey, TimeSeriesStore } from '../store/types.js';
import { heldOver, type Interval, maskSegments } from './held-values.js';

/**
 * Reading series that are reported on change (OPC UA subscriptions, the simulator's backfill, most agents)
 * from one `summaries()` answer per series (quarter-hour columns), so each series is read from the store once
 * — a year of 15-min data for hundreds of meters is typed-array work, not one query per question:
 * - gauges: the store's time-weighted mean per slot (a value holds until the next sample or a Bad one, for at
 *   most the staleness limit), with the device's offline stretches cut out;
 * - counters: the store's counter semantics — consumption only where a sample pair within the evidence limit
 *   covers it; a silent stretch adds nothing (an on-change counter is silent while it does not move: idle —
 *   or frozen, which the rules tell from the power gauge and downstream meters), and the rise across it is
 *   reported as unattributed (gap) consumption, never spread over the stretch.
 * Unknown: from a non-Good sample (a drop-out announces itself once and then goes silent) until a slot with
 * Good samples only, every slot an offline stretch touches, and — with no reading before the period — the
 * time before its first reading.
 */
export const SLOT_MS = 900_000;
/** Counter evidence limit: readings further apart leave the time between them silent (not interpolated). */
export const COUNTER_EVIDENCE_MS = 15 * 60_000;

/** Quarter-hour summaries of [fromMs, toMs) (quarter-aligned), one store pass per series. */
export async function slotSummaries(
  store: TimeSeriesStore,
  series: SeriesKey[],
  fromMs: number,
  toMs: number,
  opts: { maxGapMs?: number; maxHoldMs?: number; columns?: ColumnPool } = {},
): Promise<SeriesCounterSummaries[]> {
  if (series.length === 0) return [];
  const res = await store.summaries({
    series,
    fromMs,
    toMs,
    intervalMs: SLOT_MS,
    maxGapMs: opts.maxGapMs ?? COUNTER_EVIDENCE_MS,
    aggregates: false, // counts, times, counter and time-weighted columns are all a slot read uses
    ...(opts.maxHoldMs !== undefined ? { maxHoldMs: opts.maxHoldMs, gapLookbackMs: 0 } : {}),
    ...(opts.columns ? { columns: opts.columns } : {}),
  });
  return series.map((s, k) => {
    const r = res[k];
    if (r && r.series.deviceId === s.deviceId && r.series.metric === s.metric) return r;
    const hit = res.find((x) => x.series.deviceId === s.deviceId && x.series.metric === s.metric);
    if (!hit) throw new Error(`store answered no summaries for ${s.deviceId}/${s.metric}`);
    return hit;
  });
}

/** Slots touched by an offline stretch, as disjoint [first, end) slot index ranges in time order. */
function offlineSlots(n: number, fromMs: number, offline: readonly Interval[]): [number, number][] {
  const ranges = offline
    .map((o): [number, number] => [
      Math.max(0, Math.floor((o.startMs - fromMs) / SLOT_MS)),
      Math.min(n, Math.ceil((o.endMs - fromMs) / SLOT_MS)),
    ])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

/**
 * Per slot, the known share (0..1) of a counter: 0 from a slot holding a non-Good sample through the silent
 * slots after it (until a slot with Good samples only), minus offline stretches (exactly), minus the time
 * before the first reading when no reading precedes the period.
 */
function counterKnownShare(
  s: SeriesCounterSummaries,
  fromMs: number,
  offline: readonly Interval[],
  known: Float64Array,
): Float64Array {
  const n = s.count.length;
  known.fill(1);
  const { count: good, stored: all } = s;
  let bad = false;
  for (let i = 0; i < n; i++) {
    if (all[i]! > good[i]!) bad = true;
    else if (good[i]! > 0) bad = false;
    if (bad) known[i] = 0;
  }
  const cut = (a: number, b: number) => {
    for (let i = Math.max(0, Math.floor((a - fromMs) / SLOT_MS)); i < n; i++) {
      const s0 = fromMs + i * SLOT_MS;
      if (s0 >= b) break;
      const ov = Math.min(b, s0 + SLOT_MS) - Math.max(a, s0);
      if (ov > 0) known[i] = Math.max(0, known[i]! - ov / SLOT_MS);
    }
  };
  for (const o of offline) cut(o.startMs, o.endMs);
  // No reading before the period (the store found none within its look-back): before the first reading is
  // unknown, not silent.
  // The store marks that unknown catch-up in the interval holding the first reading − 1 ms: the slot before
  // when the reading sits exactly on a slot start (a backfill on quarter-hours), not the slot holding it.
  for (let i = 0; i < n; i++) {
    if (good[i]! === 0) continue;
    const first = s.firstTsMs[i]!;
    const marked = Math.floor((first - 1 - fromMs) / SLOT_MS);
    if (marked >= 0 && Number.isNaN(s.gapIncrease[marked]!)) cut(fromMs, first);
    break;
  }
  // No reading in the period at all: unknown (a reading before it cannot tell a still counter from a dead one).
  if (s.count.every((c) => c === 0)) known.fill(0);
  return known;
}

export type OnChangeCounter = {
  /** Consumption per slot where fully known (NaN elsewhere): covered sample pairs only, silence adds 0. */
  values: Float64Array;
  /** Known share of each slot (0..1). */
  coverage: Float64Array;
  /** Share of each slot without counter evidence (no sample pair within the evidence limit). */
  silentShare: Float64Array;
  /** Rises across silent stretches: consumed somewhere in them, booked to no slot. */
  unattributed: UnattributedQuantity[];
  resets: number;
  rollovers: number;
};

/**
 * Quarter-hour consumption of an on-change counter (see the module comment). Takes over the answer's columns —
 * `increase`, `coveredIncrease` and `covered` become the known share, the values and the silent share, in
 * place — instead of allocating three more arrays per series (a year of quarter-hours is 280 KB an array; for
 * hundreds of meters the allocations were a large part of the read).
 * Read `s` before, not after; its counts, times and gap columns are left as they are.
 */
export function onChangeCounter(
  s: SeriesCounterSummaries,
  fromMs: number,
  offline: readonly Interval[],
): OnChangeCounter {
  const n = s.count.length;
  const coverage = counterKnownShare(s, fromMs, offline, s.increase);
  const values = s.coveredIncrease;
  const silentShare = s.covered;
  const unattributed: UnattributedQuantity[] = [];
  let resets = 0;
  let rollovers = 0;
  for (let i = 0; i < n; i++) {
    if (coverage[i]! < 1) values[i] = Number.NaN;
    silentShare[i] = 1 - silentShare[i]!;
    resets += s.resets[i]!;
    rollovers += s.rollovers[i]!;
    const gap = s.gapIncrease[i]!;
    if (gap !== 0 && !(Number.isNaN(gap) && Number.isNaN(s.gapFromMs[i]!))) {
      unattributed.push({
        fromMs: Number.isNaN(s.gapFromMs[i]!) ? null : s.gapFromMs[i]!,
        // The reading that closes the gap: the slot's first (a quarter-hour holds no whole gap).
        toMs: Number.isNaN(s.firstTsMs[i]!) ? s.endMs[i]! : s.firstTsMs[i]!,
        quantity: Number.isNaN(gap) ? null : gap,
      });
    }
  }
  return { values, coverage, silentShare, unattributed, resets, rollovers };
}

/**
 * The arrays of a summaries answer nothing refers to once every use of its series is done, for a ColumnPool
 * to build the next answers in (never the interval bounds: every series of an answer shares them). The
 * input keeps, of a counter read for consumption, the three arrays onChangeCounter took over (values, known
 * share, silent share); of one read for reactive energy the values only; of anything else nothing (heldGauge
 * and metricHealth copy or sum what they need).
 */
export function arraysDoneWith(
  s: SeriesCounterSummaries,
  counterReadAs: 'consumption' | 'reactive' | null,
): (Float64Array | Uint32Array | undefined)[] {
  const spent = [
    s.count,
    s.firstTsMs,
    s.present,
    s.stored,
    s.resets,
    s.rollovers,
    s.gapIncrease,
    s.gapFromMs,
    s.twMean,
    s.twCoveredMs,
    s.silentRunMs,
    s.flatRunMs,
  ];
  if (counterReadAs === 'consumption') return spent;
  if (counterReadAs === 'reactive') return [...spent, s.increase, s.covered];
  return [...spent, s.increase, s.covered, s.coveredIncrease];
}

/** Quarter-hour time-weighted means of a gauge and the ms a value was in force, offline stretches cut out. */
export async function heldGauge(
  store: TimeSeriesStore,
  s: SeriesCounterSummaries,
  fromMs: number,
  maxHoldMs: number,
  offline: readonly Interval[],
): Promise<{ values: Float64Array; coveredMs: Float64Array }> {
  const n = s.count.length;
  const values = s.twMean ? s.twMean.slice() : new Float64Array(n).fill(Number.NaN);
  const coveredMs = s.twCoveredMs ? s.twCoveredMs.slice() : new Float64Array(n);
  // One step read per offline stretch (its slots only), never the whole period for one blip.
  for (const [i0, i1] of offlineSlots(n, fromMs, offline)) {
    const [st] = await store.step({
      series: [s.series],
      fromMs: fromMs + i0 * SLOT_MS,
      toMs: fromMs + i1 * SLOT_MS,
      maxHoldMs,
    });
    const segs = maskSegments(st?.segments ?? [], offline);
    for (let i = i0; i < i1; i++) {
      const h = heldOver(segs, fromMs + i * SLOT_MS, fromMs + (i + 1) * SLOT_MS);
      values[i] = h.mean ?? Number.NaN;
      coveredMs[i] = h.coveredMs;
    }
  }
  return { values, coveredMs };
}

/**
 * Share of Good samples over the period, to report channels that deliver Bad quality — including metrics
 * the diagnosis does not otherwise read (e.g. a phase current). Good = Good with a value or a text.
 */
export function metricHealth(s: SeriesCounterSummaries): { samples: number; good: number } {
  let samples = 0;
  let good = 0;
  for (let i = 0; i < s.stored.length; i++) {
    samples += s.stored[i]!;
    good += s.present[i]!;
  }
  return { samples, good };
}
