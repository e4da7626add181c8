import type { Packed } from '../rollup/pack.js';
import type { Aggregate, Bucket } from '../types.js';
import { alignDown, type Spans } from './align.js';
import { foldSummaries } from './fold.js';

/**
 * Folds packed summaries (rollup buckets or single points, sorted by time, each inside one query bucket)
 * into query buckets. Every bucket of the range is returned; an empty one has count 0 and value null
 * (0 for the count aggregate), so a gap stays visible.
 */
export function aggregateBuckets(
  items: Packed,
  spans: Spans,
  fromMs: number,
  intervalMs: number,
  offsetMs: number,
  aggregate: Aggregate,
): Bucket[] {
  const nS = spans.length;
  const { n, sum, min, max, first, last } = foldSummaries(
    items,
    nS,
    alignDown(fromMs, intervalMs, offsetMs),
    intervalMs,
  );
  const out: Bucket[] = new Array(nS);
  for (let k = 0; k < nS; k++) {
    const tsMs = spans.startMs[k] as number;
    const c = n[k] as number;
    if (c === 0) {
      out[k] = { tsMs, value: aggregate === 'count' ? 0 : null, count: 0 };
      continue;
    }
    let value: number;
    switch (aggregate) {
      case 'mean':
        value = (sum[k] as number) / c;
        break;
      case 'min':
        value = min[k] as number;
        break;
      case 'max':
        value = max[k] as number;
        break;
      case 'first':
        value = first[k] as number;
        break;
      case 'last':
        value = last[k] as number;
        break;
      case 'sum':
        value = sum[k] as number;
        break;
      default:
        value = c;
    }
    out[k] = { tsMs, value, count: c };
  }
  return out;
}
