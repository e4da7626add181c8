import type { Aggregate, Bucket } from '../types.js';
import type { Summary } from '../rollup/summary.js';
import { type Span, spanIndex } from './align.js';

type Acc = { n: number; sum: number; min: number; max: number; first: number; last: number };

/**
 * Folds summaries (rollup buckets or single points, sorted by time, each inside one query bucket) into
 * query buckets. Every bucket of the range is returned; an empty one has count 0 and value null
 * (0 for the count aggregate), so a gap stays visible.
 */
export function aggregateBuckets(
  items: readonly Summary[],
  spans: readonly Span[],
  fromMs: number,
  intervalMs: number,
  offsetMs: number,
  aggregate: Aggregate,
): Bucket[] {
  const accs: (Acc | undefined)[] = new Array(spans.length);
  for (const it of items) {
    if (it.n === 0) continue;
    const k = spanIndex(it.startMs, fromMs, intervalMs, offsetMs);
    if (k < 0 || k >= spans.length) continue;
    const a = accs[k];
    if (!a) {
      accs[k] = { n: it.n, sum: it.sum, min: it.min, max: it.max, first: it.firstV, last: it.lastV };
      continue;
    }
    a.n += it.n;
    a.sum += it.sum;
    if (it.min < a.min) a.min = it.min;
    if (it.max > a.max) a.max = it.max;
    // Items arrive oldest first, so the latest item's last value is the bucket's last value.
    a.last = it.lastV;
  }
  return spans.map((s, k) => {
    const a = accs[k];
    if (!a) return { tsMs: s.startMs, value: aggregate === 'count' ? 0 : null, count: 0 };
    return { tsMs: s.startMs, value: valueOf(a, aggregate), count: a.n };
  });
}

function valueOf(a: Acc, aggregate: Aggregate): number {
  switch (aggregate) {
    case 'mean':
      return a.sum / a.n;
    case 'min':
      return a.min;
    case 'max':
      return a.max;
    case 'first':
      return a.first;
    case 'last':
      return a.last;
    case 'sum':
      return a.sum;
    case 'count':
      return a.n;
  }
}
