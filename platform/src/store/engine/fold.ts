import {
  F_ALL as F_ALL_,
  F_FIRST_TS as F_FIRST_TS_,
  F_FIRST_V as F_FIRST_V_,
  F_LAST_TS as F_LAST_TS_,
  F_LAST_V as F_LAST_V_,
  F_MAX as F_MAX_,
  F_MIN as F_MIN_,
  F_N as F_N_,
  F_START as F_START_,
  F_SUM as F_SUM_,
  F_USABLE as F_USABLE_,
  PACKED_FIELDS as PACKED_FIELDS_,
  type Packed,
} from '../rollup/pack.js';

// Packed field offsets as module constants: V8 folds these in the hot loops below, imported live bindings
// it does not (measured 4–8× on a year of quarter-hours).
const F_ALL = F_ALL_;
const F_FIRST_TS = F_FIRST_TS_;
const F_FIRST_V = F_FIRST_V_;
const F_LAST_TS = F_LAST_TS_;
const F_LAST_V = F_LAST_V_;
const F_MAX = F_MAX_;
const F_MIN = F_MIN_;
const F_N = F_N_;
const F_START = F_START_;
const F_SUM = F_SUM_;
const F_USABLE = F_USABLE_;
const PACKED_FIELDS = PACKED_FIELDS_;

/**
 * Packed summaries folded into query buckets, as columns. The one place where aggregates and sample counts
 * are combined: `query()`, `coverage()` and `summaries()` all read these columns, so they cannot disagree.
 * Value columns are meaningful only where n > 0.
 */
export type Folded = {
  n: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  firstTs: Float64Array;
  first: Float64Array;
  lastTs: Float64Array;
  last: Float64Array;
  usable: Float64Array;
  all: Float64Array;
};

/**
 * Folds packed summaries (rollup buckets or single points, sorted by time, each inside one query bucket)
 * into nBuckets query buckets starting at base (the aligned start of the first bucket).
 */
export function foldSummaries(items: Packed, nBuckets: number, base: number, intervalMs: number): Folded {
  const f: Folded = {
    n: new Float64Array(nBuckets),
    sum: new Float64Array(nBuckets),
    min: new Float64Array(nBuckets),
    max: new Float64Array(nBuckets),
    firstTs: new Float64Array(nBuckets),
    first: new Float64Array(nBuckets),
    lastTs: new Float64Array(nBuckets),
    last: new Float64Array(nBuckets),
    usable: new Float64Array(nBuckets),
    all: new Float64Array(nBuckets),
  };
  const { n, sum, min, max, firstTs, first, lastTs, last, usable, all } = f;
  for (let o = 0; o < items.length; o += PACKED_FIELDS) {
    const k = Math.floor(((items[o + F_START] as number) - base) / intervalMs);
    if (k < 0 || k >= nBuckets) continue;
    usable[k] = (usable[k] as number) + (items[o + F_USABLE] as number);
    all[k] = (all[k] as number) + (items[o + F_ALL] as number);
    const cnt = items[o + F_N] as number;
    if (cnt === 0) continue;
    if (n[k] === 0) {
      sum[k] = items[o + F_SUM] as number;
      min[k] = items[o + F_MIN] as number;
      max[k] = items[o + F_MAX] as number;
      firstTs[k] = items[o + F_FIRST_TS] as number;
      first[k] = items[o + F_FIRST_V] as number;
    } else {
      sum[k] = (sum[k] as number) + (items[o + F_SUM] as number);
      if ((items[o + F_MIN] as number) < (min[k] as number)) min[k] = items[o + F_MIN] as number;
      if ((items[o + F_MAX] as number) > (max[k] as number)) max[k] = items[o + F_MAX] as number;
    }
    n[k] = (n[k] as number) + cnt;
    // Items arrive oldest first, so the latest item's last value is the bucket's last value.
    lastTs[k] = items[o + F_LAST_TS] as number;
    last[k] = items[o + F_LAST_V] as number;
  }
  return f;
}
