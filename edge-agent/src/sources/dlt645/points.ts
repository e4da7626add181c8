import type { Format } from './bcd.js';
import { DATA_ITEM_KEYS, DATA_ITEMS } from './dis.js';
import type { DataPoint, Dlt645DeviceConfig } from './schema.js';

/** One value a meter is asked for: one read-data request (11H) of one DI. */
export type ResolvedPoint = Omit<DataPoint, 'di' | 'format' | 'signed'> & {
  di: string;
  format: Format;
  signed: boolean;
};

/** The standard items of a device (narrowed by `only`) plus its own points, or why not. */
export function devicePoints(d: Pick<Dlt645DeviceConfig, 'only' | 'points'>): ResolvedPoint[] | string {
  const unknown = (d.only ?? []).filter((k) => !DATA_ITEM_KEYS.includes(k));
  if (unknown.length > 0)
    return `only: unknown key(s) ${unknown.join(', ')} (standard items: ${DATA_ITEM_KEYS.join(', ')})`;
  const standard =
    d.only !== undefined
      ? DATA_ITEMS.filter((i) => d.only!.includes(i.key))
      : d.points?.length
        ? []
        : DATA_ITEMS;
  const out: ResolvedPoint[] = standard.map((i) => ({
    key: i.key,
    di: i.di,
    format: i.format,
    signed: i.signed,
    quantity: i.quantity,
    unit: i.unit,
    ...(i.phase ? { phase: i.phase } : {}),
  }));
  for (const p of d.points ?? []) out.push({ ...p, di: p.di.toUpperCase() });
  if (out.length === 0) return 'no data items: give `only` keys or `points`';
  return out;
}
