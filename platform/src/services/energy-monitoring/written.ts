import type { StoredPoint, TimeSeriesStore } from '../../store/types.js';

/**
 * The store as everybody in this process uses it, telling listeners — once a write is durable — the earliest
 * instant it wrote per factory, so caches of closed periods (the overview's closed months) are dropped when
 * late data arrives (an agent's store-and-forward queue, a history replay, a CLI import through the API).
 * Writes by another process sharing the store (scale-out on PostgreSQL + InfluxDB) are not seen here: the
 * cache owner keeps a time limit for those stores.
 */
export type WrittenListener = (factoryId: string, earliestTsMs: number) => void;

export type ObservedStore = {
  store: TimeSeriesStore;
  /** Adds a listener; returns its removal. */
  onWritten(listener: WrittenListener): () => void;
};

export function earliestPerFactory(points: readonly StoredPoint[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of points) {
    const t = out.get(p.factoryId);
    if (t === undefined || p.tsMs < t) out.set(p.factoryId, p.tsMs);
  }
  return out;
}

export function observeWrites(store: TimeSeriesStore): ObservedStore {
  const listeners = new Set<WrittenListener>();
  const write = async (points: StoredPoint[]): Promise<void> => {
    await store.write(points);
    if (listeners.size === 0) return;
    for (const [factoryId, ts] of earliestPerFactory(points)) for (const l of listeners) l(factoryId, ts);
  };
  const observed = new Proxy(store, {
    get(target, prop) {
      if (prop === 'write') return write;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    store: observed,
    onWritten(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
