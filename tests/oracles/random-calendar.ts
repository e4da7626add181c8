import fc from 'fast-check';
import type { RefBreak, RefCalendar, RefShift } from './calendar-reference.js';

/**
 * Random shift calendars for property tests: 1–3 shifts that do not overlap each other (any may cross
 * midnight, one may last 24 h, an end may be written "24:00"), 0–2 breaks per shift (breaks may overlap each
 * other and may cross midnight; now and then one lies outside its shift), any set of ISO workdays, holidays and make-up workdays (never the same date),
 * and UTC offsets from −12:00 to +14:00 in quarter hours.
 */
const MIN_PER_DAY = 1440;

export function hhmm(minuteOfDay: number, allow24 = false): string {
  const m = ((minuteOfDay % MIN_PER_DAY) + MIN_PER_DAY) % MIN_PER_DAY;
  if (m === 0 && allow24) return '24:00';
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Shifts of a plant (`plantLike`): 4–12 h with short gaps; otherwise anything from 15 min to a day. */
const shiftPlan = (plantLike: boolean) =>
  fc
    .record({
      count: fc.integer({ min: 1, max: 3 }),
      first: fc.integer({ min: 0, max: MIN_PER_DAY - 1 }),
      // Gap before each shift and its length, in 5-min steps; scaled down below so a day holds them all.
      parts: fc.array(
        fc.record({
          gap: fc.integer({ min: 0, max: plantLike ? 24 : 120 }),
          len: fc.integer({ min: plantLike ? 48 : 3, max: plantLike ? 144 : 288 }),
          end24: fc.boolean(),
          breaks: fc.array(
            fc.record({
              at: fc.double({ min: 0, max: 1, noNaN: true }),
              len: fc.integer({ min: 1, max: 90 }),
              // Now and then a break written outside its shift (a typing error a calendar must survive).
              anywhere: fc.option(fc.integer({ min: 0, max: MIN_PER_DAY - 1 }), { freq: 8 }),
            }),
            { maxLength: 2 },
          ),
        }),
        { minLength: 3, maxLength: 3 },
      ),
      fullDay: fc.boolean(),
    })
    .map(({ count, first, parts, fullDay }): RefShift[] => {
      const used = parts.slice(0, count);
      const total = used.reduce((a, p) => a + (p.gap + p.len) * 5, 0);
      const scale = total > MIN_PER_DAY ? MIN_PER_DAY / total : 1;
      const shifts: RefShift[] = [];
      let cursor = first;
      used.forEach((p, i) => {
        const start = cursor + Math.floor(p.gap * 5 * scale);
        let len = Math.max(15, Math.floor(p.len * 5 * scale));
        if (count === 1 && fullDay) len = MIN_PER_DAY; // start = end: a 24-h shift
        // Shifts never overlap: the last one ends at the latest where the first starts the next day.
        len = Math.min(len, first + MIN_PER_DAY - start);
        if (len < 1) return;
        const end = start + len;
        cursor = end;
        const breaks: RefBreak[] = p.breaks.map((b) => {
          if (b.anywhere !== null) return { start: hhmm(b.anywhere), end: hhmm(b.anywhere + b.len, true) };
          const bs = start + Math.floor(b.at * (len - 1));
          const be = Math.min(bs + b.len, end);
          return { start: hhmm(bs), end: hhmm(be, true) };
        });
        shifts.push({ name: `S${i + 1}`, start: hhmm(start), end: hhmm(end, p.end24), breaks });
      });
      return shifts;
    });

/**
 * A random calendar whose holidays and make-up days fall in the days from `firstDay` on. `plantLike`: shifts
 * of 4–12 h and at least three workdays a week, so a generated plant has production to measure.
 */
export function calendarArb(firstDay: number, days: number, plantLike = false): fc.Arbitrary<RefCalendar> {
  const dateOf = (d: number) => new Date((firstDay + d) * 86_400_000).toISOString().slice(0, 10);
  return fc
    .record({
      utcOffsetMinutes: fc.oneof(
        fc.constantFrom(480, 0, -300, 330, 345, 540, -720, 840),
        fc.integer({ min: -48, max: 56 }).map((q) => q * 15),
      ),
      workdays: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: plantLike ? 3 : 0 }),
      shifts: shiftPlan(plantLike),
      special: fc.array(fc.record({ day: fc.integer({ min: -1, max: days }), kind: fc.boolean() }), {
        maxLength: 4,
      }),
    })
    .map(({ utcOffsetMinutes, workdays, shifts, special }) => {
      const holidays = new Set<string>();
      const extra = new Set<string>();
      for (const s of special) {
        const d = dateOf(s.day);
        if (holidays.has(d) || extra.has(d)) continue;
        (s.kind ? holidays : extra).add(d);
      }
      return {
        utcOffsetMinutes,
        workdays,
        shifts,
        holidays: [...holidays].sort(),
        extraWorkdays: [...extra].sort(),
      };
    });
}
