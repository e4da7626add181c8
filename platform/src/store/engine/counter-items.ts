import {
  F_DROPS,
  F_FIRST_TS,
  F_FIRST_V,
  F_FLAT_HEAD,
  F_FLAT_MAX,
  F_FLAT_TAIL,
  F_INC,
  F_LAST_TS,
  F_LAST_V,
  F_N,
  PACKED_FIELDS,
  type Packed,
} from '../rollup/pack.js';
import type { EdgeSample } from './counter-acc.js';

/** The fields of a counter item (a rollup summary, or one Good sample as a summary of one). */
export type CounterItemField =
  | 'n'
  | 'firstTs'
  | 'first'
  | 'lastTs'
  | 'last'
  | 'inc'
  | 'drops'
  | 'flatHead'
  | 'flatTail'
  | 'flatMax';

/**
 * Counter items in time order, read where they lie: field f of item i is `arrays[f][i * stride + at[f]]` —
 * bucket columns (an array per field, stride 1, offsets 0) or packed summaries (one array for all fields,
 * stride PACKED_FIELDS, each field at its offset).
 */
export type CounterItems = {
  count: number;
  stride: number;
  arrays: Record<CounterItemField, Float64Array>;
  at: Record<CounterItemField, number>;
};

const NO_OFFSETS: Record<CounterItemField, number> = {
  n: 0,
  firstTs: 0,
  first: 0,
  lastTs: 0,
  last: 0,
  inc: 0,
  drops: 0,
  flatHead: 0,
  flatTail: 0,
  flatMax: 0,
};

/** Bucket columns as counter items (one bucket per interval, in time order). */
export function columnItems(c: Record<CounterItemField, Float64Array>): CounterItems {
  return { count: c.n.length, stride: 1, arrays: c, at: NO_OFFSETS };
}

/** The reading after the range as an item of one sample. */
export function edgeItem(after: EdgeSample): CounterItems {
  const t = Float64Array.of(after.tsMs);
  const v = Float64Array.of(after.v);
  const zero = new Float64Array(1);
  const arrays = { n: Float64Array.of(1), firstTs: t, first: v, lastTs: t, last: v };
  return {
    count: 1,
    stride: 1,
    arrays: { ...arrays, inc: zero, drops: zero, flatHead: zero, flatTail: zero, flatMax: zero },
    at: NO_OFFSETS,
  };
}

/** Packed summaries as counter items: every field in the one array, at its offset. */
export function packedItems(items: Packed): CounterItems {
  const arrays = {
    n: items,
    firstTs: items,
    first: items,
    lastTs: items,
    last: items,
    inc: items,
    drops: items,
    flatHead: items,
    flatTail: items,
    flatMax: items,
  };
  const at = {
    n: F_N,
    firstTs: F_FIRST_TS,
    first: F_FIRST_V,
    lastTs: F_LAST_TS,
    last: F_LAST_V,
    inc: F_INC,
    drops: F_DROPS,
    flatHead: F_FLAT_HEAD,
    flatTail: F_FLAT_TAIL,
    flatMax: F_FLAT_MAX,
  };
  return { count: Math.floor(items.length / PACKED_FIELDS), stride: PACKED_FIELDS, arrays, at };
}
