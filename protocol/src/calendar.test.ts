import { describe, expect, it } from 'vitest';
import {
  calendarSegments,
  classifyInstant,
  localWeekday,
  plannedProductionMs,
  shiftCalendarSchema,
  shiftWindows,
} from './calendar.js';

const H = 3_600_000;
// 2026-11-23 is a Monday. Local midnight in UTC+8 is 16:00Z the day before.
const monday = Date.parse('2026-11-23T00:00:00+08:00');

const cal = shiftCalendarSchema.parse({
  shifts: [
    { name: 'day', start: '08:00', end: '16:00', breaks: [{ start: '12:00', end: '12:30' }] },
    { name: 'night', start: '22:00', end: '06:00', breaks: [{ start: '02:00', end: '02:30' }] },
  ],
  holidays: ['2026-11-25'],
});

describe('shift calendar', () => {
  it('knows the local weekday at UTC+8', () => {
    expect(localWeekday(cal, monday)).toBe(1);
    expect(localWeekday(cal, monday - 1)).toBe(7);
  });

  it('lists shifts crossing midnight, with their breaks on the next day', () => {
    const ws = shiftWindows(cal, monday, monday + 24 * H);
    expect(ws.map((w) => [w.shift, (w.startMs - monday) / H, (w.endMs - monday) / H])).toEqual([
      ['day', 8, 16],
      ['night', 22, 30],
    ]);
    expect(ws[1]!.breaks.map((b) => (b.startMs - monday) / H)).toEqual([26]);
  });

  it('counts planned production time net of breaks, skipping holidays and weekends', () => {
    expect(plannedProductionMs(cal, monday, monday + 24 * H)).toBe(7.5 * H + 2 * H); // day + night until midnight
    // Wed 2026-11-25 is a holiday: the Tuesday night shift still runs into Wednesday 06:00.
    const wed = monday + 48 * H;
    expect(plannedProductionMs(cal, wed, wed + 24 * H)).toBe(5.5 * H); // 00:00–06:00 minus the 02:00 break
  });

  it('splits time into contiguous segments that cover the range exactly', () => {
    const segs = calendarSegments(cal, monday, monday + 24 * H);
    expect(segs[0]).toEqual({ kind: 'offShift', startMs: monday, endMs: monday + 8 * H }); // Sunday is off: no night shift
    expect(segs.reduce((s, x) => s + x.endMs - x.startMs, 0)).toBe(24 * H);
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.startMs).toBe(segs[i - 1]!.endMs);
  });

  it('classifies instants', () => {
    expect(classifyInstant(cal, monday + 9 * H)).toBe('production');
    expect(classifyInstant(cal, monday + 12.25 * H)).toBe('break');
    expect(classifyInstant(cal, monday + 18 * H)).toBe('offShift');
  });
});
