import type { BucketColumns } from '../rollup/columns.js';
import {
  F_DROPS as F_DROPS_,
  F_FIRST_TS as F_FIRST_TS_,
  F_FIRST_V as F_FIRST_V_,
  F_INC as F_INC_,
  F_LAST_TS as F_LAST_TS_,
  F_LAST_V as F_LAST_V_,
  F_MAX_GAP as F_MAX_GAP_,
  F_N as F_N_,
  PACKED_FIELDS as PACKED_FIELDS_,
  type Packed,
} from '../rollup/pack.js';
import { STEP_NONE, STEP_ROLLOVER, stepDelta, stepKind } from '../rollup/summary.js';
import type { CounterInterval } from '../types.js';
import { alignDown, type Span, StoreQueryError } from './align.js';

// Packed field offsets as module constants: V8 folds these in the hot loops below, imported live bindings
// it does not (measured 4–8× on a year of quarter-hours).
const F_DROPS = F_DROPS_;
const F_FIRST_TS = F_FIRST_TS_;
const F_FIRST_V = F_FIRST_V_;
const F_INC = F_INC_;
const F_LAST_TS = F_LAST_TS_;
const F_LAST_V = F_LAST_V_;
const F_MAX_GAP = F_MAX_GAP_;
const F_N = F_N_;
const PACKED_FIELDS = PACKED_FIELDS_;

export const DEFAULT_MAX_GAP_MS = 15 * 60_000;

export type CounterParams = { maxGapMs: number; rolloverAt?: number };
/** A Good counter sample just outside the query range, used to interpolate at its edges. */
export type EdgeSample = { tsMs: number; v: number };

/** The counter parameters of a counter or summary query, validated. */
export function counterParams(what: string, q: { maxGapMs?: number; rolloverAt?: number }): CounterParams {
  const p: CounterParams = { maxGapMs: q.maxGapMs ?? DEFAULT_MAX_GAP_MS, rolloverAt: q.rolloverAt };
  if (!(p.maxGapMs > 0)) throw new StoreQueryError(`${what}: maxGapMs must be positive`);
  if (p.rolloverAt !== undefined && !(p.rolloverAt > 0 && Number.isFinite(p.rolloverAt))) {
    throw new StoreQueryError(`${what}: rolloverAt must be a positive finite number`);
  }
  return p;
}

/**
 * A rollup bucket can stand in for its raw samples only when nothing inside it depends on the query's
 * parameters: no inner spacing wider than maxGapMs (that stretch would be a gap) and, when a rollover value
 * is given, no inner drop (it might be a rollover rather than the reset the rollup assumed).
 */
export function needsRawSamples(items: Packed, o: number, p: CounterParams): boolean {
  return (
    (items[o + F_N] as number) > 1 &&
    ((items[o + F_MAX_GAP] as number) > p.maxGapMs ||
      ((items[o + F_DROPS] as number) > 0 && p.rolloverAt !== undefined))
  );
}

/** Counter columns per query interval: increase accumulated, time covered (ms), resets, rollovers. */
export type CounterColumns = {
  inc: Float64Array;
  coveredMs: Float64Array;
  resets: Uint32Array;
  rollovers: Uint32Array;
};

/**
 * Interval consumption from a counter. Consecutive Good samples (a, b) no further apart than maxGapMs
 * cover the time between them and carry their step's consumption, shared out linearly over the intervals
 * that (a, b) overlaps — which is linear interpolation of the counter at interval edges, exact when samples
 * sit on the edges. Wider spacings cover nothing. An interval not fully covered has increase null: a
 * missing meter is a gap, never zero. A reset or rollover belongs to the interval in which its step ends.
 */
export function counterColumns(
  items: Packed,
  spans: readonly Span[],
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  p: CounterParams,
  before: EdgeSample | null,
  after: EdgeSample | null,
): CounterColumns {
  const acc = counterAccumulator(spans, fromMs, toMs, intervalMs, offsetMs, p, before);
  for (let o = 0; o < items.length; o += PACKED_FIELDS) {
    if (items[o + F_N] === 0) continue;
    acc.item(
      items[o + F_FIRST_TS] as number,
      items[o + F_FIRST_V] as number,
      items[o + F_LAST_TS] as number,
      items[o + F_LAST_V] as number,
      items[o + F_INC] as number,
      items[o + F_DROPS] as number,
    );
  }
  return acc.finish(after);
}

/** True when some bucket's answer depends on the query's parameters (needsRawSamples, over columns). */
export function columnsNeedRawSamples(c: BucketColumns, p: CounterParams): boolean {
  for (let k = 0; k < c.n.length; k++) {
    if (
      (c.n[k] as number) > 1 &&
      ((c.maxGap[k] as number) > p.maxGapMs || ((c.drops[k] as number) > 0 && p.rolloverAt !== undefined))
    ) {
      return true;
    }
  }
  return false;
}

