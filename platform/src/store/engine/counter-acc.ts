import { STEP_NONE, STEP_ROLLOVER, stepDelta, stepKind } from '../rollup/summary.js';
import { alignDown, type Spans } from './align.js';

export type CounterParams = { maxGapMs: number; rolloverAt?: number };
/** A Good counter sample outside the query range, used at its edges. */
export type EdgeSample = { tsMs: number; v: number };

/**
 * Counter columns per query interval: the increase carried by the covered part (`inc`), the time covered
 * (ms), resets, rollovers, the catch-up of gaps closing in the interval (NaN: the reading before the gap is
 * unknown) with the start of the earliest such gap (NaN: none), and the longest stretch without evidence
 * (`silentRunMs`) and of a flat reading (`flatRunMs`) overlapping the interval, each measured over its whole
 * length inside the query range.
 */
export type CounterColumns = {
  inc: Float64Array;
  coveredMs: Float64Array;
  resets: Uint32Array;
  rollovers: Uint32Array;
  gapInc: Float64Array;
  gapFromMs: Float64Array;
  silentRunMs: Float64Array;
  flatRunMs: Float64Array;
};

/**
 * The pairing of counter samples (items oldest first). Consecutive Good samples (a, b) no further apart than
 * maxGapMs cover the time between them and carry their step's consumption, shared out linearly over the
 * intervals (a, b) overlaps — linear interpolation of the counter at interval edges, exact when samples sit
 * on the edges. A wider spacing covers nothing: its step is the catch-up of a gap, consumed somewhere in it
 * and booked to no interval (`gapInc` of the interval where the reading resumes). A reset or rollover
 * belongs to the interval in which its step ends. `before` is the last Good reading before the range (any
 * age: further than maxGapMs it only closes a gap) or null when none was found — then the catch-up of a
 * first reading after a silent start is unknown.
 */
