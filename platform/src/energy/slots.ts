import { type CalendarSegment, calendarSegments, type ShiftCalendar } from '@xiang/protocol';
import { type CompiledTariff, versionIndexForDay } from './accounting/tou.js';

/**
 * The run's quarter-hour grid with everything the rules ask per slot, computed once: calendar kind
 * (production / break / off-shift), shift, local hour, weekday, day, month and time-of-use period.
 * Typed arrays keep the rules linear and allocation-free over a year of slots.
 */
export const SLOT_MS = 900_000;
export const KIND = { production: 0, break: 1, offShift: 2 } as const;

export type SlotGrid = {
  n: number;
  fromMs: number;
  utcOffsetMinutes: number;
  hasCalendar: boolean;
  /** The calendar's production / break / off-shift segments over the period (empty without a calendar). */
  segments: CalendarSegment[];
  /** KIND code per slot (all production when there is no calendar). */
  kind: Uint8Array;
  /** Index into shiftNames, −1 outside shifts. */
  shift: Int16Array;
  shiftNames: string[];
  /** Shift index, or shiftNames.length for off-shift: a group index for per-shift totals. */
  shiftGroup: Int16Array;
  localHour: Uint8Array;
  /** ISO weekday 1..7. */
  weekday: Uint8Array;
  day: Int32Array;
  days: { startMs: number; date: string }[];
  month: Int16Array;
  months: { startMs: number; key: string; month: number }[];
  tou: Uint8Array;
  touVersion: Uint8Array;
  /** Slots before the first tariff version's validFrom (the first version was applied). */
  slotsBeforeTariff: number;
};

const DAY = 86_400_000;

export function buildSlotGrid(
  fromMs: number,
  toMs: number,
  calendar: ShiftCalendar | undefined,
  tariff: CompiledTariff,
): SlotGrid {
  const n = Math.round((toMs - fromMs) / SLOT_MS);
  const utcOffsetMinutes = calendar?.utcOffsetMinutes ?? 480;
  const off = utcOffsetMinutes * 60_000;
  const kind = new Uint8Array(n);
  const shift = new Int16Array(n).fill(-1);
  const shiftNames: string[] = [];
  const segments = calendar ? calendarSegments(calendar, fromMs, toMs) : [];
  if (calendar) {
    kind.fill(KIND.offShift);
    for (const seg of segments) {
      const code = KIND[seg.kind];
      let si = -1;
      if (seg.shift !== undefined) {
        si = shiftNames.indexOf(seg.shift);
        if (si < 0) si = shiftNames.push(seg.shift) - 1;
      }
      // A slot belongs to the segment covering its midpoint.
      const a = Math.max(0, Math.ceil((seg.startMs - fromMs - SLOT_MS / 2) / SLOT_MS));
      const b = Math.min(n, Math.ceil((seg.endMs - fromMs - SLOT_MS / 2) / SLOT_MS));
      for (let i = a; i < b; i++) {
        kind[i] = code;
        shift[i] = si;
      }
    }
  }
  const shiftGroup = new Int16Array(n);
  for (let i = 0; i < n; i++) shiftGroup[i] = shift[i]! >= 0 ? shift[i]! : shiftNames.length;
  const localHour = new Uint8Array(n);
  const weekday = new Uint8Array(n);
  const day = new Int32Array(n);
  const month = new Int16Array(n);
  const tou = new Uint8Array(n);
  const touVersion = new Uint8Array(n);
  const days: SlotGrid['days'] = [];
  const months: SlotGrid['months'] = [];
  let slotsBeforeTariff = 0;
  let curDay = Number.NaN;
  let curMonthKey = '';
  let m = 1;
  let vIdx = 0;
  for (let i = 0; i < n; i++) {
    const local = fromMs + i * SLOT_MS + off;
    const localDay = Math.floor(local / DAY);
    if (localDay !== curDay) {
      curDay = localDay;
      const date = new Date(localDay * DAY).toISOString().slice(0, 10);
      days.push({ startMs: localDay * DAY - off, date });
      const key = date.slice(0, 7);
      m = Number(date.slice(5, 7));
      if (key !== curMonthKey) {
        curMonthKey = key;
        months.push({ startMs: Date.parse(`${key}-01T00:00:00Z`) - off, key, month: m });
      }
      vIdx = versionIndexForDay(tariff, localDay);
    }
    const q = Math.floor((local - localDay * DAY) / SLOT_MS);
    localHour[i] = q >> 2;
    weekday[i] = ((((localDay + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday
    day[i] = days.length - 1;
    month[i] = months.length - 1;
    const v = tariff.versions[vIdx]!;
    if (v.validFromDay > localDay) slotsBeforeTariff++;
    touVersion[i] = vIdx;
    tou[i] = v.table[(m - 1) * 96 + q]!;
  }
  return {
    n,
    fromMs,
    utcOffsetMinutes,
    hasCalendar: !!calendar,
    segments,
    kind,
    shift,
    shiftNames,
    shiftGroup,
    localHour,
    weekday,
    day,
    days,
    month,
    months,
    tou,
    touVersion,
    slotsBeforeTariff,
  };
}

/** Start of slot i, epoch ms. */
export const slotStart = (g: SlotGrid, i: number): number => g.fromMs + i * SLOT_MS;
