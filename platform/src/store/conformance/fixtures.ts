import type { SeriesKey, StoredPoint, TimeSeriesStore } from '../types.js';

export type MakeStore = () => Promise<{ store: TimeSeriesStore; cleanup: () => Promise<void> }>;
export type Ctx = { store: TimeSeriesStore };
/** Test groups receive a getter: the store is created per test in beforeEach. */
export type GetCtx = () => Ctx;

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Monday 2024-01-01 00:00 UTC — fixed, so every expected number is hand-computable. */
export const T0 = Date.UTC(2024, 0, 1);
/** Local midnight 2024-01-02 in UTC+8 (China): 2024-01-01 16:00 UTC. */
export const LOCAL_MIDNIGHT = Date.UTC(2024, 0, 1, 16);
export const UTC8_OFFSET_MS = -8 * HOUR;

export const GOOD = 0;
export const UNCERTAIN = 0x40000000;
export const BAD = 0x80000000;
export const BAD_SENSOR = 0x808c0000;

export function key(deviceId: string, metric = 'energyImport', factoryId = 'F1'): SeriesKey {
  return { factoryId, deviceId, metric };
}

export function pt(
  k: SeriesKey,
  tsMs: number,
  value: number | null,
  status = GOOD,
  text?: string | null,
): StoredPoint {
  return { ...k, tsMs, value, status, ...(text !== undefined ? { text } : {}) };
}

/** Counter samples at T0 + offsets (minutes). */
export function samples(
  k: SeriesKey,
  startMs: number,
  pairs: [minutes: number, value: number][],
): StoredPoint[] {
  return pairs.map(([m, v]) => pt(k, startMs + m * MIN, v));
}

/** A small deterministic PRNG (mulberry32) so generated data is the same on every run and store. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
