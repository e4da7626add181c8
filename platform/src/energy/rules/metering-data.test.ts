import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { diagnose } from '../diagnose.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series } from '../test-support.js';
import { meteringData } from './metering-data.js';

describe('rule 9b: metering data', () => {
  // M0 = M1 + M2 + 5 kW own load. M1 (10 kW) freezes 10:00–20:00 while its power gauge shows 10 kW;
  // M2 (20 kW) drops out 02:30–04:30 and reads −1 kWh once; M0's THD channel is Bad throughout.
  const reg = registry([
    device('M0', 'meter', { meterRole: 'mainIncomer', name: '总进线' }),
    device('M1', 'meter', { meterRole: 'feeder', parentMeter: 'M0', name: '馈线1' }),
    device('M2', 'meter', { meterRole: 'feeder', parentMeter: 'M0', name: '馈线2' }),
  ]);
  const inp = input({
    registry: reg,
    days: 1,
    meters: [
      elecMeter('M0', MONDAY, PER_DAY, () => 35, { voltageThdPct: series(MONDAY, PER_DAY, () => null) }),
      elecMeter('M1', MONDAY, PER_DAY, (i) => (i >= 40 && i < 80 ? 0 : 10), {
        powerKw: series(MONDAY, PER_DAY, () => 10),
      }),
      elecMeter('M2', MONDAY, PER_DAY, (i) => (i >= 10 && i < 18 ? null : i === 50 ? -4 : 20)),
    ],
  });
  const out = meteringData.run(buildContext(inp));
  const byId = (id: string) => out.findings.find((f) => f.id === id)!;
  const figure = (id: string, k: string) => byId(id).evidence.figures.find((x) => x.key === k)!.value;

  it('finds the frozen counter and what it missed', () => {
    expect(figure('meteringData:M1', 'frozenHours')).toBe(10);
    expect(figure('meteringData:M1', 'frozenMissed')).toBeCloseTo(100, 12); // 10 kW × 10 h
    expect(byId('meteringData:M1').severity).toBe('medium');
    expect(byId('meteringData:M1').when.fromMs).toBe(MONDAY + 10 * 3_600_000);
  });

  it('finds the drop-out, the negative reading and the Bad channel', () => {
    expect(figure('meteringData:M2', 'gapHours')).toBe(2);
    expect(figure('meteringData:M2', 'negativeSlots')).toBe(1);
    expect(byId('meteringData:M2').severity).toBe('medium'); // the negative value; the drop-out alone is low
    expect(byId('meteringData:M0').what.en).toMatch(/voltageThd: 100 % without a good value/);
    expect(byId('meteringData:M0').severity).toBe('low');
  });

  it('balances the tree on the quarter-hours where every meter has data', () => {
    // 88 common quarter-hours: parent 88 × 8.75 = 770 kWh; M1 48 × 2.5 = 120; M2 87 × 5 − 1 = 434 → 216 (28.05 %).
    expect(figure('meteringBalance:M0', 'parentQuantity')).toBeCloseTo(770, 9);
    expect(figure('meteringBalance:M0', 'childrenQuantity')).toBeCloseTo(554, 9);
    expect(figure('meteringBalance:M0', 'unmeteredShare')).toBeCloseTo((216 / 770) * 100, 9);
    expect(byId('meteringBalance:M0').severity).toBe('info'); // a remainder is information; coverage judges duties
  });

  it('accounts the frozen stretch as a gap, never as zero consumption, and still reports it as frozen', () => {
    const result = diagnose(inp);
    const m1 = result.accounting.nodes.find((n) => n.meterId === 'M1')!;
    expect(m1.gapSlots).toBe(40); // 10:00–20:00 = 40 quarter hours, all frozen
    expect(m1.total).toBe(2.5 * 56); // 56 good quarter hours of 10 kW (2.5 kWh each); the frozen ones are gaps
    const frozen = result.findings.find((f) => f.id === 'meteringData:M1')!;
    expect(frozen.evidence.figures.find((x) => x.key === 'frozenHours')!.value).toBe(10);
  });

  it('raises nothing above info from data missing at the edges of a period longer than the data', () => {
    // A week requested, data for two days only (the console's default period is longer than the history).
    const days = 7;
    const two = (kw: number) => (i: number) => (i < 2 * PER_DAY ? kw : null);
    const long = input({
      registry: reg,
      days,
      meters: [
        elecMeter('M0', MONDAY, days * PER_DAY, two(35), {
          voltageThdPct: series(MONDAY, days * PER_DAY, (i) => (i < 2 * PER_DAY ? 2 : null)),
        }),
        elecMeter('M1', MONDAY, days * PER_DAY, two(10)),
        elecMeter('M2', MONDAY, days * PER_DAY, two(20)),
      ],
    });
    const res = diagnose(long);
    // On main: every meter "71 % missing" → high, and every gauge Bad → low.
    expect(res.findings.filter((f) => f.severity !== 'info').map((f) => `${f.id} ${f.severity}`)).toEqual([]);
    const m0 = res.findings.find((f) => f.id === 'meteringData:M0')!;
    expect(m0.what.en).toMatch(/coverage 28.6 %/);
    expect(m0.coverage).toEqual({ coveredHours: 48, periodHours: 168 });
  });
  it('judges a child above its parent only where the parent has every reading of the quarter-hour', () => {
    // Feeder P feeds line meter C (20 kW = 5 kWh a quarter). P drops out at 10:00: its last Good reading is
    // at 09:55 and a Bad one at 10:00, so its 09:45–10:00 quarter holds the 10 min of its reading pairs only —
    // 4 kWh (24 kW) — with the last 5 min silent (1/3, booked as unattributed gap consumption); 10:00–12:00 is
    // missing. Judged on that lower bound, C (5 kWh) was "above the parent" and the line meter a medium
    // "metering data" finding though both meters read right.
    const reg2 = registry([
      device('P', 'meter', { meterRole: 'feeder', name: '馈线' }),
      device('C', 'meter', { meterRole: 'equipment', parentMeter: 'P', name: '线表' }),
    ]);
    const silent = (i: number) => (i === 39 ? 1 / 3 : i >= 40 && i < 48 ? 1 : 0);
    const evidence = {
      silentShare: series(MONDAY, PER_DAY, silent),
    };
    const run = (pKw: (i: number) => number | null, withEvidence: boolean) =>
      meteringData
        .run(
          buildContext(
            input({
              registry: reg2,
              days: 1,
              meters: [
                elecMeter('P', MONDAY, PER_DAY, pKw, withEvidence ? { counterEvidence: evidence } : {}),
                elecMeter('C', MONDAY, PER_DAY, () => 20),
              ],
            }),
          ),
        )
        .findings.find((f) => f.id === 'meteringData:C');
    const beforeDropOut = (i: number) => (i === 39 ? 16 : i >= 40 && i < 48 ? null : 30); // 4 kWh at 09:45
    expect(run(beforeDropOut, true)).toBeUndefined();
    // The same 4 kWh with every reading of the quarter present (no silence) is a meter reading wrong.
    const c = run(beforeDropOut, false)!;
    expect(c.severity).toBe('medium');
    expect(c.what.en).toMatch(/^1 quarter-hours above the parent meter$/);
  });
});
