/** Bucket alignment shared by both stores: buckets start at k·intervalMs + alignOffsetMs (epoch ms). */

export const MINUTE_MS = 60_000;
export const QUARTER_MS = 900_000;
export const HOUR_MS = 3_600_000;

/** A guard against accidental huge queries (e.g. 1-s buckets over a year): per query, across all series. */
export const MAX_BUCKETS_PER_QUERY = 20_000_000;

export class StoreQueryError extends Error {
  override name = 'StoreQueryError';
}

/** Non-negative remainder (JS `%` keeps the sign of the dividend). */
export function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

export function alignDown(tsMs: number, intervalMs: number, offsetMs = 0): number {
  return tsMs - mod(tsMs - offsetMs, intervalMs);
}

/**
 * The buckets of a query, clipped to the query range [fromMs, toMs), oldest first: bucket k is
 * [startMs[k], endMs[k]). Columns rather than an object per bucket — a year of quarter-hours is 35 040 buckets
 * per query, and objects that live through a query are copied by every young-generation GC.
 */
export type Spans = { readonly length: number; readonly startMs: Float64Array; readonly endMs: Float64Array };

/** Every aligned bucket that intersects [fromMs, toMs), clipped to the range, oldest first. */
export function spansIn(fromMs: number, toMs: number, intervalMs: number, offsetMs = 0): Spans {
  const first = alignDown(fromMs, intervalMs, offsetMs);
  const n = toMs > fromMs ? Math.ceil((toMs - first) / intervalMs) : 0;
  const startMs = new Float64Array(n);
  const endMs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = first + i * intervalMs;
    startMs[i] = Math.max(s, fromMs);
    endMs[i] = Math.min(s + intervalMs, toMs);
  }
  return { length: n, startMs, endMs };
}

/** Index of the span containing tsMs (ts must lie in [fromMs, toMs) or in a W-bucket nested in a span). */
export function spanIndex(tsMs: number, fromMs: number, intervalMs: number, offsetMs = 0): number {
  const first = alignDown(fromMs, intervalMs, offsetMs);
  return Math.floor((tsMs - first) / intervalMs);
}

export function bucketCount(fromMs: number, toMs: number, intervalMs: number, offsetMs = 0): number {
  if (!(toMs > fromMs)) return 0;
  return Math.ceil((toMs - alignDown(fromMs, intervalMs, offsetMs)) / intervalMs);
}

/** Rollup tiers, widest first. */
export const ROLLUP_WIDTHS_MS = [HOUR_MS, QUARTER_MS, MINUTE_MS] as const;

/**
 * The rollup width a bucketed query can be served from: the widest tier (1 h, 15 min, 1 min) of which both
 * the interval and the alignment offset are whole multiples, else 0 (raw points only). Rollup buckets then
 * nest exactly inside query buckets, so a query bucket is a union of whole rollup buckets (plus clipped ends).
 */
export function rollupWidthFor(intervalMs: number, offsetMs = 0): number {
  for (const w of ROLLUP_WIDTHS_MS) {
    if (intervalMs % w === 0 && mod(offsetMs, w) === 0) return w;
  }
  return 0;
}

export function checkRange(what: string, fromMs: number, toMs: number): void {
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs)) {
    throw new StoreQueryError(`${what}: fromMs and toMs must be integer epoch milliseconds`);
  }
}

export function checkInterval(what: string, intervalMs: number, offsetMs: number | undefined): void {
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) {
    throw new StoreQueryError(`${what}: intervalMs must be a positive integer number of milliseconds`);
  }
  if (offsetMs !== undefined && !Number.isSafeInteger(offsetMs)) {
    throw new StoreQueryError(`${what}: alignOffsetMs must be an integer number of milliseconds`);
  }
}

export function checkBucketBudget(what: string, buckets: number): void {
  if (buckets > MAX_BUCKETS_PER_QUERY) {
    throw new StoreQueryError(
      `${what}: ${buckets} buckets exceed the limit of ${MAX_BUCKETS_PER_QUERY}; use a wider interval or a shorter range`,
    );
  }
}
