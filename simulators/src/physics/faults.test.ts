import { StatusCodes } from '@xiang/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { GroundTruth } from '../ground-truth.js';
import { loadScenario, parseScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { Simulation } from './simulation.js';

const DAY = 86_400_000;
const H = 3_600_000;
let tiny: Scenario;
beforeAll(async () => {
  tiny = await loadScenario('tiny');
});

/** tiny with only the given faults; start Monday 2025-03-03 00:00 +08:00. */
function withFaults(faults: unknown[]): Scenario {
  return parseScenario({ ...tiny, faults });
}

function pair(faults: unknown[], days: number) {
  const faulty = new Simulation(withFaults(faults));
  const clean = new Simulation(withFaults([]));
  faulty.advanceTo(faulty.startMs + days * DAY);
  clean.advanceTo(clean.startMs + days * DAY);
  return {
    faulty,
    clean,
    ft: new GroundTruth(faulty),
    ct: new GroundTruth(clean),
    from: faulty.startMs,
    to: faulty.startMs + days * DAY,
  };
}

describe('injected faults', () => {
  it('offShiftBaseLoad on a meter adds exactly N kW outside production', () => {
    const { ft, ct, from, to } = pair([{ id: 'f', type: 'offShiftBaseLoad', target: 'M-WS1', kw: 5 }], 7);
    const extra = ft.counterIncrease('M-WS1', from, to) - ct.counterIncrease('M-WS1', from, to);
    const nonProdH = 168 - (5 * (9 * 60 - 70)) / 60;
    expect(extra).toBeCloseTo(5 * nonProdH, 6);
    const t = ft.faults(from, to)[0]!.truth;
    expect(t.wastedKwh).toBeCloseTo(5 * nonProdH, 6);
    expect(t.nonProductionHours).toBeCloseTo(nonProdH, 9);
    // the main incomer sees it through the tree (× 1.01 unmetered losses)
    expect(ft.counterIncrease('M-MAIN', from, to) - ct.counterIncrease('M-MAIN', from, to)).toBeCloseTo(
      5 * nonProdH * 1.01,
      3,
    );
  });

  it('a compressed-air leak on a compressor shows as its off-shift load and air flow', () => {
    const { faulty, ft, ct, from } = pair(
      [{ id: 'leak', type: 'offShiftBaseLoad', target: 'UT-AC01', kw: 6.8, cause: 'compressedAirLeak' }],
      7,
    );
    const sun = from + 6 * DAY;
    // Sunday: compressor off (0.4 kW standby) without the leak; standby + 6.8 kW with it
    expect(ct.counterIncrease('M-AC01', sun, sun + DAY)).toBeCloseTo(0.4 * 24, 6);
    expect(ft.counterIncrease('M-AC01', sun, sun + DAY)).toBeCloseTo((0.4 + 6.8) * 24, 6);
    // flow = 6.8 kW ÷ 6.8 kW/(m³/min) = 1 m³/min
    expect(ft.counterIncrease('M-AIR', sun, sun + DAY)).toBeCloseTo(60 * 24, 6);
    expect(ft.faults(sun, sun + DAY)[0]!.truth.meanExtraKwNonProduction).toBeCloseTo(6.8, 9);
    const pI = faulty.catalog.metric('M-AC01', 'activePower')!.index;
    expect(faulty.current!.values[pI]).toBeCloseTo(7.2, 6); // Monday 00:00 is off-shift
  });

  it('idleThroughBreaks keeps machines NotExecuting at idle power through breaks', () => {
    const { ft, ct, from } = pair(
      [{ id: 'i', type: 'idleThroughBreaks', machines: ['CNC01'], during: ['break'] }],
      1,
    );
    const lunch = from + 12 * H;
    expect(ct.stateDurations('CNC01', lunch, lunch + H).states.NotAvailable).toBe(H);
    expect(ft.stateDurations('CNC01', lunch, lunch + H).states.NotExecuting).toBe(H);
    const t = ft.faults(from, from + DAY)[0]!.truth;
    expect(t.idleMachineHours).toBeCloseTo(70 / 60, 9); // 10 + 60 min of breaks on Monday
    expect(t.wastedKwh).toBeCloseTo((4 - 0.6) * (70 / 60), 9);
  });

  it('lowPowerFactor holds the meter at the declared PF', () => {
    const { ft, from, to } = pair(
      [{ id: 'pf', type: 'lowPowerFactor', meter: 'M-WS1', powerFactor: 0.76 }],
      2,
    );
    expect(ft.powerFactor('M-WS1', from, to)).toBeCloseTo(0.76, 4);
    expect(ft.faults(from, to)[0]!.truth.powerFactor).toBeCloseTo(0.76, 4);
    expect(ft.powerFactor('M-AC01', from, to)).toBeGreaterThan(0.92);
  });

  it('phaseUnbalance and harmonicDistortion wander around the stated level; the truth is the 10-min P95 of what was published', () => {
    const sim = new Simulation(
      withFaults([
        { id: 'u', type: 'phaseUnbalance', meter: 'M-WS1', unbalancePct: 3 },
        { id: 'h', type: 'harmonicDistortion', meter: 'M-WS1', thdPct: 7.5 },
      ]),
    );
    const idx = (k: string) => sim.catalog.metric('M-WS1', k)!.index;
    const pub: Record<string, number[]> = { voltageUnbalance: [], voltageThd: [] };
    let ratio = 0;
    for (let k = 0; k < 1440; k++) {
      const snap = sim.step();
      for (const key of Object.keys(pub)) pub[key]!.push(snap.values[idx(key)] as number);
      if (k === 0) {
        // ε = U2/U1 with symmetric angles: |U1| = v(1+d), d = 3ε/(1−ε)
        const d = (snap.values[idx('voltage.L1')] as number) / (snap.values[idx('voltage.L2')] as number) - 1;
        ratio = d / (3 + d) / ((snap.values[idx('voltageUnbalance')] as number) / 100);
      }
    }
    sim.step();
    expect(ratio).toBeCloseTo(1, 3);
    // Hand-rolled 10-min means and type-7 P95 of the published values (not the truth's helpers).
    const p95of = (xs: number[]) => {
      const means: number[] = [];
      for (let a = 0; a < xs.length; a += 10) means.push(xs.slice(a, a + 10).reduce((x, y) => x + y, 0) / 10);
      means.sort((x, y) => x - y);
      const pos = 0.95 * (means.length - 1);
      const lo = Math.floor(pos);
      return means[lo]! + (means[lo + 1]! - means[lo]!) * (pos - lo);
    };
    const [u, h] = new GroundTruth(sim).faults(sim.startMs, sim.startMs + DAY);
    expect(u!.truth.p95TenMinUnbalancePct).toBeCloseTo(p95of(pub.voltageUnbalance!), 9);
    expect(h!.truth.p95TenMinThdPct).toBeCloseTo(p95of(pub.voltageThd!), 9);
    // Not the stated constant: the values wander (σ ≈ 8 %) and the P95 stands above the mean.
    const sd = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
    };
    expect(sd(pub.voltageThd!) / 7.5).toBeGreaterThan(0.03);
    expect(h!.truth.meanThdPct as number).toBeGreaterThan(7.5 * 0.85);
    expect(h!.truth.meanThdPct as number).toBeLessThan(7.5 * 1.15);
    expect(h!.truth.p95TenMinThdPct as number).toBeGreaterThan(h!.truth.meanThdPct as number);
  });

  it('demandSpikes raise the 15-min demand by N kW at the stated times', () => {
    const { ft, ct, from } = pair(
      [{ id: 's', type: 'demandSpikes', meter: 'M-WS1', kw: 150, minutes: 30, at: ['09:00'], weekdays: [1] }],
      2,
    );
    const nine = from + 9 * H;
    expect(
      ft.counterIncrease('M-WS1', nine, nine + 30 * 60_000) -
        ct.counterIncrease('M-WS1', nine, nine + 30 * 60_000),
    ).toBeCloseTo(75, 6);
    const d = ft.maxDemand('M-MAIN', from, from + DAY);
    expect(d.blockStartMs! >= nine && d.blockStartMs! < nine + 30 * 60_000).toBe(true);
    const t = ft.faults(from, from + 2 * DAY)[0]!.truth;
    expect(t.spikeCount).toBe(1); // Tuesday is not a spike day
    expect(t.extraKwh).toBeCloseTo(75, 9);
  });

  it('microStops stop the machine for D seconds about N times per executing hour', () => {
    const { ft, from, to } = pair(
      [{ id: 'm', type: 'microStops', machines: ['CNC01'], perHour: 6, seconds: 120 }],
      5,
    );
    const t = ft.faults(from, to)[0]!.truth;
    // a stop that runs into a break is cut short there, so the total is at most count × 120 s
    expect(t.totalSeconds).toBeLessThanOrEqual((t.count as number) * 120);
    expect(t.totalSeconds).toBeGreaterThan((t.count as number) * 120 * 0.9);
    expect(t.perExecutingHour).toBeGreaterThan(4.5);
    expect(t.perExecutingHour).toBeLessThan(7.5);
  });

  it('meterFreeze holds the published counter while the truth keeps counting', () => {
    const freezeAt = '2025-03-03T12:00:00+08:00';
    const { faulty, ft, from } = pair([{ id: 'z', type: 'meterFreeze', meter: 'M-WS1', from: freezeAt }], 1);
    const eI = faulty.catalog.metric('M-WS1', 'energyImport')!.index;
    const frozen = faulty.current!.values[eI];
    expect(frozen).toBe(ft.counterAt('M-WS1', Date.parse(freezeAt)));
    expect(faulty.current!.status[eI]).toBe(StatusCodes.Good);
    expect(ft.counterIncrease('M-WS1', Date.parse(freezeAt), from + DAY)).toBeGreaterThan(1);
    expect(ft.faults(from, from + DAY)[0]!.truth.frozenHours).toBe(12);
  });

  it('meterDropout makes every variable of the device Bad and stops it; the truth keeps counting', () => {
    const a = Date.parse('2025-03-03T09:00:00+08:00');
    const b = Date.parse('2025-03-03T11:00:00+08:00');
    const sim = new Simulation(
      withFaults([
        {
          id: 'd',
          type: 'meterDropout',
          device: 'M-WS1',
          from: '2025-03-03T09:00:00+08:00',
          to: '2025-03-03T11:00:00+08:00',
        },
      ]),
    );
    const dev = sim.catalog.device('M-WS1')!;
    let before: (number | string)[] = [];
    while (sim.nowMs < b + H) {
      const s = sim.step();
      const vals = dev.metrics.map((m) => s.values[m.index]!);
      const st = dev.metrics.map((m) => s.status[m.index]);
      if (s.timeMs === a - 60_000) before = vals;
      if (s.timeMs >= a && s.timeMs < b) {
        expect(st.every((x) => x === StatusCodes.BadNoCommunication)).toBe(true);
        expect(vals).toEqual(before);
      } else expect(st.every((x) => x === StatusCodes.Good)).toBe(true);
    }
    const truth = new GroundTruth(sim);
    const t = truth.faults(sim.startMs, sim.nowMs)[0]!.truth;
    expect(t.missingHours).toBe(2);
    expect(t.consumptionDuringDropout).toBeCloseTo(truth.counterIncrease('M-WS1', a, b), 9);
  });

  it('badQuality marks one variable Bad while it keeps moving', () => {
    const sim = new Simulation(tiny); // tiny declares M-AC01.voltageThd Bad
    const i = sim.catalog.metric('M-AC01', 'voltageThd')!.index;
    const j = sim.catalog.metric('M-AC01', 'voltageUnbalance')!.index;
    const seen = new Set<number>();
    for (let k = 0; k < 50; k++) {
      const s = sim.step();
      expect(s.status[i]).toBe(StatusCodes.BadSensorFailure);
      expect(s.status[j]).toBe(StatusCodes.Good);
      seen.add(s.values[i] as number);
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});
