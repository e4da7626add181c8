import { F_START, PACKED_FIELDS, type Packed } from '../rollup/pack.js';
import type { RawRow } from '../rollup/summary.js';
import type { SeriesKey } from '../types.js';
import type { StoreBackend } from './load.js';

/**
 * A window read for every series of a query at once: raw rows (widthMs 0) or stored rollups of widthMs
 * over [fromMs, toMs), read on the first request inside it (null: that read could not serve, ask per series).
 */
type Window = {
  fromMs: number;
  toMs: number;
  widthMs: number;
  read: Promise<Map<string, RawRow[] | Packed> | null> | null;
};
export type PrefetchWindow = { fromMs: number; toMs: number; widthMs: number };

const idOf = (k: SeriesKey) => `${k.factoryId}\u0000${k.deviceId}\u0000${k.metric}`;

/**
 * The backend with reads inside these windows served from one batched read per window for all the series
 * (StoreBackend.rowsMany / rollupsMany) instead of one round trip per series and read. What a query reads
 * around its range — the counter's readings before and after it, the look-back for a reading before it, a
 * held value's look-back — is a few short windows per series, each a whole round trip on a store answering
 * over HTTP. A window is read on the first request inside it (a look-back nobody needs costs nothing); a
 * read inside it gets the window's rows or buckets in its own range — what the store answers for it; a read
 * outside every window goes to the store as before. Rollup windows are brought up to date for all the series
 * first (prepareRollups), as the per-series read does before reading. The backend itself when it has no
 * batched reads, or for fewer than two series.
 */
export function withPrefetchedWindows(
  b: StoreBackend,
  keys: readonly SeriesKey[],
  windows: readonly PrefetchWindow[],
): StoreBackend {
  const rowsMany = b.rowsMany?.bind(b);
  const rollupsMany = b.rollupsMany?.bind(b);
  if (!rowsMany || !rollupsMany || keys.length < 2) return b;
  // Smallest first: a request is served by the smallest window holding it.
  const ws: Window[] = windows
    .filter((w) => w.toMs > w.fromMs)
    .sort((x, y) => x.toMs - x.fromMs - (y.toMs - y.fromMs))
    .map((w) => ({ ...w, read: null }));
  const readAll = async (w: Window): Promise<Map<string, RawRow[] | Packed> | null> => {
    const ks = [...keys];
    if (w.widthMs > 0 && !(await b.prepareRollups(ks, w.widthMs, w.fromMs, w.toMs))) return null;
    const got: (RawRow[] | Packed)[] =
      w.widthMs > 0
        ? await rollupsMany(ks, w.widthMs, w.fromMs, w.toMs)
        : await rowsMany(ks, w.fromMs, w.toMs);
    return new Map(ks.map((k, i) => [idOf(k), got[i] as RawRow[] | Packed]));
  };
  const lookup = async (key: SeriesKey, widthMs: number, fromMs: number, toMs: number) => {
    const w = ws.find((x) => x.widthMs === widthMs && x.fromMs <= fromMs && toMs <= x.toMs);
    if (!w) return undefined;
    w.read ??= readAll(w);
    return (await w.read)?.get(idOf(key));
  };
  return {
    rows: async (key, fromMs, toMs) => {
      const rows = (await lookup(key, 0, fromMs, toMs)) as RawRow[] | undefined;
      return rows ? rows.filter((r) => r.tsMs >= fromMs && r.tsMs < toMs) : await b.rows(key, fromMs, toMs);
    },
    rollups: async (key, widthMs, fromMs, toMs, into) => {
      const p = (await lookup(key, widthMs, fromMs, toMs)) as Packed | undefined;
      return p ? bucketsIn(p, fromMs, toMs) : await b.rollups(key, widthMs, fromMs, toMs, into);
    },
    rowsMany,
    rollupsMany,
    prepareRollups: (ks, widthMs, fromMs, toMs) => b.prepareRollups(ks, widthMs, fromMs, toMs),
    ...(b.rollupColumns ? { rollupColumns: b.rollupColumns.bind(b) } : {}),
    seriesConcurrency: b.seriesConcurrency,
  };
}

/** The buckets of packed summaries (sorted by start) starting in [fromMs, toMs), as a copy. */
function bucketsIn(p: Packed, fromMs: number, toMs: number): Packed {
  const n = p.length / PACKED_FIELDS;
  let a = 0;
  while (a < n && (p[a * PACKED_FIELDS + F_START] as number) < fromMs) a++;
  let e = a;
  while (e < n && (p[e * PACKED_FIELDS + F_START] as number) < toMs) e++;
  return p.slice(a * PACKED_FIELDS, e * PACKED_FIELDS);
}
