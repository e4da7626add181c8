import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Bucket, StoredPoint } from '../types.js';
import { BAD, DAY, type GetCtx, HOUR, key, MIN, pt, T0, UNCERTAIN } from './fixtures.js';

/**
 * A plain reference for 'twa' and 'step', written from the definition and sharing nothing with the engine:
 * every Good valued sample holds [t, min(next stored sample, t + maxHold)); per bucket the integral of the
 * holds over it, the time they cover, and the value of the hold that contains the bucket start.
 */
type Sample = { t: number; v: number | null; good: boolean };
type RefBucket = { start: number; end: number; integral: number; ms: number; edge: number | null; n: number };

function reference(
  samples: Sample[],
  fromMs: number,
  toMs: number,
  intervalMs: number,
  offsetMs: number,
  maxHoldMs: number,
): RefBucket[] {
  const rem = (((fromMs - offsetMs) % intervalMs) + intervalMs) % intervalMs;
  const out: RefBucket[] = [];
  for (let s = fromMs - rem; s < toMs; s += intervalMs) {
    out.push({
      start: Math.max(s, fromMs),
      end: Math.min(s + intervalMs, toMs),
      integral: 0,
      ms: 0,
      edge: null,
      n: 0,
    });
  }
  samples.forEach((x, i) => {
    const holds = x.good && x.v !== null;
    for (const b of out) if (holds && x.t >= b.start && x.t < b.end) b.n++;
    if (!holds) return;
    const next = samples[i + 1]?.t ?? Number.POSITIVE_INFINITY;
    const end = Math.min(next, x.t + maxHoldMs);
    for (const b of out) {
      const ov = Math.min(end, b.end) - Math.max(x.t, b.start);
      if (ov > 0) {
        b.integral += (x.v as number) * ov;
        b.ms += ov;
      }
      if (x.t <= b.start && b.start < end) b.edge = x.v;
    }
  });
  return out;
}

const INTERVALS: [number, number][] = [
  [MIN, 0],
  [15 * MIN, 0],
  [HOUR, 0],
  [DAY, -8 * HOUR],
  [450_000, 0],
  [2 * HOUR, 30 * MIN],
];

/** On-change gauge samples over ~3 days: bursts, minutes and hours apart; some Bad, some Uncertain. */
const series = fc.array(
  fc.record({
    stepMs: fc.oneof(
      fc.integer({ min: 1, max: 20_000 }),
      fc.integer({ min: 1, max: 15 * MIN }),
      fc.integer({ min: 1, max: 6 * HOUR }),
    ),
    value: fc.oneof(
      fc.constantFrom(0, 1, 2.5),
      fc.integer({ min: -4000, max: 4000 }).map((x) => x / 4),
    ),
    quality: fc.constantFrom('good', 'good', 'good', 'good', 'good', 'good', 'bad', 'uncertain'),
  }),
  { maxLength: 150 },
);

/**
 * Property over random on-change series and random windows: the store's 'twa' and 'step' equal the plain
 * reference (value to 1e-9 relative, covered ms and counts exactly, the value in force exactly), and the
 * rollup path equals the raw path exactly.
 */
export function heldPropertyTests(ctx: GetCtx, numRuns: number): void {
  let run = 0;
  it(`twa and step equal an independent reference over random series and windows (${numRuns} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        series,
        fc.integer({ min: -HOUR, max: 3 * DAY }),
        fc.integer({ min: 1, max: 2 * DAY }),
        fc.constantFrom(...INTERVALS),
        fc.integer({ min: 1000, max: 8 * HOUR }),
        async (gen, fromOffset, lengthMs, [intervalMs, alignOffsetMs], maxHoldMs) => {
          const { store } = ctx();
          const g = key(`prop-${++run}`, 'activePower');
          const samples: Sample[] = [];
          const points: StoredPoint[] = [];
          let t = T0 - 2 * HOUR;
          for (const x of gen) {
            t += x.stepMs;
            const good = x.quality === 'good';
            const v = x.quality === 'bad' ? null : x.value;
            samples.push({ t, v, good });
            points.push(pt(g, t, v, good ? 0 : x.quality === 'bad' ? BAD : UNCERTAIN));
          }
          await store.write(points);
          const fromMs = T0 + fromOffset;
          const toMs = fromMs + lengthMs;
          const want = reference(samples, fromMs, toMs, intervalMs, alignOffsetMs, maxHoldMs);
          const base = { series: [g], fromMs, toMs, intervalMs, alignOffsetMs, maxHoldMs };
          const [twa] = await store.query({ ...base, aggregate: 'twa' });
          const [step] = await store.query({ ...base, aggregate: 'step' });
          expect((await store.query({ ...base, aggregate: 'twa', source: 'raw' }))[0]).toEqual(twa);
          expect((await store.query({ ...base, aggregate: 'step', source: 'raw' }))[0]).toEqual(step);
          const got = (b: Bucket[]) => b.map((x) => [x.tsMs, x.coveredMs, x.count]);
          expect(got(twa!.buckets)).toEqual(want.map((b) => [b.start, b.ms, b.n]));
          expect(got(step!.buckets)).toEqual(want.map((b) => [b.start, b.ms, b.n]));
          expect(step!.buckets.map((b) => b.value)).toEqual(want.map((b) => b.edge));
          twa!.buckets.forEach((b, k) => {
            const w = want[k]!;
            if (w.ms === 0) expect(b.value).toBeNull();
            else {
              const mean = w.integral / w.ms;
              expect(Math.abs((b.value as number) - mean)).toBeLessThanOrEqual(
                1e-9 * Math.max(1, Math.abs(mean)),
              );
            }
          });
        },
      ),
      { numRuns, seed: Number(process.env.XIANG_PROPERTY_SEED ?? 20_240_101) },
    );
  });
}
