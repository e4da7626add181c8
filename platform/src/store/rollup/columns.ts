import {
  F_ALL,
  F_DROPS,
  F_FIRST_ANY_TS,
  F_FIRST_TS,
  F_FIRST_V,
  F_FLAT_HEAD,
  F_FLAT_MAX,
  F_FLAT_TAIL,
  F_INC,
  F_LAST_ANY_TS,
  F_LAST_TS,
  F_LAST_V,
  F_MAX,
  F_MAX_GAP,
  F_MAX_HOLD,
  F_MIN,
  F_N,
  F_START,
  F_SUM,
  F_TW_MS,
  F_TW_SUM,
  F_USABLE,
  PACKED_FIELDS,
} from './pack.js';

/**
 * Rollup summaries decoded straight into one column per field, at index k = (bucket start − base) / width:
 * the form a query whose buckets ARE rollup buckets (quarter-hours from the 15-min tier, hours from the 1-h
 * tier) folds into — no packed copy in between. A bucket without a stored summary keeps zeros (n = nAll = 0).
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
  firstAnyTs: Float64Array;
  lastAnyTs: Float64Array;
  twSum: Float64Array;
  twMs: Float64Array;
  maxHold: Float64Array;
  flatHead: Float64Array;
  flatTail: Float64Array;
  flatMax: Float64Array;
};

/** Column name → packed field (rollup/pack.ts), in packed order. */
export const COLUMN_FIELDS: readonly (readonly [keyof BucketColumns, number])[] = [
  ['n', F_N],
  ['sum', F_SUM],
  ['min', F_MIN],
  ['max', F_MAX],
  ['firstTs', F_FIRST_TS],
  ['first', F_FIRST_V],
  ['lastTs', F_LAST_TS],
  ['last', F_LAST_V],
  ['inc', F_INC],
  ['drops', F_DROPS],
  ['maxGap', F_MAX_GAP],
  ['usable', F_USABLE],
  ['all', F_ALL],
  ['firstAnyTs', F_FIRST_ANY_TS],
  ['lastAnyTs', F_LAST_ANY_TS],
  ['twSum', F_TW_SUM],
  ['twMs', F_TW_MS],
  ['maxHold', F_MAX_HOLD],
  ['flatHead', F_FLAT_HEAD],
  ['flatTail', F_FLAT_TAIL],
  ['flatMax', F_FLAT_MAX],
];

/** Zeroed columns for nBuckets buckets: all of them, or the named ones (from `alloc`: fresh by default). */
export function bucketColumns(nBuckets: number): BucketColumns;
export function bucketColumns<K extends keyof BucketColumns>(
  nBuckets: number,
  names: readonly K[],
  alloc?: (n: number) => Float64Array,
): Pick<BucketColumns, K>;
export function bucketColumns(
  nBuckets: number,
  names: readonly (keyof BucketColumns)[] = COLUMN_FIELDS.map(([name]) => name),
  alloc: (n: number) => Float64Array = (n) => new Float64Array(n),
): Partial<BucketColumns> {
  return Object.fromEntries(names.map((name) => [name, alloc(nBuckets)]));
}

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
    const start = dv.getFloat64(o + F_START * 8, true);
    if (start < t.fromMs || start >= t.toMs) continue;
    const k = (start - t.baseMs) / t.widthMs;
    for (const [name, field] of COLUMN_FIELDS)
      (c[name] as Float64Array)[k] = dv.getFloat64(o + field * 8, true);
  }
}
