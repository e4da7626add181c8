import type { Interval } from '../oee/index.js';
import type { CountIncrements } from '../oee/types.js';
import type { CounterInterval, SeriesKey, TimeSeriesStore } from '../store/types.js';

/**
 * Sample pairs further apart than this are a gap, not evidence of steady production: a periodically sampled
 * counter (every few seconds to a minute) that stays silent for a quarter-hour has dropped out. Our choice
 * (the store's default gap limit), no standard fixes it.
 */
export const PERIODIC_COUNTER_EVIDENCE_MS = 15 * 60_000;

/**
 * Good/reject increments of a periodically sampled counter from the store's counterIncrease:
 * - per interval, the increase carried by sample pairs within the gap limit (coveredIncrease); a silent rest
 *   adds nothing ("no change") unless the device was offline then (unknown, NaN);
 * - the rise across a wider spacing (a dropout) is one `afterGap` increment over [gap start, closing interval
 *   end): made somewhere in the gap, never booked at the sample that closed it; the domain spreads it over the
 *   running time there or reports it as unattributed (oee/gap-counts.ts). A rise with no known reading before
 *   it is NaN (unknown).
 * Without a reject counter every piece is taken as good (stated in the OEE README).
 */
export async function periodicCountIncrements(
  store: TimeSeriesStore,
  good: SeriesKey,
  reject: SeriesKey | undefined,
  o: { fromMs: number; toMs: number; intervalMs: number; maxGapMs?: number; offline: Interval[] },
): Promise<CountIncrements> {
  const res = await store.counterIncrease({
    series: [good, ...(reject ? [reject] : [])],
    fromMs: o.fromMs,
    toMs: o.toMs,
    intervalMs: o.intervalMs,
    maxGapMs: o.maxGapMs ?? PERIODIC_COUNTER_EVIDENCE_MS,
  });
  const goodRows = res.find((r) => r.series.metric === good.metric)?.intervals ?? [];
  const rejectRows = reject ? (res.find((r) => r.series.metric === reject.metric)?.intervals ?? []) : [];
  const rejectByStart = new Map(rejectRows.map((r) => [r.startMs, r]));
  const wasOffline = (a: number, b: number) => o.offline.some((x) => x.startMs < b && x.endMs > a);
  const counted = (c: CounterInterval | undefined, a: number, b: number): number => {
    if (!c) return wasOffline(a, b) ? Number.NaN : 0;
    return c.coverage < 1 && wasOffline(a, b) ? Number.NaN : c.coveredIncrease;
  };
  const rows: { s: number; e: number; good: number; reject: number; afterGap: number }[] = goodRows.map(
    (g) => ({
      s: g.startMs,
      e: g.endMs,
      good: counted(g, g.startMs, g.endMs),
      reject: reject ? counted(rejectByStart.get(g.startMs), g.startMs, g.endMs) : 0,
      afterGap: 0,
    }),
  );
  const gaps = new Map<string, { s: number; e: number; good: number; reject: number; afterGap: number }>();
  const addGap = (c: CounterInterval, field: 'good' | 'reject') => {
    if (c.gapIncrease === 0) return;
    const s = c.gapFromMs ?? c.startMs;
    const k = `${s}:${c.endMs}`;
    const row = gaps.get(k) ?? { s, e: c.endMs, good: 0, reject: 0, afterGap: 1 };
    row[field] += c.gapIncrease ?? Number.NaN;
    gaps.set(k, row);
  };
  for (const c of goodRows) addGap(c, 'good');
  for (const c of rejectRows) addGap(c, 'reject');
  rows.push(...gaps.values());
  rows.sort((x, y) => x.s - y.s || x.e - y.e);
  return {
    startMs: Float64Array.from(rows, (r) => r.s),
    endMs: Float64Array.from(rows, (r) => r.e),
    good: Float64Array.from(rows, (r) => r.good),
    reject: Float64Array.from(rows, (r) => r.reject),
    afterGap: Uint8Array.from(rows, (r) => r.afterGap),
  };
}
