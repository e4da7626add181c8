import { z } from 'zod';

/**
 * Shift calendar shared by the simulators (it drives machine states), the platform's registry and the
 * domain (planned production time for OEE, off-shift windows for base-load diagnostics).
 * Times are local wall-clock at a fixed UTC offset (China has no DST; Asia/Shanghai = +480 min).
 */
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected "HH:MM" (00:00–24:00)');
const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected "YYYY-MM-DD"');

export const breakSchema = z.object({ start: hhmm, end: hhmm, name: z.string().optional() });
export const shiftSchema = z.object({
  name: z.string().min(1),
  /** Start and end; an end at or before the start means the shift runs past midnight. */
  start: hhmm,
  end: hhmm,
  breaks: z.array(breakSchema).default([]),
});
export const shiftCalendarSchema = z.object({
  utcOffsetMinutes: z.number().int().min(-720).max(840).default(480),
  /** ISO weekdays (1 = Monday … 7 = Sunday) on which shifts start. */
  workdays: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]),
  shifts: z.array(shiftSchema).min(1),
  holidays: z.array(localDate).default([]),
  /** Make-up workdays (调休) that fall on a weekend. */
  extraWorkdays: z.array(localDate).default([]),
});
export type ShiftCalendar = z.infer<typeof shiftCalendarSchema>;
export type ShiftCalendarInput = z.input<typeof shiftCalendarSchema>;

const MIN = 60_000;
const DAY = 86_400_000;

export type ShiftWindow = {
  shift: string;
  /** Local date the shift starts on. */
  date: string;
  startMs: number;
  endMs: number;
  breaks: { startMs: number; endMs: number }[];
};

export type CalendarSegmentKind = 'production' | 'break' | 'offShift';
export type CalendarSegment = { kind: CalendarSegmentKind; startMs: number; endMs: number; shift?: string };

function minutesOf(t: string): number {
  const [h, m] = t.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export function localDateOf(cal: Pick<ShiftCalendar, 'utcOffsetMinutes'>, ms: number): string {
  return new Date(ms + cal.utcOffsetMinutes * MIN).toISOString().slice(0, 10);
}

/** ISO weekday (1 = Monday) of the local date containing `ms`. */
export function localWeekday(cal: Pick<ShiftCalendar, 'utcOffsetMinutes'>, ms: number): number {
  const dayIndex = Math.floor((ms + cal.utcOffsetMinutes * MIN) / DAY);
  return ((((dayIndex + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday
}

/** Local hour of day (0..23) of `ms`. */
export function localHour(cal: Pick<ShiftCalendar, 'utcOffsetMinutes'>, ms: number): number {
  const local = ms + cal.utcOffsetMinutes * MIN;
  return Math.floor((((local % DAY) + DAY) % DAY) / 3_600_000);
}

/** UTC ms of local midnight starting the local day that contains `ms`. */
export function localMidnight(cal: Pick<ShiftCalendar, 'utcOffsetMinutes'>, ms: number): number {
  const off = cal.utcOffsetMinutes * MIN;
  return Math.floor((ms + off) / DAY) * DAY - off;
}

export function isWorkday(cal: ShiftCalendar, dayStartMs: number): boolean {
  const date = localDateOf(cal, dayStartMs);
  if (cal.holidays.includes(date)) return false;
  if (cal.extraWorkdays.includes(date)) return true;
  return cal.workdays.includes(localWeekday(cal, dayStartMs));
}

/** Every shift (with its breaks) that overlaps [fromMs, toMs), in time order, unclipped. */
export function shiftWindows(cal: ShiftCalendar, fromMs: number, toMs: number): ShiftWindow[] {
  const out: ShiftWindow[] = [];
  // A shift starting the day before `from` may run past midnight into the range.
  for (let day = localMidnight(cal, fromMs) - DAY; day < toMs; day += DAY) {
    if (!isWorkday(cal, day)) continue;
    for (const s of cal.shifts) {
      const startMs = day + minutesOf(s.start) * MIN;
      let endMs = day + minutesOf(s.end) * MIN;
      if (endMs <= startMs) endMs += DAY;
      if (endMs <= fromMs || startMs >= toMs) continue;
      const breaks = s.breaks
        .map((b) => {
          let bs = day + minutesOf(b.start) * MIN;
          if (bs < startMs) bs += DAY;
          let be = day + minutesOf(b.end) * MIN;
          while (be <= bs) be += DAY;
          return { startMs: bs, endMs: Math.min(be, endMs) };
        })
        .filter((b) => b.startMs < b.endMs); // a break written outside its shift is no break of it
      out.push({ shift: s.name, date: localDateOf(cal, day), startMs, endMs, breaks });
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

/** Splits [fromMs, toMs) into contiguous production / break / off-shift segments. */
export function calendarSegments(cal: ShiftCalendar, fromMs: number, toMs: number): CalendarSegment[] {
  const segs: CalendarSegment[] = [];
  let cursor = fromMs;
  const push = (kind: CalendarSegmentKind, s: number, e: number, shift?: string) => {
    const a = Math.max(s, fromMs);
    const b = Math.min(e, toMs);
    if (b <= a) return;
    const last = segs[segs.length - 1];
    if (last && last.kind === kind && last.endMs === a && last.shift === shift) last.endMs = b;
    else
      segs.push(shift === undefined ? { kind, startMs: a, endMs: b } : { kind, startMs: a, endMs: b, shift });
    cursor = Math.max(cursor, b);
  };
  for (const w of shiftWindows(cal, fromMs, toMs)) {
    if (w.startMs > cursor) push('offShift', cursor, w.startMs);
    let c = Math.max(w.startMs, cursor);
    for (const br of [...w.breaks].sort((a, b) => a.startMs - b.startMs)) {
      if (br.startMs > c) push('production', c, br.startMs, w.shift);
      push('break', Math.max(br.startMs, c), br.endMs, w.shift);
      c = Math.max(c, br.endMs);
    }
    if (w.endMs > c) push('production', c, w.endMs, w.shift);
  }
  if (cursor < toMs) push('offShift', cursor, toMs);
  return segs;
}

export function classifyInstant(cal: ShiftCalendar, ms: number): CalendarSegmentKind {
  const seg = calendarSegments(cal, ms, ms + 1)[0];
  return seg?.kind ?? 'offShift';
}

/** Planned production time (shifts minus breaks) in ms over [fromMs, toMs). */
export function plannedProductionMs(cal: ShiftCalendar, fromMs: number, toMs: number): number {
  return calendarSegments(cal, fromMs, toMs)
    .filter((s) => s.kind === 'production')
    .reduce((sum, s) => sum + (s.endMs - s.startMs), 0);
}
