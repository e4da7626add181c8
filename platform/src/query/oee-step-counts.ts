import { isGood } from '@xiang/protocol';
import type { CountIncrements, Interval, UnattributedCounts } from '../oee/index.js';
import type { SeriesKey, TimeSeriesStore } from '../store/types.js';

/**
 * Good/reject counters that report by exception (OPC UA subscriptions, the simulator: a value is published when
 * it changes) as step increments. A sample (t, v) says "the count became v at t", so the increase since the
 * previous Good sample is an event at t and belongs to the bucket that contains t — buckets are half-open
 * [start, end), so a change stamped exactly 20:00 belongs to the shift starting at 20:00. The store's
 * counterIncrease interpolates linearly between samples, which is right for a periodically sampled meter but
 * spreads a piece made before a break over the break: a furnace with a 30-min cycle then lands pieces in the
 * wrong shift (measured against the simulator: 13 % off per shift, exact with steps).
 * Unknown stretches become gap intervals (NaN): from a Bad sample to the next Good one, and the device's offline
 * intervals. The increase the first Good sample after such a gap shows was made somewhere in the gap: it is
 * unattributed production (gap), reported beside the increments with its span, never booked at the time the
 * reading resumed (which put a day of production into one shift). A drop in value is a reset (counted from
 * zero) or, near `rolloverAt`, a rollover.
 */
const CHUNK_MS = 7 * 86_400_000;
const MAX_CHUNKS = 200;

type Sample = { t: number; v: number | null };
type Event = { t: number; good: number; reject: number };

export async function stepCountIncrements(
  store: TimeSeriesStore,
  good: SeriesKey,
  reject: SeriesKey | undefined,
  opts: {
    fromMs: number;
    toMs: number;
    /** How far before fromMs to look for the count in force at the window start. */
    lookbackMs: number;
    offline: Interval[];
    rolloverAt?: { good?: number | undefined; reject?: number | undefined };
  },
): Promise<CountIncrements> {
  const { fromMs, toMs } = opts;
  const events = new Map<number, Event>();
  const gaps: Interval[] = opts.offline.map((o) => ({ ...o }));
  const unattributed: UnattributedCounts[] = [];
  const offlineBetween = (a: number, b: number) => opts.offline.some((o) => o.startMs < b && o.endMs > a);
  const collect = (samples: Sample[], field: 'good' | 'reject', rolloverAt: number | undefined) => {
    let prev: number | null = null;
    let prevT = 0;
    let badSince: number | null = null;
    for (const s of samples) {
      if (s.v === null) {
        // A Bad sample: when pieces were made until the next Good one is unknown (a gap).
        badSince ??= s.t;
        continue;
      }
      const afterGap = badSince !== null || (prev !== null && offlineBetween(prevT, s.t));
      if (badSince !== null) {
        gaps.push({ startMs: Math.max(badSince, fromMs), endMs: Math.min(s.t, toMs) });
        badSince = null;
      }
      if (prev !== null && s.t >= fromMs && s.t < toMs && s.v !== prev) {
        let d = s.v - prev;
        if (d < 0) d = rolloverAt !== undefined && prev > 0.9 * rolloverAt ? rolloverAt - prev + s.v : s.v;
        if (afterGap) {
          // How many is known, when is not: beside the figures, never in one shift.
          const u = { fromMs: prevT, toMs: s.t, good: 0, reject: 0 };
          u[field] = d;
          unattributed.push(u);
        } else {
          const e = events.get(s.t) ?? { t: s.t, good: 0, reject: 0 };
          e[field] += d;
          events.set(s.t, e);
        }
      }
      prev = s.v;
      prevT = s.t;
    }
    if (badSince !== null) gaps.push({ startMs: Math.max(badSince, fromMs), endMs: toMs });
  };
  collect(await samplesOf(store, good, fromMs - opts.lookbackMs, toMs), 'good', opts.rolloverAt?.good);
  if (reject)
    collect(
      await samplesOf(store, reject, fromMs - opts.lookbackMs, toMs),
      'reject',
      opts.rolloverAt?.reject,
    );
  const inc = toIncrements([...events.values()], gaps, fromMs, toMs);
  if (unattributed.length > 0) inc.unattributed = unattributed.sort((a, b) => a.toMs - b.toMs);
  return inc;
}

/** Samples in [fromMs, toMs), oldest first, read a week at a time (a 6-s press makes 100 k samples a week). */
async function samplesOf(store: TimeSeriesStore, key: SeriesKey, fromMs: number, toMs: number) {
  const out: Sample[] = [];
  for (let a = fromMs, k = 0; a < toMs && k < MAX_CHUNKS; a += CHUNK_MS, k++) {
    const b = Math.min(a + CHUNK_MS, toMs);
    for (const p of await store.raw(key, a, b))
      out.push({ t: p.tsMs, v: isGood(p.status) && p.value !== null ? p.value : null });
  }
  return out;
}

/** Events as [t, t + 1 ms) intervals and gaps as NaN intervals, sorted and never overlapping. */
export function toIncrements(
  events: Event[],
  gaps: Interval[],
  fromMs: number,
  toMs: number,
): CountIncrements {
  const ev = events.sort((a, b) => a.t - b.t);
  const merged: Interval[] = [];
  for (const g of gaps
    .map((x) => ({ startMs: Math.max(x.startMs, fromMs), endMs: Math.min(x.endMs, toMs) }))
    .filter((x) => x.endMs > x.startMs)
    .sort((a, b) => a.startMs - b.startMs)) {
    const last = merged[merged.length - 1];
    if (last && g.startMs <= last.endMs) last.endMs = Math.max(last.endMs, g.endMs);
    else merged.push(g);
  }
  const rows: [number, number, number, number][] = [];
  const event = (e: Event) => rows.push([e.t, e.t + 1, e.good, e.reject]);
  let j = 0;
  for (const g of merged) {
    // An event inside a gap splits it: its pieces are known, the time around it is not.
    let s = g.startMs;
    while (j < ev.length && (ev[j] as Event).t < g.endMs) {
      const e = ev[j++] as Event;
      if (e.t >= s) {
        if (e.t > s) rows.push([s, e.t, Number.NaN, Number.NaN]);
        s = e.t + 1;
      }
      event(e);
    }
    if (g.endMs > s) rows.push([s, g.endMs, Number.NaN, Number.NaN]);
  }
  for (; j < ev.length; j++) event(ev[j] as Event);
  return {
    startMs: Float64Array.from(rows.map((r) => r[0])),
    endMs: Float64Array.from(rows.map((r) => r[1])),
    good: Float64Array.from(rows.map((r) => r[2])),
    reject: Float64Array.from(rows.map((r) => r[3])),
  };
}
