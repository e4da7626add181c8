import { isGood } from '@xiang/protocol';
import type { CountIncrements, Interval } from '../oee/index.js';
import type { SeriesKey, TimeSeriesStore } from '../store/types.js';

/**
 * Good/reject counters that report by exception (OPC UA subscriptions, the simulator: a value is published when
 * it changes) as step increments. A sample (t, v) says "the count became v at t", so the increase since the
 * previous Good sample is an event at t and belongs to the bucket that contains t — buckets are half-open
 * [start, end), so a change stamped exactly 20:00 belongs to the shift starting at 20:00. The store's
 * counterIncrease interpolates linearly between samples, which is right for a periodically sampled meter but
 * spreads a piece made before a break over the break: a furnace with a 30-min cycle then lands pieces in the
 * wrong shift (measured against the simulator: 13 % off per shift, exact with steps).
 *
 * Gaps: a Bad sample opens a gap until the next Good one; the device's offline intervals are gaps too. The
 * increase between two Good samples with a gap between them was made somewhere in [gap start, next sample), not
 * at the sample: it becomes one `afterGap` increment over that span, which the domain spreads over the running
 * time when the machine state is known there and otherwise reports as unattributed (oee/gap-counts.ts) — never
 * booked into the shift the sample falls in. A gap still open at the window end is looked past (up to
 * `lookaheadMs`) for the sample that closes it; a gap nothing closes is a NaN interval (unknown).
 * A drop in value is a reset (counted from zero) or, near `rolloverAt`, a rollover.
 */
const CHUNK_MS = 7 * 86_400_000;
const MAX_CHUNKS = 200;

type Sample = { t: number; v: number | null };
type Field = 'good' | 'reject';
type Row = { s: number; e: number; good: number; reject: number; afterGap: boolean };

export type StepCountOptions = {
  fromMs: number;
  toMs: number;
  /** How far before fromMs to look for the count in force at the window start. */
  lookbackMs: number;
  /** How far past toMs to look for the sample that closes a gap open at the window end (default 7 days). */
  lookaheadMs?: number;
  /** Samples stamped after this are not read (the present: the default is no limit). */
  nowMs?: number;
  offline: Interval[];
  rolloverAt?: { good?: number | undefined; reject?: number | undefined };
};

export async function stepCountIncrements(
  store: TimeSeriesStore,
  good: SeriesKey,
  reject: SeriesKey | undefined,
  opts: StepCountOptions,
): Promise<CountIncrements> {
  const rows: Row[] = [];
  const open: Interval[] = [];
  const read = async (key: SeriesKey, field: Field, rolloverAt: number | undefined) => {
    const samples = await samplesOf(store, key, opts.fromMs - opts.lookbackMs, opts.toMs);
    const limit = Math.min(
      opts.toMs + (opts.lookaheadMs ?? CHUNK_MS),
      opts.nowMs ?? Number.POSITIVE_INFINITY,
    );
    if (gapOpenAtEnd(samples, opts.offline, opts.toMs) && limit > opts.toMs)
      samples.push(...(await closingSamples(store, key, opts.toMs, limit, opts.offline)));
    const r = stepRows(samples, field, opts.offline, opts.fromMs, opts.toMs, rolloverAt);
    rows.push(...r.rows);
    open.push(...r.open);
  };
  await read(good, 'good', opts.rolloverAt?.good);
  if (reject) await read(reject, 'reject', opts.rolloverAt?.reject);
  return toIncrements(rows, open, opts.fromMs, opts.toMs);
}

/**
 * Pure core: samples (oldest first, null = Bad) → normal events in [fromMs, toMs), after-gap increments that
 * overlap the window (whole, not clipped: the domain prorates them), and gaps still open at the end of the data.
 */
