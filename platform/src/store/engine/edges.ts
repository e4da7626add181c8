import {
  F_ALL as F_ALL_,
  F_FIRST_TS as F_FIRST_TS_,
  F_FIRST_V as F_FIRST_V_,
  F_LAST_ANY_TS as F_LAST_ANY_TS_,
  F_LAST_TS as F_LAST_TS_,
  F_LAST_V as F_LAST_V_,
  F_N as F_N_,
  PACKED_FIELDS as PACKED_FIELDS_,
  type Packed,
} from '../rollup/pack.js';
import type { QuerySource, SeriesKey } from '../types.js';
import { HOUR_MS } from './align.js';
import type { CounterParams, EdgeSample } from './counter.js';
import { loadSummaries, type QueryStats, type StoreBackend } from './load.js';
import type { HeldSample } from './time-weighted.js';

const F_ALL = F_ALL_;
const F_FIRST_TS = F_FIRST_TS_;
const F_FIRST_V = F_FIRST_V_;
const F_LAST_ANY_TS = F_LAST_ANY_TS_;
const F_LAST_TS = F_LAST_TS_;
const F_LAST_V = F_LAST_V_;
const F_N = F_N_;
const PACKED_FIELDS = PACKED_FIELDS_;

/*
 * What lies just outside a query range, read as hour summaries — a summary's last/first Good value is exactly
 * that sample — so a 7-day look-around costs a few rollup pages instead of a week of raw points.
 */

/** Hour summaries of [fromMs, toMs) (integer bounds; nothing is stored before 1970). */
async function around(
  b: StoreBackend,
  stats: QueryStats,
  key: SeriesKey,
  fromMs: number,
  toMs: number,
  source: QuerySource | undefined,
): Promise<Packed> {
  const from = Math.max(0, Math.ceil(fromMs));
  const to = Math.ceil(toMs);
  return to > from ? await loadSummaries(b, stats, key, HOUR_MS, from, to, source) : new Float64Array(0);
}

/** The last Good valued sample in [fromMs, toMs), or null. */
async function lastReading(
  b: StoreBackend,
  stats: QueryStats,
  key: SeriesKey,
  fromMs: number,
  toMs: number,
  source: QuerySource | undefined,
): Promise<EdgeSample | null> {
  const items = await around(b, stats, key, fromMs, toMs, source);
  for (let o = items.length - PACKED_FIELDS; o >= 0; o -= PACKED_FIELDS) {
    if (items[o + F_N] === 0) continue;
    return { tsMs: items[o + F_LAST_TS] as number, v: items[o + F_LAST_V] as number };
  }
  return null;
}

/**
 * The counter readings around a range: the last Good sample before it and the first after it, each within
 * maxGapMs (a sample further away pairs across a gap, which covers nothing). When none lies within maxGapMs
 * before the range and `gapLookbackMs` is longer, the last reading up to gapLookbackMs before it is looked
 * for too: it opens the gap crossing the range start, and the first reading in the range closes it — its
 * catch-up is known only with it.
 */
export async function counterEdges(
  b: StoreBackend,
  stats: QueryStats,
  key: SeriesKey,
  fromMs: number,
  toMs: number,
  p: CounterParams,
  gapLookbackMs: number,
  source: QuerySource | undefined,
): Promise<[EdgeSample | null, EdgeSample | null]> {
  let before = await lastReading(b, stats, key, fromMs - p.maxGapMs, fromMs, source);
  if (!before && gapLookbackMs > p.maxGapMs) {
    before = await lastReading(b, stats, key, fromMs - gapLookbackMs, fromMs - p.maxGapMs, source);
  }
  const items = await around(b, stats, key, Math.max(0, toMs), toMs + p.maxGapMs + 1, source);
  let after: EdgeSample | null = null;
  for (let o = 0; o < items.length; o += PACKED_FIELDS) {
    if (items[o + F_N] === 0) continue;
    after = { tsMs: items[o + F_FIRST_TS] as number, v: items[o + F_FIRST_V] as number };
    break;
  }
  return [before, after];
}

/** Look-back windows, widening: most series have a sample within the hour, a long limit costs little. */
const WINDOWS_MS = [HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS, 35 * 24 * HOUR_MS];

/**
 * The value in force at fromMs from before it: the last stored sample in [fromMs − maxHoldMs, fromMs), when
 * it is Good with a value (any other sample ended the hold), else null. Read backwards in widening windows
 * up to the limit, stopping at the first that holds a sample.
 */
export async function heldBefore(
  b: StoreBackend,
  stats: QueryStats,
  key: SeriesKey,
  fromMs: number,
  maxHoldMs: number,
  source: QuerySource | undefined,
): Promise<HeldSample | null> {
  const oldest = fromMs - maxHoldMs + 1;
  let end = fromMs;
  for (const w of [...WINDOWS_MS.filter((x) => x < maxHoldMs), maxHoldMs]) {
    const start = Math.max(oldest, fromMs - w);
    if (start >= end) continue;
    const items = await around(b, stats, key, start, end, source);
    for (let o = items.length - PACKED_FIELDS; o >= 0; o -= PACKED_FIELDS) {
      if (items[o + F_ALL] === 0) continue;
      const good = (items[o + F_N] as number) > 0 && items[o + F_LAST_TS] === items[o + F_LAST_ANY_TS];
      return good ? { tsMs: items[o + F_LAST_TS] as number, v: items[o + F_LAST_V] as number } : null;
    }
    end = start;
    if (end <= 0) break;
  }
  return null;
}
