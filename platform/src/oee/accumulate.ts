import type { CalendarSegment } from '@xiang/protocol';
import { CAT } from './mapping.js';
import { firstRunEndingAfter, type Runs } from './timeline.js';
import type { OeeTotals } from './types.js';

/**
 * The OEE loss tree for one bucket: the three-way intersection of machine runs, calendar segments and the
 * bucket, in one forward sweep.
 *
 * Inside calendar production time:   unknown → unknownMs (no data: neither planned nor operating time)
 *                                    running → runningMs · setup → setupMs · planned stop → machinePlannedStopMs
 *                                    idle / unplanned stop → microStopMs when the stop event is a micro-stop,
 *                                    else idleMs / breakdownMs
 * In breaks and off-shift:           running → runOutsidePlanMs (added to planned production time), unknown →
 *                                    unknownOutsideMs (coverage only), rest ignored.
 * plannedProductionMs = productionMs − machinePlannedStopMs − unknownMs + runOutsidePlanMs
 *                     = setup + breakdown + idle + micro + running + runOutsidePlan.
 * Missing data is never planned time: over a period longer than the data, availability is that of the
 * covered time, and the coverage says how much that is.
 */
export function accumulateTime(
  totals: OeeTotals,
  runs: Runs,
  stops: { micro: Uint8Array; eventStartMs: Float64Array },
  segments: CalendarSegment[],
  bucketStartMs: number,
  bucketEndMs: number,
): void {
  totals.calendarMs += bucketEndMs - bucketStartMs;
  let r = firstRunEndingAfter(runs, bucketStartMs);
  let c = firstSegmentEndingAfter(segments, bucketStartMs);
  let pos = bucketStartMs;
  // Every step advances pos, r or c: bounded by the number of runs and segments.
  const maxSteps = 2 * (runs.n + segments.length) + 8;
  for (let step = 0; step < maxSteps && pos < bucketEndMs; step++) {
    const seg = segments[c];
    if (!seg || seg.startMs >= bucketEndMs) break;
    const segB = Math.min(seg.endMs, bucketEndMs);
    if (pos < seg.startMs) pos = seg.startMs;
    if (pos >= segB) {
      c++;
      continue;
    }
    while (r < runs.n && (runs.endMs[r] as number) <= pos) r++;
    const runStart = r < runs.n ? (runs.startMs[r] as number) : Number.POSITIVE_INFINITY;
    if (runStart > pos) {
      // No run covers pos (before the first sample or after the last): unknown.
      const gapEnd = Math.min(runStart, segB);
      addPiece(totals, seg.kind, CAT.unknown, 0, Number.NaN, pos, gapEnd);
      pos = gapEnd;
    } else {
      const b = Math.min(runs.endMs[r] as number, segB);
      addPiece(
        totals,
        seg.kind,
        runs.cat[r] as number,
        stops.micro[r] as number,
        stops.eventStartMs[r] as number,
        pos,
        b,
      );
      pos = b;
    }
    if (pos >= segB) c++;
  }
  totals.plannedProductionMs =
    totals.productionMs - totals.machinePlannedStopMs - totals.unknownMs + totals.runOutsidePlanMs;
  totals.operatingMs = totals.runningMs + totals.runOutsidePlanMs + totals.microStopMs;
}

function addPiece(
  t: OeeTotals,
  kind: CalendarSegment['kind'],
  cat: number,
  micro: number,
  eventStartMs: number,
  a: number,
  b: number,
): void {
  const d = b - a;
  if (kind !== 'production') {
    if (kind === 'break') t.breakMs += d;
    else t.offShiftMs += d;
    if (cat === CAT.running) t.runOutsidePlanMs += d;
    else if (cat === CAT.unknown) t.unknownOutsideMs += d;
    return;
  }
  t.productionMs += d;
  switch (cat) {
    case CAT.running:
      t.runningMs += d;
      break;
    case CAT.setup:
      t.setupMs += d;
      break;
    case CAT.plannedStop:
      t.machinePlannedStopMs += d;
      break;
    case CAT.idle:
    case CAT.unplannedStop:
      if (micro) {
        t.microStopMs += d;
        if (a === eventStartMs) t.microStopCount++;
      } else if (cat === CAT.idle) t.idleMs += d;
      else t.breakdownMs += d;
      break;
    default:
      t.unknownMs += d;
  }
}

function firstSegmentEndingAfter(segs: CalendarSegment[], t: number): number {
  let lo = 0;
  let hi = segs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((segs[mid] as CalendarSegment).endMs <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
