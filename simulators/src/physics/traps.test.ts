import { beforeAll, describe, expect, it } from 'vitest';
import { buildBirth, selectMetrics } from '../birth.js';
import { GroundTruth } from '../ground-truth.js';
import { loadScenario, parseScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { Simulation } from './simulation.js';

/** Issue 9 §4: the scenario language for the traps real plants set for a diagnosis. */
const DAY = 86_400_000;
const H = 3_600_000;
let tiny: Scenario;
beforeAll(async () => {
  tiny = await loadScenario('tiny');
});
const variant = (patch: (s: Record<string, unknown>) => void): Scenario => {
  const doc = structuredClone(tiny) as unknown as Record<string, unknown>;
  patch(doc);
  return parseScenario(doc);
};
type Doc = {
  workshops: { calendar?: unknown; overtime?: unknown }[];
  meters: Record<string, unknown>[];
  faults: unknown[];
};
const mon = Date.parse('2025-03-03T00:00:00+08:00');

describe('scenario traps', () => {
  it('a workshop with its own calendar runs its machines on it (three shifts where the plant has one)', () => {
    const s = variant((d) => {
      (d as unknown as Doc).workshops[0]!.calendar = {
        ...tiny.calendar,
        shifts: [
          { name: '早班', start: '00:00', end: '08:00', breaks: [] },
          { name: '中班', start: '08:00', end: '16:00', breaks: [] },
          { name: '夜班', start: '16:00', end: '24:00', breaks: [] },
        ],
      };
    });
    const sim = new Simulation(s);
    sim.advanceTo(mon + DAY);
    const t = new GroundTruth(sim);
    // 02:00–04:00 is off-shift for the plant, production for this workshop.
    expect(t.stateDurations('CNC01', mon + 2 * H, mon + 4 * H).states.NotAvailable).toBeLessThan(0.5 * H);
  });

  it('overtime makes machines produce outside the calendar (Saturday)', () => {
    const sat = mon + 5 * DAY;
    const s = variant((d) => {
      (d as unknown as Doc).workshops[0]!.overtime = [
        { from: '2025-03-08T08:00:00+08:00', to: '2025-03-08T12:00:00+08:00' },
      ];
    });
    const sim = new Simulation(s);
    sim.advanceTo(sat + DAY);
    const t = new GroundTruth(sim);
    expect(t.stateDurations('CNC01', sat + 8 * H, sat + 12 * H).states.Executing).toBeGreaterThan(2 * H);
    expect(t.stateDurations('CNC01', sat + 13 * H, sat + 17 * H).states.Executing).toBe(0);
  });

  it('a rollover and a meter replacement change the published register, never the true quantity', () => {
    const s = variant((d) => {
      const m = (d as unknown as Doc).meters.find((x) => x.id === 'M-WS1')!;
      m.initialReading = 99_990;
      m.rolloverAt = 100_000;
      const w = (d as unknown as Doc).meters.find((x) => x.id === 'M-AC01')!;
      w.replacements = [{ at: '2025-03-03T12:00:00+08:00', newReading: 0 }];
    });
    const sim = new Simulation(s);
    const ws1 = sim.catalog.metric('M-WS1', 'energyImport')!;
    const ac = sim.catalog.metric('M-AC01', 'energyImport')!;
    expect(ws1.rolloverAt).toBe(100_000);
    let wrapped = false;
    let acAtNoon = Number.NaN;
    for (let k = 0; k <= 24 * 60; k++) {
      const snap = sim.step();
      const pub = snap.values[ws1.index] as number;
      const truth = new GroundTruth(sim).counterAt('M-WS1', snap.timeMs);
      expect(pub).toBeCloseTo(truth % 100_000, 6);
      if (truth >= 100_000) wrapped = true;
      if (snap.timeMs === mon + 12 * H) acAtNoon = snap.values[ac.index] as number;
    }
    expect(wrapped).toBe(true);
    expect(acAtNoon).toBe(0);
    const t = new GroundTruth(sim);
    const after = (sim.current!.values[ac.index] as number) - acAtNoon;
    expect(after).toBeCloseTo(t.counterIncrease('M-AC01', mon + 12 * H, mon + DAY), 6);
    // The birth announces the rollover value, so the platform can tell a wrap from a reset.
    const birth = buildBirth(sim.catalog, selectMetrics(sim.catalog, 'energy'), 'sess-00001', mon);
    expect(birth.metrics.find((m) => m.deviceId === 'M-WS1' && m.key === 'energyImport')?.rolloverAt).toBe(
      100_000,
    );
  });

  it('births declare equipment: class from the type, lead/lag from the sequence, nominal voltage, measured machines', () => {
    const s = variant((d) => {
      const m = (d as unknown as Doc).meters.find((x) => x.id === 'M-MAIN')!;
      m.nominalVoltageKv = 10;
    });
    const sim = new Simulation(s);
    const birth = buildBirth(sim.catalog, selectMetrics(sim.catalog, 'energy'), 'sess-00001', mon);
    const dev = (id: string) => birth.devices.find((x) => x.id === id)!;
    expect(dev('UT-AC01').equipment).toMatchObject({
      class: 'airCompressor',
      role: 'lead',
      standbyPowerKw: 0.4,
    });
    expect(dev('M-AC01').equipment).toMatchObject({
      class: 'airCompressor',
      role: 'lead',
      nominalVoltageKv: 0.4,
    });
    expect(dev('M-AC01').measures).toEqual(['UT-AC01']);
    expect(dev('M-MAIN').equipment).toEqual({ nominalVoltageKv: 10 });
    expect(dev('CNC01').equipment?.class).toBe('cnc');
    // A 10 kV point's phase voltage is 10 kV/√3.
    sim.step();
    const v = sim.current!.values[sim.catalog.metric('M-MAIN', 'voltage.L2')!.index] as number;
    expect(v / (10_000 / Math.sqrt(3))).toBeGreaterThan(0.95);
    expect(v / (10_000 / Math.sqrt(3))).toBeLessThan(1.05);
  });

  it('demand-spike truth is what removing the spikes takes off the sliding 15-min maximum', () => {
    const s = variant((d) => {
      (d as unknown as Doc).faults = [
        { id: 's', type: 'demandSpikes', meter: 'M-WS1', kw: 80, minutes: 20, at: ['09:07'], weekdays: [1] },
      ];
    });
    const sim = new Simulation(s);
    const clean = new Simulation(parseScenario({ ...s, faults: [] }));
    sim.advanceTo(mon + DAY);
    clean.advanceTo(mon + DAY);
    const truth = new GroundTruth(sim).faults(mon, mon + DAY)[0]!.truth;
    // Independently: the sliding maximum of the faulty plant minus that of the clean twin (same random
    // streams, the spike is the only difference), minute by minute from the counters.
    const slidingMax = (g: GroundTruth) => {
      let best = 0;
      for (let t = mon; t + 15 * 60_000 <= mon + DAY; t += 60_000)
        best = Math.max(best, g.counterIncrease('M-MAIN', t, t + 15 * 60_000) * 4);
      return best;
    };
    const expected = slidingMax(new GroundTruth(sim)) - slidingMax(new GroundTruth(clean));
    expect(truth.shaveKw as number).toBeCloseTo(expected, 6);
    // A 20-min spike not aligned to the quarter hour: the sliding window sees all of it, a fixed block does not.
    expect(truth.shaveKw as number).toBeGreaterThan(80 * 0.95);
    const block = new GroundTruth(sim).maxDemand('M-MAIN', mon, mon + DAY).kw;
    expect(truth.maxDemandKw as number).toBeGreaterThan(block);
  });
});
