import {
  type CalendarSegment,
  calendarSegments,
  localDateOf,
  localMidnight,
  type ShiftCalendar,
  shiftWindows,
} from '@xiang/protocol';

const DAY_MS = 86_400_000;

/**
 * Calendar facts shared by every machine of a factory for one window, computed once: contiguous production /
 * break / off-shift segments, the local days and the shifts (clipped to the window). Without a calendar the
 * factory is taken to run 24/7 (all time is production time, no shifts) — stated in the OEE README.
 */
export type CalendarContext = {
  fromMs: number;
  toMs: number;
  segments: CalendarSegment[];
  days: { date: string; startMs: number; endMs: number }[];
  shifts: { shift: string; date: string; startMs: number; endMs: number }[];
  hasCalendar: boolean;
};

export function prepareCalendar(
  cal: ShiftCalendar | undefined,
  fromMs: number,
  toMs: number,
  utcOffsetMinutes = 480,
): CalendarContext {
  if (!(toMs > fromMs)) throw new Error(`empty window: fromMs ${fromMs} must be before toMs ${toMs}`);
  const offset = { utcOffsetMinutes: cal?.utcOffsetMinutes ?? utcOffsetMinutes };
  const days: CalendarContext['days'] = [];
  const maxDays = Math.ceil((toMs - fromMs) / DAY_MS) + 2;
  for (let d = localMidnight(offset, fromMs), k = 0; d < toMs && k < maxDays; d += DAY_MS, k++) {
    days.push({
      date: localDateOf(offset, d),
      startMs: Math.max(d, fromMs),
      endMs: Math.min(d + DAY_MS, toMs),
    });
  }
  if (!cal) {
    return {
      fromMs,
      toMs,
      segments: [{ kind: 'production', startMs: fromMs, endMs: toMs }],
      days,
      shifts: [],
      hasCalendar: false,
    };
  }
  const shifts = shiftWindows(cal, fromMs, toMs).map((w) => ({
    shift: w.shift,
    date: w.date,
    startMs: Math.max(w.startMs, fromMs),
    endMs: Math.min(w.endMs, toMs),
  }));
  return { fromMs, toMs, segments: calendarSegments(cal, fromMs, toMs), days, shifts, hasCalendar: true };
}
