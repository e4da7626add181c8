import { type BucketColumns, COLUMN_FIELDS } from '../rollup/columns.js';
import { PACKED_FIELDS, type Packed } from '../rollup/pack.js';
import type { EdgeSample } from './counter-acc.js';

/** The fields of a counter item (a rollup summary, or one Good sample as a summary of one): bucket column names. */
const COUNTER_ITEM_FIELDS = [
  'n',
  'firstTs',
  'first',
  'lastTs',
  'last',
  'inc',
  'drops',
  'flatHead',
  'flatTail',
  'flatMax',
] as const satisfies readonly (keyof BucketColumns)[];
export type CounterItemField = (typeof COUNTER_ITEM_FIELDS)[number];

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

type Fields<T> = Record<CounterItemField, T>;
const eachField = <T>(value: (f: CounterItemField) => T): Fields<T> =>
  Object.fromEntries(COUNTER_ITEM_FIELDS.map((f) => [f, value(f)])) as Fields<T>;

const NO_OFFSETS = eachField(() => 0);
/** Each field's offset in a packed summary: the packed field its bucket column is decoded from. */
const PACKED_OFFSETS = eachField((f) => {
  const hit = COLUMN_FIELDS.find(([name]) => name === f);
  if (!hit) throw new Error(`bucket column ${f} has no packed field`);
  return hit[1];
});

/** Bucket columns as counter items (one bucket per interval, in time order). */
export function columnItems(c: Fields<Float64Array>): CounterItems {
  return { count: c.n.length, stride: 1, arrays: c, at: NO_OFFSETS };
}

/** Packed summaries as counter items: every field in the one array, at its offset. */
export function packedItems(items: Packed): CounterItems {
  const count = Math.floor(items.length / PACKED_FIELDS);
  return { count, stride: PACKED_FIELDS, arrays: eachField(() => items), at: PACKED_OFFSETS };
}

/** The reading after the range as an item of one sample (its own span empty: every other field 0). */
export function edgeItem(after: EdgeSample): CounterItems {
  const one: Partial<Fields<number>> = {
    n: 1,
    firstTs: after.tsMs,
    first: after.v,
    lastTs: after.tsMs,
    last: after.v,
  };
  return { count: 1, stride: 1, arrays: eachField((f) => Float64Array.of(one[f] ?? 0)), at: NO_OFFSETS };
}
