import { alignDown, HOUR_MS } from '../engine/align.js';
import { seriesKeyString } from '../engine/points.js';
import type { DirtyHour } from './sidecar.js';

/** Dirty hours of one series are rebuilt from one paged raw read over at most this many days. */
const MAX_SPAN_DAYS = 366;
/** Dirty days of one series at most this many days apart are rebuilt in one span (one raw read). */
const MAX_SPAN_GAP_DAYS = 7;
const DAY_MS = 86_400_000;

/** Dirty hours (sorted by series, then hour) split per series. */
export function dirtyBySeries(dirty: readonly DirtyHour[]): DirtyHour[][] {
  const out: DirtyHour[][] = [];
  let ks = '';
  for (const d of dirty) {
    const k = seriesKeyString(d.key);
    if (out.length === 0 || k !== ks) out.push([]);
    ks = k;
    (out[out.length - 1] as DirtyHour[]).push(d);
  }
  return out;
}

/**
 * One series' dirty hours (sorted) as rebuild spans of whole UTC days; `fromMs: null` when the span's raw
 * points are past the raw retention (only its marks are cleared). A day that starts before the raw horizon
 * is rebuilt from its first dirty hour on (its other hours are kept from the stored page).
 */
export function spansOf(
  hours: readonly DirtyHour[],
  rawHorizonMs: number,
): { fromMs: number | null; toMs: number; marks: DirtyHour[] }[] {
  const out: { fromMs: number | null; toMs: number; marks: DirtyHour[] }[] = [];
  let cur: { day0: number; dayEnd: number; marks: DirtyHour[] } | null = null;
  const close = () => {
    if (!cur) return;
    const first = (cur.marks[0] as DirtyHour).hourMs;
    const fromMs = first < rawHorizonMs ? null : Math.max(cur.day0, alignUp(rawHorizonMs, HOUR_MS));
    out.push({ fromMs, toMs: cur.dayEnd, marks: cur.marks });
  };
  for (const d of hours) {
    const day = alignDown(d.hourMs, DAY_MS);
    if (
      cur &&
      day < cur.dayEnd + MAX_SPAN_GAP_DAYS * DAY_MS &&
      day + DAY_MS - cur.day0 <= MAX_SPAN_DAYS * DAY_MS &&
      d.hourMs < rawHorizonMs === (cur.marks[0] as DirtyHour).hourMs < rawHorizonMs
    ) {
      cur.dayEnd = Math.max(cur.dayEnd, day + DAY_MS);
      cur.marks.push(d);
      continue;
    }
    close();
    cur = { day0: day, dayEnd: day + DAY_MS, marks: [d] };
  }
  close();
  return out;
}

function alignUp(tsMs: number, widthMs: number): number {
  if (!Number.isFinite(tsMs)) return tsMs;
  const d = alignDown(tsMs, widthMs);
  return d === tsMs ? d : d + widthMs;
}
