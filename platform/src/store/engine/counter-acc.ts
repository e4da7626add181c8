import { STEP_NONE, STEP_ROLLOVER, stepDelta, stepKind } from '../rollup/summary.js';
import { alignDown, type Spans } from './align.js';
import { type ColumnSource, freshColumns } from './column-pool.js';
import { type CounterItems, edgeItem } from './counter-items.js';

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
  cols: ColumnSource = freshColumns,
): CounterAccumulator {
  return new CounterAccumulator(spans, fromMs, toMs, intervalMs, offsetMs, p, before, cols);
}

/**
 * The pairing runs in one loop over the items (items()) with its state in local variables, calling out only on
 * rare paths (a gap, a reset or rollover, the end of a silent or flat run). A double passed to a call V8 does
 * not inline is boxed, a fresh heap number: with the pairing split into methods taking timestamps, a warm
 * diagnosis of a year allocated 0.77 of its 1.26 GB there, and which calls were inlined changed from run to
 * run. (This loop still allocates about 0.5 GB of short-lived objects in that diagnosis — not from its calls:
 * removing them changes nothing — which the young generation collects cheaply.)
 */
export class CounterAccumulator {
  private readonly inc: Float64Array;
  private readonly covered: Float64Array;
  private readonly resets: Uint32Array;
  private readonly rollovers: Uint32Array;
  private readonly gapInc: Float64Array;
  private readonly gapFromMs: Float64Array;
  private readonly silentRunMs: Float64Array;
  private readonly flatRunMs: Float64Array;
  private readonly startMs: Float64Array;
  private readonly endMs: Float64Array;
  private readonly last: number;
  private readonly base: number;
  private readonly maxGapMs: number;
  private readonly rolloverAt: number | undefined;
  /** Evidence: the range is covered up to coveredEnd; anything skipped over is a silent run. */
  private coveredEnd: number;
  /** The flat run in progress: [flatStart, flatEnd], or none (flatStart NaN). */
  private flatStart = Number.NaN;
  private flatEnd = Number.NaN;
  private havePrev: boolean;
  private prevTs: number;
  private prevV: number;
  private first = true;

  constructor(
    spans: Spans,
    private readonly fromMs: number,
    private readonly toMs: number,
    private readonly intervalMs: number,
    offsetMs: number,
    p: CounterParams,
    before: EdgeSample | null,
    cols: ColumnSource,
  ) {
    const nSpans = spans.length;
    this.startMs = spans.startMs;
    this.endMs = spans.endMs;
    this.inc = cols.float64(nSpans);
    this.covered = cols.float64(nSpans);
    this.resets = cols.uint32(nSpans);
    this.rollovers = cols.uint32(nSpans);
    this.gapInc = cols.float64(nSpans);
    this.gapFromMs = cols.float64(nSpans, Number.NaN);
    this.silentRunMs = cols.float64(nSpans);
    this.flatRunMs = cols.float64(nSpans);
    this.last = nSpans - 1;
    this.base = alignDown(fromMs, intervalMs, offsetMs);
    this.maxGapMs = p.maxGapMs;
    this.rolloverAt = p.rolloverAt;
    this.coveredEnd = fromMs;
    this.havePrev = before !== null;
    this.prevTs = before?.tsMs ?? 0;
    this.prevV = before?.v ?? 0;
  }

  finish(after: EdgeSample | null): CounterColumns {
    // The reading after the range pairs with the last one like any item; its own span (empty, outside the
    // range) adds nothing.
    if (this.havePrev && after) this.items(edgeItem(after));
    if (!Number.isNaN(this.flatStart)) this.run(this.flatRunMs, this.flatStart, this.flatEnd);
    this.flatStart = Number.NaN;
    if (this.coveredEnd < this.toMs) this.run(this.silentRunMs, this.coveredEnd, this.toMs);
    const { inc, covered, resets, rollovers, gapInc, gapFromMs, silentRunMs, flatRunMs } = this;
    return { inc, coveredMs: covered, resets, rollovers, gapInc, gapFromMs, silentRunMs, flatRunMs };
  }

