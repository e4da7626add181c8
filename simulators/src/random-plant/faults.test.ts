import { describe, expect, it } from 'vitest';
import { offProductionWindows, withRandomFaults } from './faults.js';
import { randomPlant } from './generate.js';

const H = 3_600_000;
const D = 24 * H;

describe('random plant: stated detection thresholds', () => {
  it('counts off-production windows on the plant calendar by hand (three shifts, Monday–Friday)', () => {
    // Seed 15: shifts 00–08, 08–16, 16–24 on Monday–Friday from Monday 00:00 (UTC+8), 14 days. The only
    // off-production time is the two weekends, Saturday 00:00 to Monday 00:00.
    const p = randomPlant(15, { days: 14 });
    expect(p.scenario.calendar.shifts.map((s) => `${s.start}-${s.end}`)).toEqual([
      '00:00-08:00',
      '08:00-16:00',
      '16:00-24:00',
    ]);
    expect(new Date(p.startMs + 8 * H).getUTCDay()).toBe(1); // a Monday
    expect(offProductionWindows(p, 'WS2')).toEqual([
      [p.startMs + 5 * D, p.startMs + 7 * D],
      [p.startMs + 12 * D, p.startMs + 14 * D],
    ]);
  });

  it('counts nights and the period edges (one shift 08–17, seven days a week)', () => {
    // Seed 14: 00:00–08:00 on the first day, 17:00–08:00 on the 13 nights between, 17:00–24:00 on the last.
    const p = randomPlant(14, { days: 14 });
    expect(p.scenario.calendar.workdays).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const w = offProductionWindows(p, 'WS1');
    expect(w.map(([a, b]) => (b - a) / H)).toEqual([8, ...Array(13).fill(15), 7]);
    expect(w[1]).toEqual([p.startMs + 17 * H, p.startMs + D + 8 * H]);
  });

  it('an undeclared load with two weekends of off-production time is below the threshold', () => {
    // Seed 15's 4.2 kW on an undeclared lighting meter from Wednesday 02:00: one weekend elevated, one quiet —
    // fewer than the 3 windows the diagnosis needs to learn a baseline.
    const p = withRandomFaults(randomPlant(15, { days: 14 }));
    expect(p.stated['offshift-M-WS2-LT']).toMatchObject({ detectable: false });
  });

  it('a drop-out is stated detectable from 1 % of the period (the "low" flag of metering data)', () => {
    // 14 days = 336 h: 1 % is 3.36 h (seed 28: 3 h, seed 44: 2 h below; seed 14: 8 h above).
    const seen: [number, boolean | undefined][] = [];
    for (const seed of [28, 44, 14]) {
      const p = withRandomFaults(randomPlant(seed, { days: 14 }));
      const f = p.scenario.faults.find((x) => x.type === 'meterDropout');
      if (f?.type !== 'meterDropout') throw new Error(`seed ${seed}: no drop-out`);
      const hours = (Date.parse(f.to) - Date.parse(f.from)) / H;
      seen.push([hours, p.stated.dropout?.detectable]);
    }
    expect(seen).toEqual([
      [3, false],
      [2, false],
      [8, true],
    ]);
  });
});
