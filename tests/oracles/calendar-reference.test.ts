import {
  calendarSegments,
  localDateOf,
  plannedProductionMs,
  shiftCalendarSchema,
  shiftWindows,
} from '@xiang/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyMinute,
  type RefCalendar,
  referenceDays,
  referenceProductionMs,
  referenceShifts,
} from './calendar-reference.js';
import { calendarArb } from './random-calendar.js';

/**
 * The platform's calendar (protocol/src/calendar.ts: calendarSegments, shiftWindows, plannedProductionMs)
 * against the plain minute-by-minute reference, over random calendars: holidays, make-up days, shifts and
 * breaks across midnight, 24-h shifts, UTC offsets from −12:00 to +14:00, ranges starting at
 * any minute (up to 4 days). Fixed seed; a failure prints the seed, the shrunk calendar and the first differing minute.
 */
const MIN = 60_000;
/** Runs per property; XIANG_FC_RUNS=5000 for a longer search. */
const RUNS = Number(process.env.XIANG_FC_RUNS ?? 120);
const DAY = 86_400_000;
const FIRST_DAY = Math.floor(Date.parse('2025-01-01T00:00:00Z') / DAY);

const rangeArb = fc.record({
  day: fc.integer({ min: 0, max: 365 }),
  minute: fc.integer({ min: 0, max: 1439 }),
  lengthMin: fc.integer({ min: 1, max: 4 * 1440 }),
});

const caseArb = rangeArb.chain((r) =>
  calendarArb(FIRST_DAY + r.day - 1, Math.ceil(r.lengthMin / 1440) + 2).map((cal) => ({ cal, r })),
);

function rangeOf(r: { day: number; minute: number; lengthMin: number }): [number, number] {
  const fromMs = (FIRST_DAY + r.day) * DAY + r.minute * MIN;
  return [fromMs, fromMs + r.lengthMin * MIN];
}

const parsed = (cal: RefCalendar) => shiftCalendarSchema.parse(cal);

describe('shift calendar against the minute-by-minute reference (tests/oracles/calendar-reference.ts)', () => {
  it('every minute has the same kind and shift as the reference', () => {
    fc.assert(
      fc.property(caseArb, ({ cal, r }) => {
        const [fromMs, toMs] = rangeOf(r);
        const segs = calendarSegments(parsed(cal), fromMs, toMs);
        expect(segs[0]?.startMs).toBe(fromMs);
        expect(segs[segs.length - 1]?.endMs).toBe(toMs);
        let k = 0;
        for (let t = fromMs; t < toMs; t += MIN) {
          while ((segs[k]?.endMs ?? Number.POSITIVE_INFINITY) <= t) k++;
          const seg = segs[k];
          const ref = classifyMinute(cal, t);
          const shift = seg?.kind === 'offShift' ? null : (seg?.shift ?? null);
          // One expect per differing minute only: expect() per minute would dominate the run time.
          if (seg?.kind !== ref.kind || shift !== ref.shift)
            expect({ minute: new Date(t).toISOString(), kind: seg?.kind, shift }).toEqual({
              minute: new Date(t).toISOString(),
              kind: ref.kind,
              shift: ref.shift,
            });
        }
      }),
      { seed: 20250301, numRuns: RUNS },
    );
  }, 120_000);

  it('planned production time and the shift instances (start date, name, clipped window) agree', () => {
    fc.assert(
      fc.property(caseArb, ({ cal, r }) => {
        const [fromMs, toMs] = rangeOf(r);
        expect(plannedProductionMs(parsed(cal), fromMs, toMs)).toBe(referenceProductionMs(cal, fromMs, toMs));
        const got = shiftWindows(parsed(cal), fromMs, toMs)
          .map((w) => ({
            shift: w.shift,
            date: w.date,
            startMs: Math.max(w.startMs, fromMs),
            endMs: Math.min(w.endMs, toMs),
          }))
          .filter((w) => w.endMs > w.startMs);
        expect(got).toEqual(referenceShifts(cal, fromMs, toMs));
      }),
      { seed: 20250302, numRuns: RUNS },
    );
  }, 120_000);

  it('local days start at local midnight in every UTC offset', () => {
    fc.assert(
      fc.property(caseArb, ({ cal, r }) => {
        const [fromMs, toMs] = rangeOf(r);
        for (const d of referenceDays(cal, fromMs, toMs)) {
          expect(localDateOf(cal, d.startMs)).toBe(d.date);
          expect(localDateOf(cal, d.endMs - 1)).toBe(d.date);
        }
      }),
      { seed: 20250303, numRuns: RUNS },
    );
  });

  it('the reference itself, by hand: a night shift across midnight, a holiday, a make-up Sunday', () => {
    // Mon–Fri, 22:00–06:00 with a 02:00–02:30 break; Wed 2025-03-05 a holiday; Sun 2025-03-09 a make-up day.
    const cal: RefCalendar = {
      utcOffsetMinutes: 480,
      workdays: [1, 2, 3, 4, 5],
      shifts: [{ name: 'N', start: '22:00', end: '06:00', breaks: [{ start: '02:00', end: '02:30' }] }],
      holidays: ['2025-03-05'],
      extraWorkdays: ['2025-03-09'],
    };
    const at = (d: string, t: string) => Date.parse(`${d}T${t}:00+08:00`);
    expect(classifyMinute(cal, at('2025-03-04', '23:00'))).toMatchObject({
      kind: 'production',
      date: '2025-03-04',
    });
    expect(classifyMinute(cal, at('2025-03-05', '02:10')).kind).toBe('break'); // Tuesday's shift, on Wednesday
    expect(classifyMinute(cal, at('2025-03-05', '23:00')).kind).toBe('offShift'); // the holiday's shift is off
    expect(classifyMinute(cal, at('2025-03-06', '01:00')).kind).toBe('offShift');
    expect(classifyMinute(cal, at('2025-03-09', '23:00'))).toMatchObject({
      kind: 'production',
      date: '2025-03-09',
    });
    // Mon 22:00 → Tue 06:00 minus the break: 7.5 h.
    expect(referenceProductionMs(cal, at('2025-03-03', '00:00'), at('2025-03-04', '12:00'))).toBe(
      7.5 * 3_600_000,
    );
  });
});