/** counterColumns over bucket columns (one rollup bucket per query interval, in time order). */
export function counterFromColumns(
  c: BucketColumns,
  spans: readonly Span[],
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  p: CounterParams,
  before: EdgeSample | null,
  after: EdgeSample | null,
): CounterColumns {
  const acc = counterAccumulator(spans, fromMs, toMs, intervalMs, offsetMs, p, before);
  const { n, firstTs, first, lastTs, last, inc, drops } = c;
  for (let k = 0; k < n.length; k++) {
    if (n[k] === 0) continue;
    acc.item(
      firstTs[k] as number,
      first[k] as number,
      lastTs[k] as number,
      last[k] as number,
      inc[k] as number,
      drops[k] as number,
    );
  }
  return acc.finish(after);
}

/** The pairing of counterColumns: items (summaries, oldest first) go in one by one. */
function counterAccumulator(
  spans: readonly Span[],
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  p: CounterParams,
  before: EdgeSample | null,
) {
  const nSpans = spans.length;
  // Typed accumulators: a year of quarter-hours for hundreds of meters must not churn the GC.
  const inc = new Float64Array(nSpans);
  const covered = new Float64Array(nSpans);
  const resets = new Uint32Array(nSpans);
  const rollovers = new Uint32Array(nSpans);
  const last = nSpans - 1;
  const base = alignDown(fromMs, intervalMs, offsetMs);
  const idx = (t: number) => Math.floor((t - base) / intervalMs);
  const pair = (a: number, va: number, b: number, vb: number) => {
    const spanMs = b - a;
    if (spanMs > p.maxGapMs || b <= fromMs || a >= toMs) return;
    const kind = stepKind(va, vb, p.rolloverAt);
    const delta = stepDelta(va, vb, kind, p.rolloverAt);
    const k0 = Math.max(0, idx(Math.max(a, fromMs)));
    const k1 = Math.min(last, idx(Math.min(b, toMs) - 1));
    if (k0 === k1 && a >= (spans[k0] as Span).startMs && b <= (spans[k0] as Span).endMs) {
      covered[k0] = (covered[k0] as number) + spanMs; // the whole step inside one interval
      inc[k0] = (inc[k0] as number) + delta;
    } else {
      for (let k = k0; k <= k1; k++) {
        const s = spans[k] as Span;
        const ov = Math.min(b, s.endMs) - Math.max(a, s.startMs);
        if (ov <= 0) continue;
        covered[k] = (covered[k] as number) + ov;
        inc[k] = (inc[k] as number) + (ov === spanMs ? delta : (delta * ov) / spanMs);
      }
    }
    if (kind !== STEP_NONE && b - 1 >= fromMs && b - 1 < toMs) {
      const k = idx(b - 1);
      if (kind === STEP_ROLLOVER) rollovers[k] = (rollovers[k] as number) + 1;
      else resets[k] = (resets[k] as number) + 1;
    }
  };

  let havePrev = before !== null;
  let prevTs = before?.tsMs ?? 0;
  let prevV = before?.v ?? 0;
  return {
    item(firstTs: number, firstV: number, lastTs: number, lastV: number, innerInc: number, drops: number) {
      if (havePrev) pair(prevTs, prevV, firstTs, firstV);
      if (lastTs > firstTs) {
        const k = idx(firstTs);
        if (k >= 0 && k <= last) {
          covered[k] = (covered[k] as number) + (lastTs - firstTs);
          inc[k] = (inc[k] as number) + innerInc;
          resets[k] = (resets[k] as number) + drops;
        }
      }
      havePrev = true;
      prevTs = lastTs;
      prevV = lastV;
    },
    finish(after: EdgeSample | null): CounterColumns {
      if (havePrev && after) pair(prevTs, prevV, after.tsMs, after.v);
      return { inc, coveredMs: covered, resets, rollovers };
    },
  };
}

/** counterColumns as CounterInterval objects (the `counterIncrease()` answer). */
export function counterIntervals(
  items: Packed,
  spans: readonly Span[],
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  p: CounterParams,
  before: EdgeSample | null,
  after: EdgeSample | null,
): CounterInterval[] {
  const c = counterColumns(items, spans, fromMs, toMs, intervalMs, offsetMs, p, before, after);
  const out: CounterInterval[] = new Array(spans.length);
  for (let k = 0; k < spans.length; k++) {
    const s = spans[k] as Span;
    const lenMs = s.endMs - s.startMs;
    const cov = c.coveredMs[k] as number;
    out[k] = {
      startMs: s.startMs,
      endMs: s.endMs,
      increase: cov >= lenMs ? (c.inc[k] as number) : null,
      coverage: cov / lenMs,
      resets: c.resets[k] as number,
      rollovers: c.rollovers[k] as number,
    };
  }
  return out;
}
