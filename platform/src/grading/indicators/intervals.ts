import type { Interval } from '../../oee/index.js';

/** Interval arithmetic for the time-based indicator definitions (all inputs half-open [startMs, endMs)). */

/** Sorted, merged, non-empty intervals. */
export function union(list: Interval[]): Interval[] {
  const sorted = list.filter((i) => i.endMs > i.startMs).sort((a, b) => a.startMs - b.startMs);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.startMs <= last.endMs) last.endMs = Math.max(last.endMs, i.endMs);
    else out.push({ startMs: i.startMs, endMs: i.endMs });
  }
  return out;
}

/** Intersection of two unions (each sorted and merged). */
export function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Interval;
    const y = b[j] as Interval;
    const s = Math.max(x.startMs, y.startMs);
    const e = Math.min(x.endMs, y.endMs);
    if (e > s) out.push({ startMs: s, endMs: e });
    if (x.endMs < y.endMs) i++;
    else j++;
  }
  return out;
}

export function measure(list: Interval[]): number {
  return list.reduce((s, i) => s + Math.max(0, i.endMs - i.startMs), 0);
}

export function clip(list: Interval[], fromMs: number, toMs: number): Interval[] {
  return list
    .map((i) => ({ startMs: Math.max(i.startMs, fromMs), endMs: Math.min(i.endMs, toMs) }))
    .filter((i) => i.endMs > i.startMs);
}
