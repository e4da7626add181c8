import { sumByGroup } from '../series.js';
import type { SlotGrid } from '../slots.js';

/**
 * Consumption per period — hour, day, month or shift — from quarter-hour consumption. A period with any
 * missing quarter-hour keeps the gap: `value` is null and `known` holds the sum over the quarter-hours that
 * are there, so a partial total is never mistaken for a complete one.
 */
export type Granularity = 'hour' | 'day' | 'month' | 'shift';
export type PeriodValue = {
  label: string;
  startMs: number | null;
  value: number | null;
  known: number;
  gapSlots: number;
};

export function aggregate(values: Float64Array, grid: SlotGrid, by: Granularity): PeriodValue[] {
  if (by === 'hour') {
    // Hours are local clock hours; with a whole-hour UTC offset they start every 4 slots from a whole hour.
    const firstOffset = (((grid.fromMs / 900_000) % 4) + 4) % 4;
    const group = new Int32Array(grid.n);
    for (let i = 0; i < grid.n; i++) group[i] = Math.floor((i + firstOffset) / 4);
    const nGroups = grid.n ? group[grid.n - 1]! + 1 : 0;
    const s = sumByGroup(values, group, nGroups);
    return Array.from({ length: nGroups }, (_, h) => {
      const startMs = grid.fromMs + (h * 4 - firstOffset) * 900_000;
      return row(
        new Date(startMs + grid.utcOffsetMinutes * 60_000).toISOString().slice(0, 13),
        startMs,
        s,
        h,
      );
    });
  }
  if (by === 'day') {
    const s = sumByGroup(values, grid.day, grid.days.length);
    return grid.days.map((d, k) => row(d.date, d.startMs, s, k));
  }
  if (by === 'month') {
    const s = sumByGroup(values, grid.month, grid.months.length);
    return grid.months.map((m, k) => row(m.key, m.startMs, s, k));
  }
  const k = grid.shiftNames.length;
  const s = sumByGroup(values, grid.shiftGroup, k + 1);
  return [...grid.shiftNames, 'offShift'].map((name, g) => row(name, null, s, g));
}

function row(
  label: string,
  startMs: number | null,
  s: ReturnType<typeof sumByGroup>,
  g: number,
): PeriodValue {
  const gapSlots = s.gaps[g]!;
  const known = s.sum[g]!;
  return { label, startMs, value: gapSlots > 0 ? null : known, known, gapSlots };
}

/** Month and shift totals of one series in a single pass (the accounting's per-node hot path). */
export function monthAndShiftTotals(
  values: Float64Array,
  grid: SlotGrid,
): { month: { sum: Float64Array; gaps: Uint32Array }; shift: { sum: Float64Array; gaps: Uint32Array } } {
  const ms = new Float64Array(grid.months.length);
  const mg = new Uint32Array(grid.months.length);
  const ss = new Float64Array(grid.shiftNames.length + 1);
  const sg = new Uint32Array(grid.shiftNames.length + 1);
  const month = grid.month;
  const shift = grid.shiftGroup;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) {
      ms[month[i]!]! += v;
      ss[shift[i]!]! += v;
    } else {
      mg[month[i]!]!++;
      sg[shift[i]!]!++;
    }
  }
  return { month: { sum: ms, gaps: mg }, shift: { sum: ss, gaps: sg } };
}
