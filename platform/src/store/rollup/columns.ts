import {
  F_ALL as F_ALL_,
  F_DROPS as F_DROPS_,
  F_FIRST_TS as F_FIRST_TS_,
  F_FIRST_V as F_FIRST_V_,
  F_INC as F_INC_,
  F_LAST_TS as F_LAST_TS_,
  F_LAST_V as F_LAST_V_,
  F_MAX as F_MAX_,
  F_MAX_GAP as F_MAX_GAP_,
  F_MIN as F_MIN_,
  F_N as F_N_,
  F_START as F_START_,
  F_SUM as F_SUM_,
  F_USABLE as F_USABLE_,
  PACKED_FIELDS as PACKED_FIELDS_,
} from './pack.js';

// Packed field offsets as module constants: V8 folds these in the hot loop below, imported live bindings
// it does not.
const F_ALL = F_ALL_;
const F_DROPS = F_DROPS_;
const F_FIRST_TS = F_FIRST_TS_;
const F_FIRST_V = F_FIRST_V_;
const F_INC = F_INC_;
const F_LAST_TS = F_LAST_TS_;
const F_LAST_V = F_LAST_V_;
const F_MAX = F_MAX_;
const F_MAX_GAP = F_MAX_GAP_;
const F_MIN = F_MIN_;
const F_N = F_N_;
const F_START = F_START_;
const F_SUM = F_SUM_;
const F_USABLE = F_USABLE_;
const PACKED_FIELDS = PACKED_FIELDS_;

/**
 * Rollup summaries decoded straight into one column per field, at index k = (bucket start − base) / width:
 * the form a query whose buckets ARE rollup buckets (quarter-hours from the 15-min tier, hours from the 1-h
 * tier) folds into — no packed copy in between. A bucket without a stored summary keeps zeros (n = 0).
 */
export type BucketColumns = {
  n: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  firstTs: Float64Array;
  first: Float64Array;
  lastTs: Float64Array;
  last: Float64Array;
  inc: Float64Array;
  drops: Float64Array;
  maxGap: Float64Array;
  usable: Float64Array;
  all: Float64Array;
};

/** Zeroed columns for nBuckets buckets: all of them, or the named ones. */
export function bucketColumns(nBuckets: number): BucketColumns;
export function bucketColumns<K extends keyof BucketColumns>(
  nBuckets: number,
  names: readonly K[],
): Pick<BucketColumns, K>;
export function bucketColumns(
  nBuckets: number,
  names: readonly (keyof BucketColumns)[] = COLUMN_NAMES,
): Partial<BucketColumns> {
  return Object.fromEntries(names.map((name) => [name, new Float64Array(nBuckets)]));
}

const COLUMN_NAMES = [
  'n',
  'sum',
  'min',
  'max',
  'firstTs',
  'first',
  'lastTs',
  'last',
  'inc',
  'drops',
  'maxGap',
  'usable',
  'all',
] as const;

/** Where to put decoded buckets: those starting in [fromMs, toMs), at (start − baseMs) / widthMs. */
export type ColumnTarget = {
  cols: BucketColumns;
  fromMs: number;
  toMs: number;
  baseMs: number;
  widthMs: number;
};

/** The entries of a packed page (rollup/pack.ts, little-endian doubles) into the target columns. */
export function packedPageInto(page: Uint8Array, t: ColumnTarget): void {
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const c = t.cols;
  const entries = Math.floor(page.byteLength / (PACKED_FIELDS * 8));
  for (let e = 0; e < entries; e++) {
    const o = e * PACKED_FIELDS * 8;
    const f = (i: number) => dv.getFloat64(o + i * 8, true);
    const start = f(F_START);
    if (start < t.fromMs || start >= t.toMs) continue;
    const k = (start - t.baseMs) / t.widthMs;
    c.n[k] = f(F_N);
    c.sum[k] = f(F_SUM);
    c.min[k] = f(F_MIN);
    c.max[k] = f(F_MAX);
    c.firstTs[k] = f(F_FIRST_TS);
    c.first[k] = f(F_FIRST_V);
    c.lastTs[k] = f(F_LAST_TS);
    c.last[k] = f(F_LAST_V);
    c.inc[k] = f(F_INC);
    c.drops[k] = f(F_DROPS);
    c.maxGap[k] = f(F_MAX_GAP);
    c.usable[k] = f(F_USABLE);
    c.all[k] = f(F_ALL);
  }
}
