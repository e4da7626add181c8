import { STEP_NONE, STEP_ROLLOVER, stepDelta, stepKind } from '../rollup/summary.js';
import { alignDown, type Spans } from './align.js';
import { type ColumnSource, freshColumns } from './column-pool.js';

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
 * The accumulator's state lives in fields, not in variables captured by closures: a timestamp (beyond the
 * small-integer range) assigned to a captured variable is a fresh heap number each time — five per item,
 * hundreds of millions in a diagnosis of a year — while a double field is updated in place.
 */
export class CounterAccumulator {
  // Typed accumulators: a year of quarter-hours for hundreds of meters must not churn the GC.
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
  // Parameters in fields: read per sample pair, millions of times a diagnosis.
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

  private evidence(a: number, b: number): void {
    const a1 = Math.max(a, this.fromMs);
    if (a1 > this.coveredEnd) this.run(this.silentRunMs, this.coveredEnd, a1);
    const b1 = Math.min(b, this.toMs);
    if (b1 > this.coveredEnd) this.coveredEnd = b1;
  }

  private flatTo(a: number, b: number): void {
    if (Number.isNaN(this.flatStart)) this.flatStart = a;
    this.flatEnd = b;
  }

  private flatClose(): void {
    if (!Number.isNaN(this.flatStart)) this.run(this.flatRunMs, this.flatStart, this.flatEnd);
    this.flatStart = Number.NaN;
  }

  private stepEvent(kind: number, b: number): void {
    if (kind === STEP_NONE || b - 1 < this.fromMs || b - 1 >= this.toMs) return;
    const k = this.idx(b - 1);
    if (kind === STEP_ROLLOVER) this.rollovers[k] = (this.rollovers[k] as number) + 1;
    else this.resets[k] = (this.resets[k] as number) + 1;
  }

  private pair(a: number, va: number, b: number, vb: number): void {
    const { fromMs, toMs, inc, covered } = this;
    if (b <= fromMs || a >= toMs) return;
    const spanMs = b - a;
    // A rising counter (nearly every pair) needs no classification.
    const kind = vb >= va ? STEP_NONE : stepKind(va, vb, this.rolloverAt);
    const delta = kind === STEP_NONE ? vb - va : stepDelta(va, vb, kind, this.rolloverAt);
    if (spanMs > this.maxGapMs) {
      this.flatClose();
      if (b - 1 >= fromMs && b - 1 < toMs) {
        const k = this.idx(b - 1);
        this.gapInc[k] = (this.gapInc[k] as number) + delta;
        if (!(a >= (this.gapFromMs[k] as number))) this.gapFromMs[k] = a; // NaN-aware min
      }
      this.stepEvent(kind, b);
      return;
    }
    this.evidence(a, b);
    if (va === vb) this.flatTo(a, b);
    else this.flatClose();
    const k0 = Math.max(0, this.idx(Math.max(a, fromMs)));
    const k1 = Math.min(this.last, this.idx(Math.min(b, toMs) - 1));
    if (k0 === k1 && a >= (this.startMs[k0] as number) && b <= (this.endMs[k0] as number)) {
      covered[k0] = (covered[k0] as number) + spanMs; // the whole step inside one interval
      inc[k0] = (inc[k0] as number) + delta;
    } else {
      for (let k = k0; k <= k1; k++) {
        const ov = Math.min(b, this.endMs[k] as number) - Math.max(a, this.startMs[k] as number);
        if (ov <= 0) continue;
        covered[k] = (covered[k] as number) + ov;
        inc[k] = (inc[k] as number) + (ov === spanMs ? delta : (delta * ov) / spanMs);
      }
    }
    this.stepEvent(kind, b);
  }

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
  ): void {
    if (this.havePrev) this.pair(this.prevTs, this.prevV, firstTs, firstV);
    else if (this.first && firstTs > this.fromMs && firstTs - 1 < this.toMs) {
      // A first reading after a silent start, nothing known before it: its catch-up is unknown.
      const k = this.idx(firstTs - 1);
      if (k >= 0 && k <= this.last) this.gapInc[k] = Number.NaN;
    }
    this.first = false;
    if (lastTs > firstTs) {
      const k = this.idx(firstTs);
      if (k >= 0 && k <= this.last) {
        this.covered[k] = (this.covered[k] as number) + (lastTs - firstTs);
        this.inc[k] = (this.inc[k] as number) + innerInc;
        this.resets[k] = (this.resets[k] as number) + drops;
      }
      this.evidence(firstTs, lastTs);
      if (flatHeadMs === lastTs - firstTs) this.flatTo(firstTs, lastTs);
      else {
        // The head run continues what came before; the inner longest lies inside this item's interval.
        this.flatTo(firstTs, firstTs + flatHeadMs);
        this.flatClose();
        if (k >= 0 && k <= this.last && flatMaxMs > (this.flatRunMs[k] as number))
          this.flatRunMs[k] = flatMaxMs;
        this.flatTo(lastTs - flatTailMs, lastTs);
      }
    } else this.flatTo(firstTs, firstTs);
    this.havePrev = true;
    this.prevTs = lastTs;
    this.prevV = lastV;
  }

  finish(after: EdgeSample | null): CounterColumns {
    if (this.havePrev && after) this.pair(this.prevTs, this.prevV, after.tsMs, after.v);
    this.flatClose();
    if (this.coveredEnd < this.toMs) this.run(this.silentRunMs, this.coveredEnd, this.toMs);
    const { inc, covered, resets, rollovers, gapInc, gapFromMs, silentRunMs, flatRunMs } = this;
    return { inc, coveredMs: covered, resets, rollovers, gapInc, gapFromMs, silentRunMs, flatRunMs };
  }
}
