import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { CounterInterval, StoredPoint } from '../types.js';
import { BAD, DAY, type GetCtx, HOUR, key, MIN, pt, T0 } from './fixtures.js';

/**
 * A plain reference for counterIncrease, from the definition, sharing nothing with the engine: consecutive
 * Good readings (a, b) within maxGap cover (a, b) and share their step linearly over it; a wider spacing
 * covers nothing and its step is the catch-up of the interval holding b − 1; a drop is a reset counted from
 * zero. Silent runs: the stretches of the range no covering pair touches; flat runs: chains of covering
 * pairs with equal readings; each reported, with its length inside the range, to every interval it overlaps.
 */
type Reading = { t: number; v: number };
type Ref = CounterInterval;

function reference(rs: Reading[], fromMs: number, toMs: number, intervalMs: number, maxGapMs: number): Ref[] {
  const rem = ((fromMs % intervalMs) + intervalMs) % intervalMs;
  const out: Ref[] = [];
  for (let s = fromMs - rem; s < toMs; s += intervalMs) {
    out.push({
      startMs: Math.max(s, fromMs),
      endMs: Math.min(s + intervalMs, toMs),
      increase: null,
      coverage: 0,
      resets: 0,
      rollovers: 0,
      coveredIncrease: 0,
      gapIncrease: 0,
      gapFromMs: null,
      silentRunMs: 0,
      flatRunMs: 0,
    });
  }
  const at = (t: number) => out.find((b) => t >= b.startMs && t < b.endMs);
  const runTo = (field: 'silentRunMs' | 'flatRunMs', a: number, b: number) => {
    const a1 = Math.max(a, fromMs);
    const b1 = Math.min(b, toMs);
    if (b1 <= a1) return;
    for (const x of out) if (x.startMs < b1 && x.endMs > a1) x[field] = Math.max(x[field], b1 - a1);
  };
  const covered: [number, number][] = [];
  let flat: [number, number] | null = null;
  const firstIn = rs.findIndex((r) => r.t >= fromMs);
  if (firstIn === 0 && rs[0]!.t > fromMs) {
    const b = at(rs[0]!.t - 1);
    if (b) b.gapIncrease = null;
  }
  for (let i = 1; i < rs.length; i++) {
    const a = rs[i - 1]!;
    const b = rs[i]!;
    const delta = b.v >= a.v ? b.v - a.v : b.v;
    const end = at(b.t - 1);
    if (end && b.v < a.v) end.resets++;
    if (b.t - a.t > maxGapMs) {
      if (flat) runTo('flatRunMs', ...flat);
      flat = null;
      if (end) {
        if (end.gapIncrease !== null) end.gapIncrease += delta;
        end.gapFromMs = end.gapFromMs === null ? a.t : Math.min(end.gapFromMs, a.t);
      }
      continue;
    }
    covered.push([a.t, b.t]);
    if (a.v === b.v) flat = flat ? [flat[0], b.t] : [a.t, b.t];
    else if (flat) {
      runTo('flatRunMs', ...flat);
      flat = null;
    }
    for (const x of out) {
      const ov = Math.min(b.t, x.endMs) - Math.max(a.t, x.startMs);
      if (ov <= 0) continue;
      x.coverage += ov;
      x.coveredIncrease += (delta * ov) / (b.t - a.t);
    }
  }
  if (flat) runTo('flatRunMs', ...flat);
  let end = fromMs;
  for (const [a, b] of covered) {
    if (b <= fromMs || a >= toMs) continue;
    if (a > end) runTo('silentRunMs', end, a);
    end = Math.max(end, b);
  }
  if (end < toMs) runTo('silentRunMs', end, toMs);
  for (const x of out) {
    const len = x.endMs - x.startMs;
    x.increase = x.coverage >= len ? x.coveredIncrease : null;
    x.coverage /= len;
  }
  return out;
}

/** Readings minutes to hours apart (some exactly on quarter-hours), often flat, now and then a reset. */
const readings = fc.array(
  fc.record({
    stepMs: fc.oneof(
      fc.integer({ min: 1, max: 5 * MIN }),
      fc.integer({ min: 1, max: 16 }).map((q) => q * 15 * MIN),
      fc.integer({ min: 1, max: 4 * HOUR }),
    ),
    rise: fc.oneof(
      { arbitrary: fc.constant(0), weight: 3 },
      { arbitrary: fc.integer({ min: 1, max: 400 }).map((x) => x / 4), weight: 3 },
      { arbitrary: fc.constant(-1), weight: 1 },
    ),
    /** Then this many equal readings a minute apart: flat runs inside and across rollup buckets. */
    flatFor: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat({ max: 6 }), weight: 1 }),
  }),
  { maxLength: 150 },
);

/** Property: counterIncrease equals the plain reference over random counters and windows; rollups = raw. */
export function counterPropertyTests(ctx: GetCtx, numRuns: number): void {
  let run = 0;
  it(`counterIncrease equals an independent reference over random counters and windows (${numRuns} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        readings,
        fc.array(fc.nat({ max: 119 }), { maxLength: 6 }),
        fc.integer({ min: -2 * HOUR, max: 2 * DAY }),
        fc.integer({ min: 1, max: 2 * DAY }),
        fc.constantFrom(15 * MIN, HOUR, DAY, 20 * MIN),
        fc.constantFrom(15 * MIN, HOUR, 3 * HOUR),
        async (gen, badAt, fromOffset, lengthMs, intervalMs, maxGapMs) => {
          const { store } = ctx();
          const k = key(`counter-prop-${++run}`);
          const rs: Reading[] = [];
          const points: StoredPoint[] = [];
          let t = T0 - 3 * HOUR + (gen.length % 2) * 7_000; // half the cases off the quarter-hour grid
          let v = 1000;
          gen.forEach((x, i) => {
            t += x.stepMs;
            v = x.rise < 0 ? 3 : v + x.rise; // −1: a meter reset to 3
            if (badAt.includes(i))
              points.push(pt(k, t, 1e9, BAD)); // Bad readings are skipped
            else {
              rs.push({ t, v });
              points.push(pt(k, t, v));
            }
            for (let j = 0; j < x.flatFor; j++) {
              t += MIN;
              rs.push({ t, v });
              points.push(pt(k, t, v));
            }
          });
          await store.write(points);
          const fromMs = T0 + fromOffset;
          const toMs = fromMs + lengthMs;
          const q = { series: [k], fromMs, toMs, intervalMs, maxGapMs };
          const [got] = await store.counterIncrease(q);
          expect((await store.counterIncrease({ ...q, source: 'raw' }))[0]).toEqual(got);
          const want = reference(rs, fromMs, toMs, intervalMs, maxGapMs);
          const exact = (x: Ref) => [x.startMs, x.endMs, x.resets, x.gapFromMs, x.silentRunMs, x.flatRunMs];
          expect(got!.intervals.map(exact)).toEqual(want.map(exact));
          const near = (a: number | null, b: number | null) =>
            a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
          got!.intervals.forEach((x, i) => {
            const w = want[i]!;
            for (const f of ['increase', 'coverage', 'coveredIncrease', 'gapIncrease'] as const) {
              if (!near(x[f], w[f]))
                expect({ interval: i, field: f, got: x[f] }).toEqual({ interval: i, field: f, got: w[f] });
            }
          });
        },
      ),
      { numRuns, seed: Number(process.env.XIANG_PROPERTY_SEED ?? 20_240_101) },
    );
  });
}
