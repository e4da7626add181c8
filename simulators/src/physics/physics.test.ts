import { MachineryItemState, plannedProductionMs } from '@xiang/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { GroundTruth } from '../ground-truth.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { Rng, rngFor } from './prng.js';
import { Simulation } from './simulation.js';

const DAY = 86_400_000;
let tiny: Scenario;
beforeAll(async () => {
  tiny = await loadScenario('tiny');
});

function run(s: Scenario, days: number, opts: ConstructorParameters<typeof Simulation>[1] = {}): Simulation {
  const sim = new Simulation(s, opts);
  sim.advanceTo(sim.startMs + days * DAY);
  return sim;
}

describe('prng', () => {
  it('mulberry32 is reproducible and per-entity streams differ', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(rngFor(7, 'machine:A').next()).not.toBe(rngFor(7, 'machine:B').next());
  });
});

describe('simulation physics', () => {
  it('is a deterministic function of scenario, seed and start', () => {
    const a = new Simulation(tiny);
    const b = new Simulation(tiny);
    for (let i = 0; i < 3000; i++) expect(b.step().values).toEqual(a.step().values);
    const other = new Simulation({ ...tiny, seed: 43 });
    other.advanceTo(a.nowMs);
    expect(other.current?.values).not.toEqual(a.current?.values);
  });

  it('energy counters are the integral of the published power over ticks', () => {
    const sim = new Simulation(tiny);
    const pI = sim.catalog.metric('M-MAIN', 'activePower')!.index;
    const eI = sim.catalog.metric('M-MAIN', 'energyImport')!.index;
    const qI = sim.catalog.metric('M-MAIN', 'reactivePower')!.index;
    const rI = sim.catalog.metric('M-MAIN', 'reactiveEnergyImport')!.index;
    const first = sim.step();
    let kwh = first.values[eI] as number;
    let kvarh = first.values[rI] as number;
    let prev = first;
    for (let i = 0; i < 2 * 1440; i++) {
      const s = sim.step();
      kwh += ((prev.values[pI] as number) * 60) / 3600;
      kvarh += ((prev.values[qI] as number) * 60) / 3600;
      expect(s.values[eI]).toBeCloseTo(kwh, 6);
      expect(s.values[rI]).toBeCloseTo(kvarh, 6);
      prev = s;
    }
    // a machine standing still all Sunday: 0.6 kW standby × 24 h on CNC01 alone is inside M-WS1
    expect(kwh - (first.values[eI] as number)).toBeGreaterThan(0);
  });

  it('PF = P/√(P²+Q²), per-phase powers add up, the tree sums children plus losses', () => {
    const sim = new Simulation(tiny);
    sim.advanceTo(sim.startMs + 10 * 3_600_000); // Monday 10:00 local, break just started
    for (let i = 0; i < 200; i++) {
      const s = sim.step();
      const v = (d: string, k: string) => s.values[sim.catalog.metric(d, k)!.index] as number;
      const p = v('M-MAIN', 'activePower');
      const q = v('M-MAIN', 'reactivePower');
      expect(v('M-MAIN', 'powerFactor')).toBeCloseTo(p / Math.hypot(p, q), 6);
      expect(
        v('M-MAIN', 'activePower.L1') + v('M-MAIN', 'activePower.L2') + v('M-MAIN', 'activePower.L3'),
      ).toBeCloseTo(p, 4);
      const base = sim.segment.kind === 'offShift' ? 1.5 : 6;
      const expected = (v('M-WS1', 'activePower') + v('M-AC01', 'activePower') + base) * 1.01;
      expect(p).toBeCloseTo(expected, 3);
    }
  });

  it('the shift calendar drives machine states and state times add up to the interval', () => {
    const sim = run(tiny, 7);
    const truth = new GroundTruth(sim);
    const from = sim.startMs;
    const to = from + 7 * DAY;
    const planned = plannedProductionMs(tiny.calendar, from, to);
    expect(planned).toBe(5 * (9 * 60 - 70) * 60_000); // 5 days × (9 h − 70 min of breaks)
    for (const id of ['CNC01', 'CNC02', 'WASH01']) {
      const d = truth.stateDurations(id, from, to);
      const sum = Object.values(d.states).reduce((a, b) => a + b, 0);
      expect(sum).toBe(to - from);
      expect(Object.values(d.modes).reduce((a, b) => a + b, 0)).toBe(to - from);
      // outside planned production every machine is NotAvailable (or OutOfService while a repair runs on)
      expect(d.states.NotAvailable + d.states.OutOfService).toBeGreaterThanOrEqual(to - from - planned);
      expect(d.states.Executing).toBeGreaterThan(0.7 * planned);
      expect(d.states.Executing + d.states.NotExecuting).toBeLessThanOrEqual(planned);
    }
    // Saturday: no production at all
    const sat = from + 5 * DAY;
    expect(truth.stateDurations('CNC01', sat, sat + DAY).states.Executing).toBe(0);
  });

  it('good and reject counts follow cycle time and reject rate', () => {
    const sim = run(tiny, 7);
    const truth = new GroundTruth(sim);
    const from = sim.startMs;
    const to = from + 7 * DAY;
    const spec = tiny.workshops[0]!.lines[0]!.machines[0]!;
    const exec = truth.stateDurations('CNC01', from, to).states.Executing / 1000;
    const c = truth.counts('CNC01', from, to);
    const parts = c.good + c.reject;
    expect(Math.abs(parts - (exec / spec.idealCycleTimeS!) * spec.performance)).toBeLessThanOrEqual(1);
    expect(c.reject / parts).toBeGreaterThan(spec.rejectRate / 3);
    expect(c.reject / parts).toBeLessThan(spec.rejectRate * 3);
    const gI = sim.catalog.metric('CNC01', 'goodCount')!.index;
    expect(sim.current!.values[gI]).toBe(truth.counts('CNC01', from, sim.nowMs).good);
  });

  it('ground truth counter increase equals the published counter difference', () => {
    const sim = new Simulation(tiny);
    const eI = sim.catalog.metric('M-MAIN', 'energyImport')!.index;
    const at = new Map<number, number>();
    for (let i = 0; i <= 1440; i++) {
      const s = sim.step();
      at.set(s.timeMs, s.values[eI] as number);
    }
    const truth = new GroundTruth(sim);
    const a = sim.startMs + 3_600_000;
    const b = sim.startMs + 20 * 3_600_000;
    expect(truth.counterIncrease('M-MAIN', a, b)).toBe(at.get(b)! - at.get(a)!);
    const hourly = truth.hourly(a, b, ['M-MAIN']);
    expect(hourly).toHaveLength(19);
    expect(hourly.reduce((s, r) => s + r.consumption, 0)).toBeCloseTo(at.get(b)! - at.get(a)!, 6);
    expect(() => truth.counterIncrease('M-MAIN', a + 1000, b)).toThrow(/tick boundary/);
    expect(() => truth.counterIncrease('M-MAIN', a, sim.startMs + 3 * DAY)).toThrow(
      /outside the simulated history/,
    );
  });

  it('utility use follows production', () => {
    const sim = run(tiny, 7);
    const truth = new GroundTruth(sim);
    const mon = sim.startMs;
    const sun = sim.startMs + 6 * DAY;
    const water = (d: number) => truth.counterIncrease('M-WATER', d, d + DAY);
    expect(water(sun)).toBeCloseTo(0.05 * 24, 6); // base flow only
    expect(water(mon)).toBeGreaterThan(2);
    expect(truth.counterIncrease('M-AIR', mon, mon + DAY)).toBeGreaterThan(
      truth.counterIncrease('M-AIR', sun, sun + DAY),
    );
  });

  it('machine states are OPC 40001-1 numbers', () => {
    const sim = run(tiny, 1);
    const sI = sim.catalog.metric('CNC01', 'state')!.index;
    expect(Object.values(MachineryItemState)).toContain(sim.current!.values[sI]);
  });
});
