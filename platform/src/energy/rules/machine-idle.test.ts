import { calendarSegments, shiftCalendarSchema } from '@xiang/protocol';
import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { device, elecMeter, H, input, MONDAY, PER_DAY, registry, states } from '../test-support.js';
import { idleHoursInStops, machineIdle } from './machine-idle.js';

// Monday, day shift 08–17, break 12–13. CNC1: off → executing 08:00 → idle 12:00 (through the break) →
// executing 13:00 → idle 17:00 → off 17:30. Idle in stops: 1 h break + 0.5 h after the shift.
const changes: [number, number][] = [
  [0, 0],
  [8, 3],
  [12, 2],
  [13, 3],
  [17, 2],
  [17.5, 0],
];
const kwOf = (h: number) => (h < 8 || h >= 17.5 ? 0.5 : (h >= 12 && h < 13) || h >= 17 ? 4 : 10);

describe('rule 3: machines idling through stops', () => {
  it('measures the idle excess on the machine meter (hand-computed)', () => {
    const reg = registry([
      device('MM', 'meter', { meterRole: 'equipment', assetPath: 'WS1/L1/CNC1' }),
      device('CNC1', 'machine', { assetPath: 'WS1/L1/CNC1', name: '数控1', standbyPowerKw: 0.5 }),
    ]);
    const inp = input({
      registry: reg,
      days: 1,
      meters: [elecMeter('MM', MONDAY, PER_DAY, (_, t) => kwOf(t.hour + t.minute / 60))],
      machines: [{ deviceId: 'CNC1', states: states(MONDAY, changes) }],
      options: { flatPriceCnyPerKwh: 1 },
    });
    const [f] = machineIdle.run(buildContext(inp)).findings;
    const figure = (k: string) => f!.evidence.figures.find((x) => x.key === k)!.value;
    expect(figure('idleBreakHours')).toBeCloseTo(1, 12);
    expect(figure('idleOffShiftHours')).toBeCloseTo(0.5, 12);
    expect(figure('stopHours')).toBeCloseTo(16, 12);
    expect(figure('excessKw')).toBeCloseTo(3.5, 12); // 4 kW idle − 0.5 kW standby
    expect(figure('wasteKwh')).toBeCloseTo(5.25, 12); // 3.5 kW × 1.5 h
    // Machine energy: 8 h × 10 + 1.5 h × 4 + 14.5 h × 0.5 = 93.25 kWh → 5.25/93.25 = 5.6 % → medium.
    expect(f!.severity).toBe('medium');
    // Price: break in valley (0.4 ¥), 17:00–17:30 in peak (1.6 ¥) → idle-weighted mean (4·0.4 + 2·1.6)/6 = 0.8.
    expect(f!.saving!.costCny).toBeCloseTo(5.25 * 0.8 * 365, 9);
    expect(f!.saving!.energyKwh).toBeCloseTo(5.25 * 365, 9);
  });

  it('prices idling from registered idle and standby power when the machine has no own meter', () => {
    const reg = registry([
      device('CNC1', 'machine', { assetPath: 'WS1/L1/CNC1', idlePowerKw: 4, standbyPowerKw: 0.5 }),
    ]);
    const inp = input({
      registry: reg,
      days: 1,
      meters: [],
      machines: [{ deviceId: 'CNC1', states: states(MONDAY, changes) }],
    });
    const [f] = machineIdle.run(buildContext(inp)).findings;
    expect(f!.evidence.figures.find((x) => x.key === 'wasteKwh')!.value).toBeCloseTo(5.25, 12);
    expect(f!.severity).toBe('low'); // 1.5 h of 16 h planned stops = 9.4 % (5 %–20 %)
  });

  it('reports the idle time alone when the energy cannot be priced', () => {
    const reg = registry([device('CNC1', 'machine', { assetPath: 'WS1/L1/CNC1' })]);
    const inp = input({
      registry: reg,
      days: 1,
      meters: [],
      machines: [{ deviceId: 'CNC1', states: states(MONDAY, changes) }],
    });
    const [f] = machineIdle.run(buildContext(inp)).findings;
    expect(f!.saving).toBeUndefined();
    expect(f!.what.en).toMatch(/not quantified/);
    expect(f!.evidence.figures.find((x) => x.key === 'idleHours')!.value).toBeCloseTo(1.5, 12);
  });

  it('intersects idle time exactly with breaks that are not on quarter-hours', () => {
    const cal = shiftCalendarSchema.parse({
      shifts: [{ name: 'd', start: '08:00', end: '17:00', breaks: [{ start: '10:10', end: '10:20' }] }],
    });
    const segs = calendarSegments(cal, MONDAY, MONDAY + 24 * H);
    // Idle 10:05–10:15 (5 min inside the break), then off through 10:20, idle again 16:55–17:05 (5 min off-shift).
    const st = states(MONDAY, [
      [0, 0],
      [10 + 5 / 60, 2],
      [10.25, 0],
      [16 + 55 / 60, 2],
      [17 + 5 / 60, 0],
    ])!;
    const h = idleHoursInStops(st, segs, MONDAY, MONDAY + 24 * H);
    expect(h.breakH * 60).toBeCloseTo(5, 9);
    expect(h.offShiftH * 60).toBeCloseTo(5, 9);
  });

  it('a machine waiting while its line works overtime in a long stop is not idling through the stop', () => {
    // Off shift 17:00–24:00 (7 h). The line works overtime 18:00–20:00: L1-B executes throughout, L1-A
    // executes 18–19 and waits (NotExecuting) 19–20 for parts. Two of seven stop hours are production the
    // calendar does not know; judged per stop (2/7 < ½) A's hour of waiting became "idling after the shift".
    const reg = registry([
      device('A', 'machine', { assetPath: 'WS1/L1/A', idlePowerKw: 4, standbyPowerKw: 0.5 }),
      device('B', 'machine', { assetPath: 'WS1/L1/B', idlePowerKw: 4, standbyPowerKw: 0.5 }),
    ]);
    const day: [number, number][] = [
      [0, 0],
      [8, 3],
      [12, 0],
      [13, 3],
      [17, 0],
    ];
    const inp = input({
      registry: reg,
      days: 1,
      meters: [],
      machines: [
        { deviceId: 'A', states: states(MONDAY, [...day, [18, 3], [19, 2], [20, 0]]) },
        { deviceId: 'B', states: states(MONDAY, [...day, [18, 3], [20, 0]]) },
      ],
    });
    expect(machineIdle.run(buildContext(inp)).findings).toEqual([]);
    // The same hour of waiting with the line stopped (B off) is idling after the shift.
    const alone = input({
      registry: reg,
      days: 1,
      meters: [],
      machines: [
        { deviceId: 'A', states: states(MONDAY, [...day, [18, 3], [19, 2], [20, 0]]) },
        { deviceId: 'B', states: states(MONDAY, day) },
      ],
    });
    const [f] = machineIdle.run(buildContext(alone)).findings;
    expect(f?.evidence.figures.find((x) => x.key === 'idleOffShiftHours')?.value).toBeCloseTo(1, 12);
  });
  it('a machine alone on its line, in a workshop working its own late shift, is not idling through the stop', () => {
    // Plant calendar: day shift 08–17 (break 12–13). Workshop WS2 runs a late shift the plant calendar does
    // not know: furnace FU (alone on line L1) and press P (line L2) execute 17:00–23:00; FU waits
    // (NotExecuting) 19:00–20:00 while P executes. FU has no line mates, so judged by its line alone that
    // hour was "idling after the shift" (1 h × (30 − 2) kW = 28 kWh invented); the rest of its workshop
    // executes throughout (P: 100 % > ½), so it is production the calendar does not know.
    const reg = registry([
      device('FU', 'machine', { assetPath: 'WS2/L1/FU', idlePowerKw: 30, standbyPowerKw: 2 }),
      device('P', 'machine', { assetPath: 'WS2/L2/P', idlePowerKw: 4, standbyPowerKw: 0.5 }),
    ]);
    const day: [number, number][] = [
      [0, 0],
      [8, 3],
      [12, 0],
      [13, 3],
    ];
    const fu: [number, number][] = [...day, [19, 2], [20, 3], [23, 0]];
    const inp = input({
      registry: reg,
      days: 1,
      meters: [],
      machines: [
        { deviceId: 'FU', states: states(MONDAY, fu) },
        { deviceId: 'P', states: states(MONDAY, [...day, [23, 0]]) },
      ],
    });
    expect(machineIdle.run(buildContext(inp)).findings).toEqual([]);
    // The same hour with the workshop stopped at 17:00 (P off) is idling after the shift: 1 h, 28 kWh.
    const stopped = input({
      registry: reg,
      days: 1,
      meters: [],
      machines: [
        { deviceId: 'FU', states: states(MONDAY, fu) },
        { deviceId: 'P', states: states(MONDAY, [...day, [17, 0]]) },
      ],
    });
    const [f] = machineIdle.run(buildContext(stopped)).findings;
    expect(f?.id).toBe('machineIdle:FU');
    expect(f?.evidence.figures.find((x) => x.key === 'idleOffShiftHours')?.value).toBeCloseTo(1, 12);
    expect(f?.evidence.figures.find((x) => x.key === 'wasteKwh')?.value).toBeCloseTo(28, 12);
  });
  it('a stop its workshop works through is not a stop, even where its only mate pauses too', () => {
    // Plant calendar: day shift 08–17 (break 12–13). Workshop WS4 (lathes A and B, one line) runs its own
    // shifts through the evening: both execute 17:00–24:00 but pause together 20:00–20:30 (A idle, B broken
    // down). Per quarter-hour, B executes 0 % of 20:00–20:30, so A's half hour was "idling after the shift";
    // over the whole 7 h stop the workshop executes (6.5 + 6.5) / 14 = 93 % > ½: it is the workshop's shift.
    const reg = registry([
      device('A', 'machine', { assetPath: 'WS4/L1/A', idlePowerKw: 4, standbyPowerKw: 0.5 }),
      device('B', 'machine', { assetPath: 'WS4/L1/B', idlePowerKw: 4, standbyPowerKw: 0.5 }),
    ]);
    const day: [number, number][] = [
      [0, 0],
      [8, 3],
      [12, 0],
      [13, 3],
    ];
    const run = (evening: [number, number][], eveningB: [number, number][]) =>
      machineIdle.run(
        buildContext(
          input({
            registry: reg,
            days: 1,
            meters: [],
            machines: [
              { deviceId: 'A', states: states(MONDAY, [...day, ...evening]) },
              { deviceId: 'B', states: states(MONDAY, [...day, ...eveningB]) },
            ],
          }),
        ),
      ).findings;
    expect(
      run(
        [
          [20, 2],
          [20.5, 3],
        ],
        [
          [20, 1],
          [20.5, 3],
        ],
      ),
    ).toEqual([]);
    // The workshop stops at 18:00 (2 of 14 machine-hours executed): A's half hour idle at 20:00 is idling.
    const [f] = run(
      [
        [18, 0],
        [20, 2],
        [20.5, 0],
      ],
      [[18, 0]],
    );
    expect(f?.id).toBe('machineIdle:A');
    expect(f?.evidence.figures.find((x) => x.key === 'idleOffShiftHours')?.value).toBeCloseTo(0.5, 12);
  });
});
