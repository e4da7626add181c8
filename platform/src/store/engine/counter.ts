import type { CounterInterval } from '../types.js';
import { STEP_NONE, STEP_ROLLOVER, type Summary, stepDelta, stepKind } from '../rollup/summary.js';
import { type Span, spanIndex } from './align.js';

export const DEFAULT_MAX_GAP_MS = 15 * 60_000;

export type CounterParams = { maxGapMs: number; rolloverAt?: number };
/** A Good counter sample just outside the query range, used to interpolate at its edges. */
export type EdgeSample = { tsMs: number; v: number };

/**
 * A rollup bucket can stand in for its raw samples only when nothing inside it depends on the query's
 * parameters: no inner spacing wider than maxGapMs (that stretch would be a gap) and, when a rollover value
 * is given, no inner drop (it might be a rollover rather than the reset the rollup assumed).
 */
export function needsRawSamples(s: Summary, p: CounterParams): boolean {
  return s.n > 1 && (s.maxGapMs > p.maxGapMs || (s.drops > 0 && p.rolloverAt !== undefined));
}

type Acc = { inc: number; coveredMs: number; resets: number; rollovers: number };

/**
 * Interval consumption from a counter. Consecutive Good samples (a, b) no further apart than maxGapMs
 * cover the time between them and carry their step's consumption, shared out linearly over the intervals
 * that (a, b) overlaps — which is linear interpolation of the counter at interval edges, exact when samples
 * sit on the edges. Wider spacings cover nothing. An interval not fully covered has increase null: a
 * missing meter is a gap, never zero. A reset or rollover belongs to the interval in which its step ends.
 */
export function counterIntervals(
  items: readonly Summary[],
  spans: readonly Span[],
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  p: CounterParams,
  before: EdgeSample | null,
  after: EdgeSample | null,
): CounterInterval[] {
  const accs: Acc[] = spans.map(() => ({ inc: 0, coveredMs: 0, resets: 0, rollovers: 0 }));
  const last = spans.length - 1;
  const idx = (t: number) => spanIndex(t, fromMs, intervalMs, offsetMs);

  const pair = (a: number, va: number, b: number, vb: number) => {
    const spanMs = b - a;
    if (spanMs > p.maxGapMs || b <= fromMs || a >= toMs) return;
    const kind = stepKind(va, vb, p.rolloverAt);
    const delta = stepDelta(va, vb, kind, p.rolloverAt);
    const k0 = Math.max(0, idx(Math.max(a, fromMs)));
    const k1 = Math.min(last, idx(Math.min(b, toMs) - 1));
    for (let k = k0; k <= k1; k++) {
      const s = spans[k] as Span;
      const ov = Math.min(b, s.endMs) - Math.max(a, s.startMs);
      if (ov <= 0) continue;
      const acc = accs[k] as Acc;
      acc.coveredMs += ov;
      acc.inc += ov === spanMs ? delta : (delta * ov) / spanMs;
    }
    if (kind !== STEP_NONE && b - 1 >= fromMs && b - 1 < toMs) {
      const acc = accs[idx(b - 1)] as Acc;
      if (kind === STEP_ROLLOVER) acc.rollovers++;
      else acc.resets++;
    }
  };

  let prev: EdgeSample | null = before;
  for (const it of items) {
    if (it.n === 0) continue;
    if (prev) pair(prev.tsMs, prev.v, it.firstTs, it.firstV);
    if (it.lastTs > it.firstTs) {
      const k = idx(it.firstTs);
      if (k >= 0 && k <= last) {
        const acc = accs[k] as Acc;
        acc.coveredMs += it.lastTs - it.firstTs;
        acc.inc += it.inc;
        acc.resets += it.drops;
      }
    }
    prev = { tsMs: it.lastTs, v: it.lastV };
  }
  if (prev && after) pair(prev.tsMs, prev.v, after.tsMs, after.v);

  return spans.map((s, k) => {
    const a = accs[k] as Acc;
    const lenMs = s.endMs - s.startMs;
    return {
      startMs: s.startMs,
      endMs: s.endMs,
      increase: a.coveredMs >= lenMs ? a.inc : null,
      coverage: a.coveredMs / lenMs,
      resets: a.resets,
      rollovers: a.rollovers,
    };
  });
}
