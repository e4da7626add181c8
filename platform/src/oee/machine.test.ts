import { describe, expect, it } from 'vitest';
import { prepareCalendar } from './calendar-context.js';
import { computeMachineOee } from './machine.js';
import { calendar, grid, L, machine, packml, samples } from './test-support.js';
import { oeeConfigSchema } from './types.js';

const MIN = 60_000;
const cfg = oeeConfigSchema.parse({ microStopThresholdS: 120, startupWindowS: 300 });
const D = '2024-03-04'; // a Monday

describe('machine OEE against hand-computed timelines', () => {
  // Day shift 08:00–16:00, lunch 12:00–12:30 → 450 min planned production.
  const dayShift = calendar({
    shifts: [{ name: '白班', start: '08:00', end: '16:00', breaks: [{ start: '12:00', end: '12:30' }] }],
  });

  it('micro-stops, a breakdown, long idle, speed loss and quality loss', () => {
    const ctx = prepareCalendar(dayShift, L(D, '08:00'), L(D, '16:00'));
    const m = machine('M1', 'WS1/L1/ST1', {
      states: samples([
        [L(D, '07:50'), 3],
        [L(D, '09:00'), 2], // idle 90 s → micro-stop
        [L(D, '09:01:30'), 3],
        [L(D, '10:00'), 1], // fault 20 min → breakdown
        [L(D, '10:20'), 3],
        [L(D, '11:00'), 2], // idle 60 s then fault 30 s: one 90 s stop → micro-stop
        [L(D, '11:01'), 1],
        [L(D, '11:01:30'), 3],
        [L(D, '12:00'), 2], // idle through lunch: planned, not a loss
        [L(D, '12:30'), 3],
        [L(D, '14:00'), 2], // idle 10 min → availability loss
        [L(D, '14:10'), 3],
      ]),
      counts: grid(L(D, '08:00'), L(D, '16:00'), 60 * MIN, () => [95, 5]),
      defaultIdealCycleS: 30,
    });
    const r = computeMachineOee(m, ctx, cfg).period;
    const t = r.totals;
    expect(t.productionMs).toBe(450 * MIN);
    expect(t.breakMs).toBe(30 * MIN);
    expect(t.plannedProductionMs).toBe(450 * MIN);
    expect(t.microStopMs).toBe(3 * MIN);
    expect(t.microStopCount).toBe(2);
    expect(t.breakdownMs).toBe(20 * MIN);
    expect(t.idleMs).toBe(10 * MIN);
    expect(t.runningMs).toBe(417 * MIN);
    expect(t.operatingMs).toBe(420 * MIN);
    expect(t.goodCount).toBe(760);
    expect(t.rejectCount).toBe(40);
    expect(r.availability).toBeCloseTo(420 / 450, 12);
    expect(r.performance).toBeCloseTo(400 / 420, 12);
    expect(r.quality).toBeCloseTo(0.95, 12);
    expect(r.oee).toBeCloseTo(380 / 450, 12);
    expect(r.sixBigLossesMin).toEqual({
      breakdowns: 20,
      setupAdjustments: 0,
      idlingMinorStops: 13,
      reducedSpeed: 17,
      startupRejects: 0,
      productionRejects: 20,
    });
    // The six losses plus fully productive time (760 × 0.5 min) make up planned production time.
    const losses = Object.values(r.sixBigLossesMin).reduce((a, b) => a + b, 0);
    expect(losses + 380).toBeCloseTo(450, 9);
  });

  it('a stop of exactly the threshold is not a micro-stop', () => {
    const ctx = prepareCalendar(dayShift, L(D, '08:00'), L(D, '16:00'));
    const m = machine('M1', 'L', {
      states: samples([
        [L(D, '08:00'), 3],
        [L(D, '09:00'), 2],
        [L(D, '09:02'), 3], // 120 s = threshold → idle loss
        [L(D, '10:00'), 2],
        [L(D, '10:01:59'), 3], // 119 s → micro
      ]),
    });
    const t = computeMachineOee(m, ctx, cfg).period.totals;
    expect(t.idleMs).toBe(2 * MIN);
    expect(t.microStopMs).toBe(119_000);
    expect(t.microStopCount).toBe(1);
  });

  it('setup (operation mode Setup) and start-up rejects after the changeover', () => {
    const cal = calendar({ shifts: [{ name: '早班', start: '08:00', end: '12:00' }] });
    const ctx = prepareCalendar(cal, L(D, '08:00'), L(D, '12:00'));
    const inSetup = (s: number) => s >= L(D, '09:00') && s < L(D, '09:45');
    const m = machine('M2', 'L', {
      states: samples([
        [L(D, '08:00'), 3, 3],
        [L(D, '09:00'), 2, 2], // setup mode, not executing
        [L(D, '09:30'), 3, 2], // test run in setup mode is still setup
        [L(D, '09:45'), 3, 3],
      ]),
      counts: grid(L(D, '08:00'), L(D, '12:00'), 5 * MIN, (s) => [
        inSetup(s) ? 0 : 10,
        s === L(D, '09:45') ? 3 : s === L(D, '10:30') ? 1 : 0,
      ]),
      defaultIdealCycleS: 25,
    });
    const r = computeMachineOee(m, ctx, cfg).period;
    expect(r.totals.setupMs).toBe(45 * MIN);
    expect(r.totals.goodCount).toBe(390);
    expect(r.totals.rejectCount).toBe(4);
    expect(r.totals.startupRejectCount).toBe(3);
    expect(r.availability).toBeCloseTo(195 / 240, 12);
    expect(r.performance).toBeCloseTo((394 * 25) / 60 / 195, 12);
    expect(r.quality).toBeCloseTo(390 / 394, 12);
    expect(r.oee).toBeCloseTo((390 * 25) / 60 / 240, 12);
    expect(r.sixBigLossesMin.setupAdjustments).toBe(45);
    expect(r.sixBigLossesMin.startupRejects).toBeCloseTo(1.25, 12);
    expect(r.sixBigLossesMin.productionRejects).toBeCloseTo(25 / 60, 12);
    expect(r.sixBigLossesMin.reducedSpeed).toBeCloseTo(195 - (394 * 25) / 60, 9);
  });

  it('night shift and its break across midnight, split by local day; running through breaks counts', () => {
    const night = calendar({
      workdays: [1, 2, 3, 4, 5, 6, 7],
      shifts: [{ name: '夜班', start: '22:00', end: '06:00', breaks: [{ start: '23:45', end: '00:15' }] }],
    });
    const T = '2024-03-05';
    const ctx = prepareCalendar(night, L(D, '20:00'), L(T, '08:00'));
    const m = machine('M3', 'L', {
      states: samples([
        [L(D, '19:00'), 2],
        [L(D, '21:00'), 3], // runs an hour before the shift: added to planned time
        [L(D, '23:50'), 2], // idles in the break (planned)
        [L(T, '00:05'), 3], // runs the last 10 min of the break
        [L(T, '02:00'), 1], // 30 min breakdown
        [L(T, '02:30'), 3],
        [L(T, '06:00'), 0], // switched off after the shift
      ]),
    });
    const res = computeMachineOee(m, ctx, cfg);
    const [mon, tue] = res.days;
    expect(mon?.date).toBe(D);
    expect(mon?.totals.breakMs).toBe(15 * MIN);
    expect(mon?.totals.productionMs).toBe(105 * MIN);
    expect(mon?.totals.runOutsidePlanMs).toBe(65 * MIN);
    expect(mon?.totals.plannedProductionMs).toBe(170 * MIN);
    expect(mon?.availability).toBe(1);
    expect(tue?.date).toBe(T);
    expect(tue?.totals.breakMs).toBe(15 * MIN);
    expect(tue?.totals.productionMs).toBe(345 * MIN);
    expect(tue?.totals.runOutsidePlanMs).toBe(10 * MIN);
    expect(tue?.totals.breakdownMs).toBe(30 * MIN);
    expect(tue?.availability).toBeCloseTo(325 / 355, 12);
    expect(res.period.availability).toBeCloseTo(495 / 525, 12);
    expect(res.shifts).toHaveLength(1);
    const shift = res.shifts[0];
    expect(shift?.shift).toBe('夜班');
    expect(shift?.date).toBe(D);
    expect(shift?.totals.plannedProductionMs).toBe(465 * MIN);
    expect(shift?.availability).toBeCloseTo(435 / 465, 12);
    expect(res.current).toMatchObject({
      category: 'plannedStop',
      stateName: 'NotAvailable',
      sinceMs: L(T, '06:00'),
    });
  });

  it('gaps: offline time and Bad-quality states are unknown — neither planned nor run time — and lower coverage', () => {
    const cal = calendar({ shifts: [{ name: '早班', start: '08:00', end: '12:00' }] });
    const ctx = prepareCalendar(cal, L(D, '08:00'), L(D, '12:00'));
    const m = machine('M4', 'L', {
      states: samples([
        [L(D, '08:00'), 3],
        [L(D, '11:00'), null], // Bad quality
        [L(D, '11:30'), 3],
      ]),
      unknownIntervals: [{ startMs: L(D, '09:00'), endMs: L(D, '10:00') }],
      counts: grid(L(D, '08:00'), L(D, '12:00'), 60 * MIN, (s) =>
        s === L(D, '09:00') ? [Number.NaN, Number.NaN] : [100, 0],
      ),
      defaultIdealCycleS: 20,
    });
    const r = computeMachineOee(m, ctx, cfg).period;
    expect(r.totals.unknownMs).toBe(90 * MIN);
    expect(r.totals.operatingMs).toBe(150 * MIN);
    expect(r.totals.plannedProductionMs).toBe(150 * MIN); // 240 min of shift − 90 min nobody knows about
    expect(r.availability).toBe(1);
    expect(r.totals.countGapMs).toBe(60 * MIN);
    expect(r.totals.goodCount).toBe(300);
    expect(r.unknownMin).toBe(90);
    // State known for 150 of 240 production minutes, counters for 180 of 240 minutes: the smaller.
    expect(r.coverage).toBe(150 / 240);
    expect(r.lowCoverage).toBe(true);
    expect(r.warnings).toEqual(expect.arrayContaining(['stateDataGap', 'counterDataGap', 'lowCoverage']));
  });

  it('maxStateHold turns a stale state into unknown; a window starting mid-stop keeps the stop length', () => {
    const cal = calendar({ shifts: [{ name: '早班', start: '08:00', end: '12:00' }] });
    const ctx = prepareCalendar(cal, L(D, '09:00'), L(D, '12:00'));
    const m = machine('M5', 'L', {
      states: samples([
        [L(D, '08:59'), 2], // stop that began 1 min before the window and lasts 2 min: not a micro-stop
        [L(D, '09:01'), 3],
      ]),
    });
    const held = computeMachineOee(m, ctx, oeeConfigSchema.parse({ maxStateHoldS: 3600 })).period.totals;
    expect(held.idleMs).toBe(1 * MIN);
    expect(held.microStopMs).toBe(0);
    expect(held.unknownMs).toBe(119 * MIN); // Executing from 09:01 known only until 10:01
  });

  it('PackML states through the PackML mapping', () => {
    const cal = calendar({ shifts: [{ name: '早班', start: '08:00', end: '10:00' }] });
    const ctx = prepareCalendar(cal, L(D, '08:00'), L(D, '10:00'));
    const m = machine('P1', 'L', {
      mapping: packml,
      states: samples([
        [L(D, '08:00'), 6, 1], // Execute, Production
        [L(D, '08:30'), 5, 1], // Suspended (starved) 10 min → idle
        [L(D, '08:40'), 11, 1], // Held 5 min → breakdown
        [L(D, '08:45'), 4, 3], // Idle in Manual → setup 15 min
        [L(D, '09:00'), 6, 1],
      ]),
    });
    const t = computeMachineOee(m, ctx, cfg).period.totals;
    expect(t.idleMs).toBe(10 * MIN);
    expect(t.breakdownMs).toBe(5 * MIN);
    expect(t.setupMs).toBe(15 * MIN);
    expect(t.runningMs).toBe(90 * MIN);
  });

  it('shift and day buckets add up to the period', () => {
    const two = calendar({
      shifts: [
        { name: '白班', start: '08:00', end: '20:00', breaks: [{ start: '12:00', end: '13:00' }] },
        { name: '夜班', start: '20:00', end: '08:00', breaks: [{ start: '00:00', end: '01:00' }] },
      ],
    });
    const ctx = prepareCalendar(two, L(D, '08:00'), L('2024-03-06', '08:00'));
    const m = machine('M6', 'L', {
      states: samples([
        [L(D, '08:00'), 3],
        [L(D, '13:00'), 1],
        [L(D, '15:00'), 3],
        [L('2024-03-05', '03:00'), 2, 2],
        [L('2024-03-05', '04:00'), 3],
      ]),
      counts: grid(L(D, '08:00'), L('2024-03-06', '08:00'), 7 * MIN, () => [7, 1]),
      defaultIdealCycleS: 50,
    });
    const r = computeMachineOee(m, ctx, cfg);
    const sum = (k: 'plannedProductionMs' | 'operatingMs' | 'goodCount') =>
      r.shifts.reduce((a, s) => a + s.totals[k], 0);
    expect(r.shifts).toHaveLength(4);
    expect(sum('plannedProductionMs')).toBe(r.period.totals.plannedProductionMs);
    expect(sum('operatingMs')).toBe(r.period.totals.operatingMs);
    expect(sum('goodCount')).toBeCloseTo(r.period.totals.goodCount, 9);
    const daySum = r.days.reduce((a, d) => a + d.totals.goodCount, 0);
    expect(daySum).toBeCloseTo(r.period.totals.goodCount, 9);
    // 44 h of shifts without breaks, plus the four 1 h breaks the machine ran through.
    expect(r.period.totals.productionMs).toBe(44 * 60 * MIN);
    expect(r.period.totals.runOutsidePlanMs).toBe(4 * 60 * MIN);
    expect(r.period.totals.plannedProductionMs).toBe(48 * 60 * MIN);
  });
});
