import { describe, expect, it } from 'vitest';
import { buildContext } from '../context.js';
import { rollingMedian, slidingFromMinutes } from '../demand.js';
import { seriesFrom } from '../series.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry } from '../test-support.js';
import { maxDemand } from './max-demand.js';

// Base: 100 kW in production (08–12, 13–17), 50 kW in the 12–13 break, 20 kW off-shift.
const base = (minute: number) => {
  const h = Math.floor(minute / 60) % 24;
  return h >= 8 && h < 17 ? (h === 12 ? 50 : 100) : 20;
};
type Profile = (minuteOfDay: number) => number;
const spike =
  (fromMin: number, toMin: number, kw = 60): Profile =>
  (m) =>
    base(m) + (m >= fromMin && m < toMin ? kw : 0);

/** One day of a billing meter with minute data (the 滑差 demand is computed from it) and its quarter-hours. */
function plant(profile: Profile, opts: { contractDemandKw?: number; minutes?: boolean } = {}) {
  const reg = registry(
    [device('M0', 'meter', { meterRole: 'mainIncomer', name: '总进线' })],
    opts.contractDemandKw ? { contractDemandKw: opts.contractDemandKw } : {},
  );
  const perMinute = Array.from({ length: 1440 }, (_, m) => profile(m) / 60);
  const quarter = (i: number) => perMinute.slice(i * 15, i * 15 + 15).reduce((a, b) => a + b, 0) * 4;
  return input({
    registry: reg,
    days: 1,
    meters: [
      elecMeter('M0', MONDAY, PER_DAY, (i) => quarter(i), {
        ...(opts.minutes === false ? {} : { minuteKwh: seriesFrom(MONDAY, perMinute, 60_000) }),
      }),
    ],
    options: { demandPriceCnyPerKwMonth: 40 },
  });
}
const figure = (f: { evidence: { figures: { key: string; value: number | null }[] } }, k: string) =>
  f.evidence.figures.find((x) => x.key === k)!.value!;

describe('rule 5: maximum demand (15-min sliding window, 1-min step)', () => {
  it('measures the billed maximum on the sliding window: a 10:05–10:25 spike is seen whole, fixed blocks see 2/3 of it', () => {
    const f = maxDemand.run(buildContext(plant(spike(605, 625)))).findings[0]!;
    // The window 10:05–10:20 lies inside the spike: 100 + 60. Fixed blocks 10:00–10:15 and 10:15–10:30 each
    // hold 10 of its 20 minutes: 100 + 40.
    expect(figure(f, 'maxDemandKw')).toBeCloseTo(160, 9);
    expect(figure(f, 'shaveKw')).toBeCloseTo(60, 9);
    expect(f.basis.join(' ')).toMatch(/sliding every minute/);
    const blocks = maxDemand.run(buildContext(plant(spike(605, 625), { minutes: false }))).findings[0]!;
    expect(figure(blocks, 'maxDemandKw')).toBeCloseTo(140, 9);
    expect(blocks.basis.join(' ')).toMatch(/fixed 15-min blocks/);
  });

  it('shaves a 2-hour plateau (a ±1 h median called it sustained: 0 kW)', () => {
    const f = maxDemand.run(buildContext(plant(spike(540, 660)))).findings[0]!;
    expect(figure(f, 'maxDemandKw')).toBeCloseTo(160, 9);
    expect(figure(f, 'sustainedKw')).toBeCloseTo(100, 9);
    expect(figure(f, 'shaveKw')).toBeCloseTo(60, 9);
  });

  it('does not shave the sustained load of a shift (4 h above the night is the plant, not a peak)', () => {
    const f = maxDemand.run(buildContext(plant((m) => base(m) + (m >= 480 && m < 720 ? 40 : 0)))).findings;
    expect(f).toEqual([]);
  });

  it('counts >105 % exceedance on the sliding windows and prices it double (发改办价格〔2016〕1583号)', () => {
    const f = maxDemand.run(buildContext(plant(spike(605, 625), { contractDemandKw: 150 }))).findings[0]!;
    expect(f.severity).toBe('high'); // 160 > 1.05 × 150 = 157.5
    expect(figure(f, 'exceedanceKw')).toBeCloseTo(2.5, 9);
    // Windows ending 10:20 … 10:25 average above 157.5 kW (≥ 14.4 of 15 minutes inside the spike: only the one
    // fully inside, ending 10:20) — all in the quarter-hour ending 10:30: one quarter-hour over.
    expect(figure(f, 'exceedanceQuarterHours')).toBe(1);
    // Month: 60 kW × 40 ¥ + the double-billed 2.5 kW (2.5 × 40 × (2 − 1)) = 2 500 ¥ → ×12.
    expect(figure(f, 'savingCny')).toBeCloseTo(2500, 9);
    expect(f.saving!.costCny).toBeCloseTo(30_000, 6);
    expect(f.saving!.energyKwh).toBe(0);
  });

  it('stays silent on a flat profile', () => {
    expect(maxDemand.run(buildContext(plant(base))).findings).toEqual([]);
  });

  it('computes per quarter-hour the highest window ending in it, skipping windows with a gap', () => {
    const m = new Float64Array(45).fill(1 / 60); // 1 kW
    m[20] = 16 / 60; // 16 kW in minute 20
    m[40] = Number.NaN;
    const d = slidingFromMinutes(m, 3);
    expect(d[0]).toBeCloseTo(1, 12); // window 0–15
    expect(d[1]).toBeCloseTo(2, 12); // windows ending 16…30 include minute 20: (14 + 16) / 15
    // windows ending 31…45: those containing minute 40 are unknown; ending 31–35 (minutes 16–35) include 20.
    expect(d[2]).toBeCloseTo(2, 12);
    expect(Array.from(rollingMedian(Float64Array.from([1, 9, 2, Number.NaN, 3]), 1))).toEqual([
      5, 2, 5.5, 2.5, 3,
    ]);
  });
});