export function counterAccumulator(
  spans: Spans,
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  p: CounterParams,
  before: EdgeSample | null,
) {
  const nSpans = spans.length;
  const { startMs, endMs } = spans;
  // Typed accumulators: a year of quarter-hours for hundreds of meters must not churn the GC.
  const inc = new Float64Array(nSpans);
  const covered = new Float64Array(nSpans);
  const resets = new Uint32Array(nSpans);
  const rollovers = new Uint32Array(nSpans);
  const gapInc = new Float64Array(nSpans);
  const gapFromMs = new Float64Array(nSpans).fill(Number.NaN);
  const silentRunMs = new Float64Array(nSpans);
  const flatRunMs = new Float64Array(nSpans);
  const last = nSpans - 1;
  const base = alignDown(fromMs, intervalMs, offsetMs);
  // Parameters in locals: read per sample pair, millions of times a diagnosis.
  const maxGapMs = p.maxGapMs;
  const rolloverAt = p.rolloverAt;
  const idx = (t: number) => Math.floor((t - base) / intervalMs);

  /** A run [a, b] clipped to the range: its length, to every interval it overlaps (keeping the longest). */
  const run = (into: Float64Array, a: number, b: number) => {
    const a1 = Math.max(a, fromMs);
    const b1 = Math.min(b, toMs);
    if (!(b1 > a1)) return;
    const len = b1 - a1;
    const k1 = Math.min(last, idx(b1 - 1));
    for (let k = Math.max(0, idx(a1)); k <= k1; k++) if (len > (into[k] as number)) into[k] = len;
  };
  // Evidence: the range is covered up to coveredEnd; anything skipped over is a silent run.
  let coveredEnd = fromMs;
  const evidence = (a: number, b: number) => {
    const a1 = Math.max(a, fromMs);
    if (a1 > coveredEnd) run(silentRunMs, coveredEnd, a1);
    const b1 = Math.min(b, toMs);
    if (b1 > coveredEnd) coveredEnd = b1;
  };
  // The flat run in progress: [flatStart, flatEnd], or none (flatStart NaN).
  let flatStart = Number.NaN;
  let flatEnd = Number.NaN;
  const flatTo = (a: number, b: number) => {
    if (Number.isNaN(flatStart)) flatStart = a;
    flatEnd = b;
  };
  const flatClose = () => {
    if (!Number.isNaN(flatStart)) run(flatRunMs, flatStart, flatEnd);
    flatStart = Number.NaN;
  };
  const stepEvent = (kind: number, b: number) => {
    if (kind === STEP_NONE || b - 1 < fromMs || b - 1 >= toMs) return;
    const k = idx(b - 1);
    if (kind === STEP_ROLLOVER) rollovers[k] = (rollovers[k] as number) + 1;
    else resets[k] = (resets[k] as number) + 1;
  };
  const pair = (a: number, va: number, b: number, vb: number) => {
    if (b <= fromMs || a >= toMs) return;
    const spanMs = b - a;
    // A rising counter (nearly every pair) needs no classification.
    const kind = vb >= va ? STEP_NONE : stepKind(va, vb, rolloverAt);
    const delta = kind === STEP_NONE ? vb - va : stepDelta(va, vb, kind, rolloverAt);
    if (spanMs > maxGapMs) {
      flatClose();
      if (b - 1 >= fromMs && b - 1 < toMs) {
        const k = idx(b - 1);
        gapInc[k] = (gapInc[k] as number) + delta;
        if (!(a >= (gapFromMs[k] as number))) gapFromMs[k] = a; // NaN-aware min
      }
      stepEvent(kind, b);
      return;
    }
    evidence(a, b);
    if (va === vb) flatTo(a, b);
    else flatClose();
    const k0 = Math.max(0, idx(Math.max(a, fromMs)));
    const k1 = Math.min(last, idx(Math.min(b, toMs) - 1));
    if (k0 === k1 && a >= (startMs[k0] as number) && b <= (endMs[k0] as number)) {
      covered[k0] = (covered[k0] as number) + spanMs; // the whole step inside one interval
      inc[k0] = (inc[k0] as number) + delta;
    } else {
      for (let k = k0; k <= k1; k++) {
        const ov = Math.min(b, endMs[k] as number) - Math.max(a, startMs[k] as number);
        if (ov <= 0) continue;
        covered[k] = (covered[k] as number) + ov;
        inc[k] = (inc[k] as number) + (ov === spanMs ? delta : (delta * ov) / spanMs);
      }
    }
    stepEvent(kind, b);
  };

  let havePrev = before !== null;
  let prevTs = before?.tsMs ?? 0;
  let prevV = before?.v ?? 0;
  let first = true;
  return {
    /** One item (a rollup summary or a single Good sample; positional: called millions of times). */
    item(
      firstTs: number,
      firstV: number,
      lastTs: number,
      lastV: number,
      innerInc: number,
      drops: number,
      flatHeadMs: number,
      flatTailMs: number,
      flatMaxMs: number,
    ) {
      if (havePrev) pair(prevTs, prevV, firstTs, firstV);
      else if (first && firstTs > fromMs && firstTs - 1 < toMs) {
        // A first reading after a silent start, nothing known before it: its catch-up is unknown.
        const k = idx(firstTs - 1);
        if (k >= 0 && k <= last) gapInc[k] = Number.NaN;
      }
      first = false;
      if (lastTs > firstTs) {
        const k = idx(firstTs);
        if (k >= 0 && k <= last) {
          covered[k] = (covered[k] as number) + (lastTs - firstTs);
          inc[k] = (inc[k] as number) + innerInc;
          resets[k] = (resets[k] as number) + drops;
        }
        evidence(firstTs, lastTs);
        if (flatHeadMs === lastTs - firstTs) flatTo(firstTs, lastTs);
        else {
          // The head run continues what came before; the inner longest lies inside this item's interval.
          flatTo(firstTs, firstTs + flatHeadMs);
          flatClose();
          if (k >= 0 && k <= last && flatMaxMs > (flatRunMs[k] as number)) flatRunMs[k] = flatMaxMs;
          flatTo(lastTs - flatTailMs, lastTs);
        }
      } else flatTo(firstTs, firstTs);
      havePrev = true;
      prevTs = lastTs;
      prevV = lastV;
    },
    finish(after: EdgeSample | null): CounterColumns {
      if (havePrev && after) pair(prevTs, prevV, after.tsMs, after.v);
      flatClose();
      if (coveredEnd < toMs) run(silentRunMs, coveredEnd, toMs);
      return { inc, coveredMs: covered, resets, rollovers, gapInc, gapFromMs, silentRunMs, flatRunMs };
    },
  };
}