export function stepRows(
  samples: Sample[],
  field: Field,
  offline: Interval[],
  fromMs: number,
  toMs: number,
  rolloverAt: number | undefined,
): { rows: Row[]; open: Interval[] } {
  const rows: Row[] = [];
  const open: Interval[] = [];
  let prev: Sample | null = null;
  let badSince: number | null = null;
  for (const s of samples) {
    if (s.v === null) {
      badSince ??= s.t;
      continue;
    }
    if (prev !== null) {
      const gapStart = firstGapStart(prev.t, s.t, badSince, offline);
      const d = increase(prev.v as number, s.v, rolloverAt);
      if (gapStart !== null) {
        if (d > 0 && s.t > fromMs && gapStart < toMs)
          rows.push({ s: gapStart, e: s.t, good: 0, reject: 0, afterGap: true, [field]: d });
      } else if (d > 0 && s.t >= fromMs && s.t < toMs)
        rows.push({ s: s.t, e: s.t + 1, good: 0, reject: 0, afterGap: false, [field]: d });
    }
    badSince = null;
    prev = s;
  }
  // A gap nothing closed: from the first Bad sample, or an offline stretch after the last Good one.
  const after = prev?.t ?? Number.NEGATIVE_INFINITY;
  const start = firstGapStart(after, Number.POSITIVE_INFINITY, badSince, offline);
  if (start !== null) open.push({ startMs: start, endMs: toMs });
  return { rows, open };
}

/** Start of the first gap (Bad stretch or offline interval) between two Good samples, or null. */
function firstGapStart(a: number, b: number, badSince: number | null, offline: Interval[]): number | null {
  let g = badSince;
  for (const o of offline)
    if (o.startMs < b && o.endMs > a) {
      const s = Math.max(o.startMs, a);
      if (g === null || s < g) g = s;
    }
  return g;
}

function increase(prev: number, v: number, rolloverAt: number | undefined): number {
  if (v >= prev) return v - prev;
  return rolloverAt !== undefined && prev > 0.9 * rolloverAt ? rolloverAt - prev + v : v;
}

function gapOpenAtEnd(samples: Sample[], offline: Interval[], toMs: number): boolean {
  let lastGood = Number.NEGATIVE_INFINITY;
  for (const s of samples) if (s.v !== null) lastGood = s.t;
  const last = samples[samples.length - 1];
  return (
    (last !== undefined && last.v === null) || offline.some((o) => o.endMs > lastGood && o.startMs < toMs)
  );
}

/** Samples from toMs on, up to the first Good one that is not inside an offline interval. */
async function closingSamples(
  store: TimeSeriesStore,
  key: SeriesKey,
  fromMs: number,
  limitMs: number,
  offline: Interval[],
): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let a = fromMs, k = 0; a < limitMs && k < MAX_CHUNKS; a += CHUNK_MS, k++) {
    for (const p of await store.raw(key, a, Math.min(a + CHUNK_MS, limitMs))) {
      const s = { t: p.tsMs, v: isGood(p.status) && p.value !== null ? p.value : null };
      out.push(s);
      if (s.v !== null && !offline.some((o) => o.startMs <= s.t && s.t < o.endMs)) return out;
    }
  }
  return out;
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

/**
 * Rows of both counters as one increment list: events at the same time merged, after-gap increments as they
 * are (flagged), open gaps merged into NaN intervals clipped to the window. Sorted by start; may overlap (the
 * domain's counts accept that).
 */
export function toIncrements(rows: Row[], open: Interval[], fromMs: number, toMs: number): CountIncrements {
  const events = new Map<number, Row>();
  const out: Row[] = [];
  for (const r of rows) {
    if (r.afterGap) {
      out.push(r);
      continue;
    }
    const e = events.get(r.s);
    if (e) {
      e.good += r.good;
      e.reject += r.reject;
    } else events.set(r.s, { ...r });
  }
  out.push(...events.values());
  const merged: Interval[] = [];
  for (const g of open
    .map((x) => ({ startMs: Math.max(x.startMs, fromMs), endMs: Math.min(x.endMs, toMs) }))
    .filter((x) => x.endMs > x.startMs)
    .sort((a, b) => a.startMs - b.startMs)) {
    const last = merged[merged.length - 1];
    if (last && g.startMs <= last.endMs) last.endMs = Math.max(last.endMs, g.endMs);
    else merged.push(g);
  }
  for (const g of merged)
    out.push({ s: g.startMs, e: g.endMs, good: Number.NaN, reject: Number.NaN, afterGap: false });
  out.sort((a, b) => a.s - b.s || a.e - b.e);
  return {
    startMs: Float64Array.from(out, (r) => r.s),
    endMs: Float64Array.from(out, (r) => r.e),
    good: Float64Array.from(out, (r) => r.good),
    reject: Float64Array.from(out, (r) => r.reject),
    afterGap: Uint8Array.from(out, (r) => (r.afterGap ? 1 : 0)),
  };
}
