import { afterEach, describe, expect, it } from 'vitest';
import { diagnose } from '../energy/diagnose.js';
import type { StoredPoint } from '../store/types.js';
import { point, tempStore } from './adapters.test-support.js';
import { loadEnergyInputs } from './energy-inputs.js';
import { MON, points, snapshot } from './energy-inputs.test-support.js';

const MIN = 60_000;
const H = 3_600_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('energy inputs from the embedded store', () => {
  it('builds quarter-hour series by quantity, keeps gaps, and reports progress', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    await store.write(points());
    await store.flush();
    const progress: number[] = [];
    let total = 0;
    const inp = await loadEnergyInputs(store, snapshot(), {
      fromMs: MON,
      toMs: MON + 24 * H,
      batchSize: 2,
      onProgress: (p) => {
        progress.push(p.done);
        total = p.total;
      },
    });
    expect(progress).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(inp.period).toEqual({ fromMs: MON, toMs: MON + 24 * H });
    const m0 = inp.meters.find((m) => m.deviceId === 'M0')!;
    expect(m0.consumptionSource).toBe('counter');
    const v = Array.from(m0.consumption.values);
    // From the Bad sample at 10:00 until Good readings resume at 11:00 the consumption is unknown, not zero;
    // every other quarter-hour is 10 kWh but the one before the drop-out: its last minute (09:59–10:00) has
    // no reading pair, so it holds 14 min of it. The rise across the drop-out (09:59 → 11:00, 61 min at
    // 40 kW) is not spread over it: it is unattributed (gap) consumption.
    expect(v.map((x, i) => (Number.isNaN(x) ? i : -1)).filter((i) => i >= 0)).toEqual([40, 41, 42, 43]);
    expect(v[39]).toBeCloseTo((40 * 14) / 60, 9);
    expect(v.filter((x, i) => !Number.isNaN(x) && i !== 39).every((x) => Math.abs(x - 10) < 1e-9)).toBe(true);
    expect(m0.unattributed).toEqual([
      { fromMs: MON + 599 * MIN, toMs: MON + 11 * H, quantity: expect.closeTo((40 * 61) / 60, 9) },
    ]);
    expect(Array.from(m0.consumptionCoverage!.values.slice(39, 45))).toEqual([1, 0, 0, 0, 0, 1]);
    expect(m0.coverage!.consumption).toBeCloseTo(92 / 96, 12);
    const ev = m0.counterEvidence!;
    expect(ev.silentShare.values[39]).toBeCloseTo(1 / 15, 12);
    // The silent quarter-hours inside the drop-out are silent through and through; after it, none is.
    expect([ev.silentShare.values[41], ev.silentShare.values[42], ev.silentShare.values[50]]).toEqual([
      1, 1, 0,
    ]);
    expect(m0.coverage!.powerKw).toBe(1);
    expect(m0.reactiveKvarh!.values[0]).toBeCloseTo(7.5, 9);
    expect(m0.powerKw!.values[50]).toBe(40); // the total, not the phase power
    expect(m0.voltageV!.L2!.values[3]).toBe(231);
    expect(m0.voltageThdPct!.values[3]).toBe(3);
    // A channel the diagnosis does not read is still checked: all of current.L2 is Bad.
    // The energy counter's one Bad sample (the drop-out) shows too, at 1 of 1 381 samples.
    expect(m0.badMetrics).toEqual([
      { metric: 'energyImport', goodShare: expect.closeTo(1380 / 1381, 12) },
      { metric: 'current.L2', goodShare: 0 },
    ]);
    const m1 = inp.meters.find((m) => m.deviceId === 'M1')!;
    expect(m1.consumptionSource).toBe('power');
    // Silent quarter-hours carry the last Good value (time-weighted); after the Bad sample they stay unknown
    // until 20:00.
    const c1 = Array.from(m1.consumption.values);
    expect(m1.coverage!.consumption).toBeCloseTo(22 / 24, 12);
    expect(m1.consumptionCoverage!.values[75]).toBe(0);
    expect(c1.slice(0, 48).every((x) => x === 5)).toBe(true);
    expect(c1.slice(48, 72).every((x) => x === 7.5)).toBe(true);
    expect(c1.slice(72, 80).every(Number.isNaN)).toBe(true);
    expect(c1.slice(80).every((x) => x === 6.25)).toBe(true);
    const w1 = inp.meters.find((m) => m.deviceId === 'W1')!;
    expect([w1.medium, w1.unit]).toEqual(['water', 'm3']);
    // Silent nights are "no change" (0), not gaps; working quarter-hours 0.5 m³; flow carried through silence.
    const w = Array.from(w1.consumption.values);
    expect(w.some(Number.isNaN)).toBe(false);
    expect(w[10]).toBeCloseTo(0, 9);
    expect(w[40]).toBeCloseTo(0.5, 9);
    expect(w.reduce((x, y) => x + y, 0)).toBeCloseTo(18, 9); // 9 h × 2 m³/h
    expect(w1.flowPerH!.values[40]).toBe(2);
    expect(w1.flowPerH!.values[80]).toBe(0);
    expect(w1.flowPerH!.values[5]).toBeNaN(); // nothing known before the first flow sample (no look-back value)
    expect(w1.coverage!.flowPerH).toBeCloseTo(16 / 24, 12); // in force from 08:00 on
    expect(w1.unattributed).toBeUndefined(); // the silent night ends where it began: 100 → 100
    const cnc = inp.machines.find((m) => m.deviceId === 'CNC1')!;
    expect(Array.from(cnc.states!.state)).toEqual([0, 3, 2, 3, 0]);
    expect(cnc.states!.tMs[0]).toBe(MON - 2 * H);
    const line = inp.lines[0]!;
    expect(line).toMatchObject({
      assetPath: 'WS1/L1',
      productId: 'P',
      source: { deviceId: 'CNC1', metric: 'goodCount' },
    });
    // 479 parts (08:00 reads 0, 16:59 reads 479); none at night: the silent counter is "no parts", not a gap.
    const out = Array.from(line.output.values);
    expect(out.some(Number.isNaN)).toBe(false);
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(479, 6);
    expect(out[2]).toBe(0);

    // The pure domain accepts it as is.
    const r = diagnose(inp);
    // Known quarter-hours (91 × 10 kWh + 40 kW × 14 min) plus the rise across the drop-out, booked where the
    // reading resumed (09:59 → 11:00 = 61 min × 40 kW): the whole day of a 40 kW load, 24 h × 40 kW.
    expect(r.accounting.media.find((m) => m.medium === 'electricity')!.quantity).toBeCloseTo(
      91 * 10 + (40 * 14) / 60 + (40 * 61) / 60,
      6,
    );
    expect(91 * 10 + (40 * 14) / 60 + (40 * 61) / 60).toBeCloseTo(24 * 40, 9);
    expect(r.dataQuality.meters.find((m) => m.meterId === 'M0')!.gapSlots).toBe(4);
    expect(r.findings.find((f) => f.id === 'meteringData:M0')!.what.en).toMatch(
      /current\.L2: 100 % without a good value/,
    );
  });

  it('shows a counter that freezes and resumes as a silent stretch, its catch-up unattributed (freeze found)', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    // M0 draws 40 kW all day (its power, reported on change, is published once). Its counter, reported on
    // change, freezes at 12:00 — a frozen register does not change, so nothing is published — and comes
    // back at 18:00 with the whole 6 h of consumption in one jump.
    const pts: StoredPoint[] = [point('M0', 'activePower', MON, 40)];
    for (let k = 0; k <= 1440; k++) {
      const h = k / 60;
      if (h <= 12 || h >= 18) pts.push(point('M0', 'energyImport', MON + k * MIN, 1000 + 40 * h));
    }
    await store.write(pts);
    const inp = await loadEnergyInputs(store, snapshot(), { fromMs: MON, toMs: MON + 24 * H });
    const m0 = inp.meters.find((m) => m.deviceId === 'M0')!;
    const v = Array.from(m0.consumption.values);
    // Silent slots add nothing (they are not spread with the jump) and are marked silent for 6 h.
    expect(v.slice(48, 72)).toEqual(new Array(24).fill(0));
    expect(v.slice(0, 48).every((x) => Math.abs(x - 10) < 1e-9)).toBe(true);
    expect(m0.counterEvidence!.silentShare.values[60]).toBe(1);
    expect(m0.unattributed).toEqual([{ fromMs: MON + 12 * H, toMs: MON + 18 * H, quantity: 240 }]);
    expect(m0.powerKw!.values[60]).toBe(40);
    // The diagnosis sees the freeze (on main: 0 frozen hours, the jump spread over the silence).
    const r = diagnose(inp);
    expect(r.dataQuality.meters.find((m) => m.meterId === 'M0')!.frozenHours).toBe(6);
    expect(r.findings.find((f) => f.id === 'meteringData:M0')!.what.en).toMatch(
      /counter frozen for 6 h \(the power\/flow gauge shows about 240 unrecorded\)/,
    );
  });

  it('a counter whose first reading ever sits on a quarter-hour start: the time before it is unknown, never zero', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    // History replayed on quarter-hours from 06:00 (nothing before): +5 kWh a quarter-hour. The store marks the
    // unknown catch-up of that first reading in the interval holding 05:59:59.999 — the slot before its own.
    // Before the fix the 24 slots before 06:00 read as known zeros (an off-shift baseline of 0 kW raised an
    // alarm on the steady 20 kW load).
    const pts: StoredPoint[] = [];
    for (let k = 0; k <= 72; k++)
      pts.push(point('M0', 'energyImport', MON + 6 * H + k * 15 * MIN, 1000 + 5 * k));
    await store.write(pts);
    const inp = await loadEnergyInputs(store, snapshot(), { fromMs: MON, toMs: MON + 24 * H });
    const v = inp.meters.find((m) => m.deviceId === 'M0')!.consumption.values;
    expect(Array.from(v.subarray(0, 24)).every(Number.isNaN)).toBe(true);
    expect(Array.from(v.subarray(24, 96))).toEqual(new Array(72).fill(5));
  });

  it('rounds the period out to quarter-hours', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const inp = await loadEnergyInputs(store, snapshot(), { fromMs: MON + 5 * MIN, toMs: MON + H + MIN });
    expect(inp.period).toEqual({ fromMs: MON, toMs: MON + H + 15 * MIN });
    // Nothing stored: every registered meter is there, all gaps — never zeros.
    expect(inp.meters.map((m) => m.deviceId).sort()).toEqual(['M0', 'M1', 'W1']);
    expect(
      inp.meters.every((m) => m.consumption.values.length === 5 && m.consumption.values.every(Number.isNaN)),
    ).toBe(true);
    const r = diagnose(inp);
    expect(r.dataQuality.meters.every((m) => m.gapSlots === 5)).toBe(true);
  });
});
