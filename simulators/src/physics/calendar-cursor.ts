import {
  type CalendarSegment,
  type CalendarSegmentKind,
  calendarSegments,
  type ShiftCalendar,
} from '@xiang/protocol';

const DAY = 86_400_000;

export type SegmentAt = {
  kind: CalendarSegmentKind;
  startMs: number;
  endMs: number;
  /** Start of the off-shift/break run this instant is in, or of production; clipped to the cached window. */
};

/**
 * Answers "which calendar segment contains t" for a clock that mostly moves forward, without recomputing the
 * calendar every tick: segments are cached for a window of days around t and recomputed when t leaves it.
 */
export class CalendarCursor {
  private segs: CalendarSegment[] = [];
  private fromMs = 0;
  private toMs = 0;
  private idx = 0;
  constructor(private readonly cal: ShiftCalendar) {}

  at(tMs: number): SegmentAt {
    if (tMs < this.fromMs || tMs >= this.toMs) {
      // Four days back so an off-shift run over a weekend keeps its true start (afterShiftMinutes).
      this.fromMs = tMs - 4 * DAY;
      this.toMs = tMs + 3 * DAY;
      this.segs = calendarSegments(this.cal, this.fromMs, this.toMs);
      this.idx = 0;
    }
    let seg = this.segs[this.idx];
    if (!seg || tMs < seg.startMs) {
      this.idx = 0;
      seg = this.segs[0];
    }
    for (let n = 0; seg && tMs >= seg.endMs && n < this.segs.length; n++) {
      this.idx++;
      seg = this.segs[this.idx];
    }
    if (!seg) return { kind: 'offShift', startMs: this.fromMs, endMs: this.toMs };
    return { kind: seg.kind, startMs: seg.startMs, endMs: seg.endMs };
  }
}
