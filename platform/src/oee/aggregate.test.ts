import { describe, expect, it } from 'vitest';
import { computeFactoryOee } from './aggregate.js';
import { computeLineStatus } from './line-status.js';
import { calendar, grid, L, machine, samples, snapshotWith } from './test-support.js';

const MIN = 60_000;
const D = '2024-03-04';
const cal = calendar({ shifts: [{ name: '早班', start: '08:00', end: '12:00' }] });
const assets = [
  { factoryId: 'F1', path: 'WS1', level: 'workshop' as const },
  { factoryId: 'F1', path: 'WS1/L1', level: 'line' as const },
  { factoryId: 'F1', path: 'WS1/L2', level: 'line' as const },
];
const counts = (good: number, reject: number) =>
  grid(L(D, '08:00'), L(D, '12:00'), 240 * MIN, () => [good, reject]);
const machines = [
  // A 0.75 (60 min fault), P 1, Q 170/180
  machine('M1', 'WS1/L1/ST1', {
    states: samples([
      [L(D, '08:00'), 3],
      [L(D, '10:00'), 1],
      [L(D, '11:00'), 3],
    ]),
    counts: counts(170, 10),
    defaultIdealCycleS: 60,
  }),
  // A 1, P 200/240, Q 1 — the line's last station
  machine('M2', 'WS1/L1/ST2', {
    states: samples([[L(D, '08:00'), 3]]),
    counts: counts(200, 0),
    defaultIdealCycleS: 60,
  }),
  // A 0.5 (2 h starved), P 1, Q 1
  machine('M3', 'WS1/L2/ST1', {
    states: samples([
      [L(D, '08:00'), 2],
      [L(D, '10:00'), 3],
    ]),
    counts: counts(120, 0),
    defaultIdealCycleS: 60,
  }),
];

describe('line, workshop and factory aggregation', () => {
  const withOutput = snapshotWith(
    { calendar: cal },
    {
      assets,
      lines: [{ factoryId: 'F1', path: 'WS1/L1', outputCounter: { deviceId: 'M2', metric: 'goodCount' } }],
    },
  );

  it('a line with an output counter follows its last station', () => {
    const r = computeFactoryOee({
      snapshot: withOutput,
      machines,
      fromMs: L(D, '08:00'),
      toMs: L(D, '12:00'),
    });
    const l1 = r.lines.find((l) => l.assetPath === 'WS1/L1');
    expect(l1?.rule).toBe('lastStation');
    expect(l1?.ruleDeviceId).toBe('M2');
    expect(l1?.period.oee).toBeCloseTo(200 / 240, 12);
  });

  it('time-weighted: Σoperating/ΣPPT, Σideal/Σoperating, Σgood/Σpieces', () => {
    const r = computeFactoryOee({
      snapshot: withOutput,
      machines,
      fromMs: L(D, '08:00'),
      toMs: L(D, '12:00'),
      config: { lineRule: 'timeWeighted' },
    });
    const l1 = r.lines.find((l) => l.assetPath === 'WS1/L1');
    expect(l1?.rule).toBe('timeWeighted');
    expect(l1?.period.availability).toBeCloseTo(420 / 480, 12);
    expect(l1?.period.performance).toBeCloseTo(380 / 420, 12);
    expect(l1?.period.quality).toBeCloseTo(370 / 380, 12);
    expect(l1?.period.oee).toBeCloseTo(370 / 480, 12);
    expect(r.lines.find((l) => l.assetPath === 'WS1/L2')?.period.oee).toBeCloseTo(0.5, 12);
    const ws = r.workshops[0];
    expect(ws?.assetPath).toBe('WS1');
    expect(ws?.period.availability).toBeCloseTo(540 / 720, 12);
    expect(ws?.period.oee).toBeCloseTo(490 / 720, 12);
    expect(r.factory.period.oee).toBeCloseTo(490 / 720, 12);
    expect(r.factory.days[0]?.oee).toBeCloseTo(490 / 720, 12);
    expect(r.factory.shifts[0]?.shift).toBe('早班');
  });

  it('live line status: last-station rule vs most severe machine state, today so far', () => {
    const nowMs = L(D, '10:30');
    const noOutput = snapshotWith({ calendar: cal }, { assets });
    const worst = computeLineStatus({ snapshot: noOutput, machines, nowMs });
    const l1 = worst.find((l) => l.assetPath === 'WS1/L1');
    expect(l1).toMatchObject({
      state: 'unplannedStop',
      sinceMs: L(D, '10:00'),
      rule: 'worstMachine',
      calendar: 'production',
    });
    expect(l1?.machines.map((m) => m.state)).toEqual(['unplannedStop', 'running']);
    expect(l1?.today.fromMs).toBe(L(D, '00:00'));
    // 08:00–10:30 = 150 min planned; M1 ran 120, M2 150 → A = 270/300
    expect(l1?.today.availability).toBeCloseTo(270 / 300, 12);
    const last = computeLineStatus({ snapshot: withOutput, machines, nowMs }).find(
      (l) => l.assetPath === 'WS1/L1',
    );
    expect(last).toMatchObject({ state: 'running', sinceMs: L(D, '08:00'), rule: 'lastStation' });
    const l2 = worst.find((l) => l.assetPath === 'WS1/L2');
    expect(l2).toMatchObject({ state: 'running', sinceMs: L(D, '10:00') });
  });

  it('without a shift calendar all time is planned production time (24/7)', () => {
    const r = computeFactoryOee({
      snapshot: snapshotWith({}, { assets }),
      machines: [machines[2] as (typeof machines)[number]],
      fromMs: L(D, '08:00'),
      toMs: L(D, '12:00'),
    });
    expect(r.hasCalendar).toBe(false);
    expect(r.machines[0]?.period.totals.plannedProductionMs).toBe(240 * MIN);
    expect(r.machines[0]?.shifts).toEqual([]);
  });
});
