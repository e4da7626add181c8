/**
 * A plain, minute-by-minute reference for the shift calendar — an oracle independent of
 * protocol/src/calendar.ts (nothing is imported from it, not even its types). Every minute of a range is
 * classified on its own from the literal calendar: which shift instance (start date + shift) contains it, and
 * whether one of that shift's breaks does. Slow on purpose; it is the truth tests compare against.
 *
 * Rules, as the calendar's schema documents them (a shift-calendar user's reading, not the code's):
 * - times are local wall-clock "HH:MM" at a fixed UTC offset; a shift whose end is at or before its start runs
 *   past midnight and belongs to the date it starts on;
 * - a shift instance exists on a local date that is a make-up workday (extraWorkdays), or else on a listed ISO
 *   weekday (1 = Monday … 7 = Sunday) that is not a holiday;
 * - a break belongs to its shift: it starts at or after the shift start (else the next day), ends after it
 *   starts, and never runs past the shift end; a minute outside every shift is off-shift;
 * - when shift instances overlap, the one that started first owns the minute.
 * Local days run from local midnight to the next.
 */
export type RefBreak = { start: string; end: string };
export type RefShift = { name: string; start: string; end: string; breaks: RefBreak[] };
export type RefCalendar = {
  utcOffsetMinutes: number;
  workdays: number[];
  shifts: RefShift[];
  holidays: string[];
  extraWorkdays: string[];
};
export type MinuteKind = 'production' | 'break' | 'offShift';
export type RefMinute = {
  kind: MinuteKind;
  shift: string | null;
  date: string | null;
  shiftStartMs: number | null;
};

const MINUTE = 60_000;
const DAY_MIN = 1440;

function clock(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Local date "YYYY-MM-DD" of a day index (days since 1970-01-01 local). */
function dateOfDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** ISO weekday of a local day index: 1970-01-01 was a Thursday (4). */
function weekdayOfDay(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

function works(cal: RefCalendar, day: number): boolean {
  const date = dateOfDay(day);
  if (cal.extraWorkdays.includes(date)) return true;
  if (cal.holidays.includes(date)) return false;
  return cal.workdays.includes(weekdayOfDay(day));
}

/** Classifies the minute starting at `ms` (ms on a minute boundary of the local clock). */
export function classifyMinute(cal: RefCalendar, ms: number): RefMinute {
  const localMin = Math.floor(ms / MINUTE) + cal.utcOffsetMinutes;
  const day = Math.floor(localMin / DAY_MIN);
  const minuteOfDay = localMin - day * DAY_MIN;
  let best: { start: number; shift: RefShift; day: number; x: number; s: number; e: number } | null = null;
  // A shift of the previous day (or the one before, for a shift starting at 24:00) may reach into today.
  for (const d of [day - 2, day - 1, day]) {
    if (!works(cal, d)) continue;
    const x = minuteOfDay + (day - d) * DAY_MIN; // this minute, counted from the start of day d
    for (const sh of cal.shifts) {
      const s = clock(sh.start);
      let e = clock(sh.end);
      if (e <= s) e += DAY_MIN;
      if (x < s || x >= e) continue;
      const start = d * DAY_MIN + s;
      if (!best || start < best.start) best = { start, shift: sh, day: d, x, s, e };
    }
  }
  if (!best) return { kind: 'offShift', shift: null, date: null, shiftStartMs: null };
  const { shift, x, s, e } = best;
  let inBreak = false;
  for (const b of shift.breaks) {
    let bs = clock(b.start);
    if (bs < s) bs += DAY_MIN;
    let be = clock(b.end);
    while (be <= bs) be += DAY_MIN;
    be = Math.min(be, e);
    if (x >= bs && x < be) inBreak = true;
  }
  return {
    kind: inBreak ? 'break' : 'production',
    shift: shift.name,
    date: dateOfDay(best.day),
    shiftStartMs: (best.start - cal.utcOffsetMinutes) * MINUTE,
  };
}

/** Every minute of [fromMs, toMs) (minute-aligned), classified. Days and shifts below accept any range. */
export function minutes(cal: RefCalendar, fromMs: number, toMs: number): RefMinute[] {
  const out: RefMinute[] = [];
  for (let t = fromMs; t < toMs; t += MINUTE) out.push(classifyMinute(cal, t));
  return out;
}

/** Production minutes × 60 000 over [fromMs, toMs): planned production time of the calendar. */
export function referenceProductionMs(cal: RefCalendar, fromMs: number, toMs: number): number {
  return minutes(cal, fromMs, toMs).filter((m) => m.kind === 'production').length * MINUTE;
}

/**
 * Shift instances overlapping [fromMs, toMs), clipped to it: the minutes a shift instance owns, first to last
 * (its breaks included). Keyed by start date and shift name.
 */
export function referenceShifts(
  cal: RefCalendar,
  fromMs: number,
  toMs: number,
): { shift: string; date: string; startMs: number; endMs: number }[] {
  const out = new Map<string, { shift: string; date: string; startMs: number; endMs: number }>();
  for (let t = Math.floor(fromMs / MINUTE) * MINUTE; t < toMs; t += MINUTE) {
    const m = classifyMinute(cal, t);
    if (m.shift === null || m.date === null) continue;
    const key = `${m.date}|${m.shift}|${m.shiftStartMs}`;
    const cur = out.get(key);
    const end = Math.min(t + MINUTE, toMs);
    if (cur) cur.endMs = end;
    else out.set(key, { shift: m.shift, date: m.date, startMs: Math.max(t, fromMs), endMs: end });
  }
  return [...out.values()].sort((a, b) => a.startMs - b.startMs);
}

/** Local days overlapping [fromMs, toMs), clipped to it. */
export function referenceDays(
  cal: Pick<RefCalendar, 'utcOffsetMinutes'>,
  fromMs: number,
  toMs: number,
): { date: string; startMs: number; endMs: number }[] {
  const out: { date: string; startMs: number; endMs: number }[] = [];
  for (let t = Math.floor(fromMs / MINUTE) * MINUTE; t < toMs; t += MINUTE) {
    const date = new Date(t + cal.utcOffsetMinutes * MINUTE).toISOString().slice(0, 10);
    const last = out[out.length - 1];
    const end = Math.min(t + MINUTE, toMs);
    if (last && last.date === date) last.endMs = end;
    else out.push({ date, startMs: Math.max(t, fromMs), endMs: end });
  }
  return out;
}
