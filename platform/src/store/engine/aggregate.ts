import {
  F_FIRST_V,
  F_LAST_V,
  F_MAX,
  F_MIN,
  F_N,
  F_START,
  F_SUM,
  PACKED_FIELDS,
  type Packed,
} from '../rollup/pack.js';
import type { Aggregate, Bucket } from '../types.js';
import { alignDown, type Span } from './align.js';

/**
 * Folds packed summaries (rollup buckets or single points, sorted by time, each inside one query bucket)
 * into query buckets. Every bucket of the range is returned; an empty one has count 0 and value null
 * (0 for the count aggregate), so a gap stays visible.
 */
export function aggregateBuckets(
  items: Packed,
  spans: readonly Span[],
  fromMs: number,
  intervalMs: number,
  offsetMs: number,
  aggregate: Aggregate,
): Bucket[] {
  const nS = spans.length;
  const n = new Float64Array(nS);
  const sum = new Float64Array(nS);
  const min = new Float64Array(nS);
  const max = new Float64Array(nS);
  const first = new Float64Array(nS);
  const last = new Float64Array(nS);
  const base = alignDown(fromMs, intervalMs, offsetMs);
  for (let o = 0; o < items.length; o += PACKED_FIELDS) {
    const cnt = items[o + F_N] as number;
    if (cnt === 0) continue;
    const k = Math.floor(((items[o + F_START] as number) - base) / intervalMs);
    if (k < 0 || k >= nS) continue;
    if (n[k] === 0) {
      sum[k] = items[o + F_SUM] as number;
      min[k] = items[o + F_MIN] as number;
      max[k] = items[o + F_MAX] as number;
      first[k] = items[o + F_FIRST_V] as number;
    } else {
      sum[k] = (sum[k] as number) + (items[o + F_SUM] as number);
      if ((items[o + F_MIN] as number) < (min[k] as number)) min[k] = items[o + F_MIN] as number;
      if ((items[o + F_MAX] as number) > (max[k] as number)) max[k] = items[o + F_MAX] as number;
    }
    n[k] = (n[k] as number) + cnt;
    // Items arrive oldest first, so the latest item's last value is the bucket's last value.
    last[k] = items[o + F_LAST_V] as number;
  }
  const out: Bucket[] = new Array(nS);
  for (let k = 0; k < nS; k++) {
    const tsMs = (spans[k] as Span).startMs;
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