  /**
   * Items in time order, after those given before: each paired with the reading before it, then its own span.
   * Pairing: consecutive Good readings (a, b) within maxGapMs cover the time between them, their step
   * shared out linearly over the intervals it overlaps; further apart, the step is a gap's catch-up.
   */
  items(src: CounterItems): void {
    const { fromMs, toMs, base, intervalMs, last, maxGapMs, rolloverAt } = this;
    const { inc, covered, resets, gapInc, flatRunMs, silentRunMs, startMs, endMs } = this;
    const { count, stride, arrays: f, at } = src;
    const [nA, nO] = [f.n, at.n];
    const [firstTsA, firstTsO, firstA, firstO] = [f.firstTs, at.firstTs, f.first, at.first];
    const [lastTsA, lastTsO, lastA, lastO] = [f.lastTs, at.lastTs, f.last, at.last];
    const [incA, incO, dropsA, dropsO] = [f.inc, at.inc, f.drops, at.drops];
    const [headA, headO, tailA, tailO, maxA, maxO] = [
      f.flatHead,
      at.flatHead,
      f.flatTail,
      at.flatTail,
      f.flatMax,
      at.flatMax,
    ];
    let { havePrev, prevTs, prevV, first, coveredEnd, flatStart, flatEnd } = this;
    for (let i = 0, o = 0; i < count; i++, o += stride) {
      if (nA[o + nO] === 0) continue;
      const firstTs = firstTsA[o + firstTsO] as number;
      const firstV = firstA[o + firstO] as number;
      if (havePrev) {
        const a = prevTs;
        const va = prevV;
        const b = firstTs;
        const vb = firstV;
        if (b > fromMs && a < toMs) {
          const spanMs = b - a;
          // A rising counter (nearly every pair) needs no classification.
          const kind = vb >= va ? STEP_NONE : stepKind(va, vb, rolloverAt);
          const delta = kind === STEP_NONE ? vb - va : stepDelta(va, vb, kind, rolloverAt);
          if (spanMs > maxGapMs) {
            if (!Number.isNaN(flatStart)) this.run(flatRunMs, flatStart, flatEnd);
            flatStart = Number.NaN;
            this.gap(a, b, delta);
          } else {
            // Evidence over [a, b]; a flat reading extends the flat run, a moving one ends it.
            const a1 = Math.max(a, fromMs);
            if (a1 > coveredEnd) this.run(silentRunMs, coveredEnd, a1);
            const b1 = Math.min(b, toMs);
            if (b1 > coveredEnd) coveredEnd = b1;
            if (va === vb) {
              if (Number.isNaN(flatStart)) flatStart = a;
              flatEnd = b;
            } else {
              if (!Number.isNaN(flatStart)) this.run(flatRunMs, flatStart, flatEnd);
              flatStart = Number.NaN;
            }
            const k0 = Math.max(0, Math.floor((a1 - base) / intervalMs));
            const k1 = Math.min(last, Math.floor((b1 - 1 - base) / intervalMs));
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
          }
          // A reset or rollover belongs to the interval in which its step ends.
          if (kind !== STEP_NONE) this.stepEvent(kind, b);
        }
      } else if (first && firstTs > fromMs && firstTs - 1 < toMs) {
        // A first reading after a silent start, nothing known before it: its catch-up is unknown.
        const k = Math.floor((firstTs - 1 - base) / intervalMs);
        if (k >= 0 && k <= last) gapInc[k] = Number.NaN;
      }
      first = false;
      const lastTs = lastTsA[o + lastTsO] as number;
      if (lastTs > firstTs) {
        const k = Math.floor((firstTs - base) / intervalMs);
        const inRange = k >= 0 && k <= last;
        if (inRange) {
          covered[k] = (covered[k] as number) + (lastTs - firstTs);
          inc[k] = (inc[k] as number) + (incA[o + incO] as number);
          resets[k] = (resets[k] as number) + (dropsA[o + dropsO] as number);
        }
        const a1 = Math.max(firstTs, fromMs);
        if (a1 > coveredEnd) this.run(silentRunMs, coveredEnd, a1);
        const b1 = Math.min(lastTs, toMs);
        if (b1 > coveredEnd) coveredEnd = b1;
        const flatHeadMs = headA[o + headO] as number;
        if (flatHeadMs === lastTs - firstTs) {
          if (Number.isNaN(flatStart)) flatStart = firstTs;
          flatEnd = lastTs;
        } else {
          // The head run continues what came before; the inner longest lies inside this item's interval.
          if (Number.isNaN(flatStart)) flatStart = firstTs;
          this.run(flatRunMs, flatStart, firstTs + flatHeadMs);
          const flatMaxMs = maxA[o + maxO] as number;
          if (inRange && flatMaxMs > (flatRunMs[k] as number)) flatRunMs[k] = flatMaxMs;
          flatStart = lastTs - (tailA[o + tailO] as number);
          flatEnd = lastTs;
        }
      } else {
        if (Number.isNaN(flatStart)) flatStart = firstTs;
        flatEnd = firstTs;
      }
      havePrev = true;
      prevTs = lastTs;
      prevV = lastA[o + lastO] as number;
    }
    this.havePrev = havePrev;
    this.prevTs = prevTs;
    this.prevV = prevV;
    this.first = first;
    this.coveredEnd = coveredEnd;
    this.flatStart = flatStart;
    this.flatEnd = flatEnd;
  }

  private idx(t: number): number {
    return Math.floor((t - this.base) / this.intervalMs);
  }

  /** A run [a, b] clipped to the range: its length, to every interval it overlaps (keeping the longest). */
  private run(into: Float64Array, a: number, b: number): void {
    const a1 = Math.max(a, this.fromMs);
    const b1 = Math.min(b, this.toMs);
    if (!(b1 > a1)) return;
    const len = b1 - a1;
    const k1 = Math.min(this.last, this.idx(b1 - 1));
    for (let k = Math.max(0, this.idx(a1)); k <= k1; k++) if (len > (into[k] as number)) into[k] = len;
  }

  /** A pair further apart than the evidence limit: its step is the catch-up of a gap, booked to no interval. */
  private gap(a: number, b: number, delta: number): void {
    if (b - 1 < this.fromMs || b - 1 >= this.toMs) return;
    const k = this.idx(b - 1);
    this.gapInc[k] = (this.gapInc[k] as number) + delta;
    if (!(a >= (this.gapFromMs[k] as number))) this.gapFromMs[k] = a; // NaN-aware min
  }

  private stepEvent(kind: number, b: number): void {
    if (b - 1 < this.fromMs || b - 1 >= this.toMs) return;
    const k = this.idx(b - 1);
    if (kind === STEP_ROLLOVER) this.rollovers[k] = (this.rollovers[k] as number) + 1;
    else this.resets[k] = (this.resets[k] as number) + 1;
  }
}
