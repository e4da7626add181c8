import { describe, expect, it } from 'vitest';
import { packSummaries, unpackSummaries } from '../rollup/pack.js';
import {
  STEP_NONE,
  STEP_RESET,
  STEP_ROLLOVER,
  type Summary,
  stepDelta,
  stepKind,
  summarize,
} from '../rollup/summary.js';
import { alignDown, HOUR_MS, MINUTE_MS, QUARTER_MS, rollupWidthFor, spansIn } from './align.js';

describe('bucket alignment', () => {
  it('aligns to interval multiples shifted by the offset, also before the epoch offset', () => {
    expect(alignDown(10 * HOUR_MS, 24 * HOUR_MS, -8 * HOUR_MS)).toBe(-8 * HOUR_MS);
    expect(alignDown(16 * HOUR_MS, 24 * HOUR_MS, -8 * HOUR_MS)).toBe(16 * HOUR_MS);
    expect(alignDown(-1, HOUR_MS)).toBe(-HOUR_MS);
  });
  it('clips the first and last span to the range', () => {
    const s = spansIn(90, 250, 100);
    expect([s.length, Array.from(s.startMs), Array.from(s.endMs)]).toEqual([
      3,
      [90, 100, 200],
      [100, 200, 250],
    ]);
    const none = spansIn(5, 5, 100);
    expect([none.length, none.startMs.length, none.endMs.length]).toEqual([0, 0, 0]);
    const offset = spansIn(-5, 30, 20, 7);
    expect([Array.from(offset.startMs), Array.from(offset.endMs)]).toEqual([
      [-5, 7, 27],
      [7, 27, 30],
    ]);
  });
  it('picks the widest rollup that nests in the query buckets', () => {
    expect(rollupWidthFor(24 * HOUR_MS, -8 * HOUR_MS)).toBe(HOUR_MS);
    expect(rollupWidthFor(15 * MINUTE_MS)).toBe(QUARTER_MS);
    expect(rollupWidthFor(30 * MINUTE_MS, 15 * MINUTE_MS)).toBe(QUARTER_MS);
    expect(rollupWidthFor(5 * MINUTE_MS)).toBe(MINUTE_MS);
    expect(rollupWidthFor(HOUR_MS, 30 * MINUTE_MS)).toBe(QUARTER_MS); // India-style half-hour offset
    expect(rollupWidthFor(HOUR_MS, 5 * MINUTE_MS)).toBe(MINUTE_MS);
    expect(rollupWidthFor(HOUR_MS, 90_000)).toBe(0);
    expect(rollupWidthFor(450_000)).toBe(0);
  });
});

describe('counter steps', () => {
  it('is a rollover only from the top 10 % to the bottom 10 % of the register', () => {
    expect(stepKind(900, 99.999, 1000)).toBe(STEP_ROLLOVER);
    expect(stepKind(899.999, 0, 1000)).toBe(STEP_RESET);
    expect(stepKind(950, 100, 1000)).toBe(STEP_RESET);
    expect(stepKind(950, 100, undefined)).toBe(STEP_RESET);
    expect(stepKind(5, 5, 1000)).toBe(STEP_NONE);
    expect(stepDelta(990, 20, STEP_ROLLOVER, 1000)).toBe(30);
    expect(stepDelta(520, 5, STEP_RESET)).toBe(5);
  });
  it('summarises a bucket: Good values only, inner increase with a reset, widest spacing', () => {
    const s = summarize(
      [
        { tsMs: 0, value: 10, status: 0, text: null },
        { tsMs: 10, value: 99, status: 0x80000000, text: null },
        { tsMs: 20, value: 14, status: 0, text: null },
        { tsMs: 50, value: 2, status: 0, text: null },
        { tsMs: 55, value: null, status: 0, text: 'x' },
      ],
      0,
      5,
      0,
    );
    expect(s).toEqual({
      startMs: 0,
      n: 3,
      sum: 26,
      min: 2,
      max: 14,
      firstTs: 0,
      firstV: 10,
      lastTs: 50,
      lastV: 2,
      inc: 4 + 2,
      drops: 1,
      maxGapMs: 30,
      nUsable: 4,
      nAll: 5,
      firstAnyTs: 0,
      lastAnyTs: 55,
      // 10 held over [0, 10) (the Bad sample ends it), 14 over [20, 50), 2 over [50, 55) (a value-less sample ends it).
      twSum: 10 * 10 + 14 * 30 + 2 * 5,
      twMs: 10 + 30 + 5,
      maxHoldMs: 30,
      flatHeadMs: 0,
      flatTailMs: 0,
      flatMaxMs: 0,
    });
  });
  it('summarises flat runs: the head run, the tail run and the longest', () => {
    const rows = [0, 5, 10, 20, 40, 45, 60, 70, 75, 90, 95].map((tsMs, i) => ({
      tsMs,
      value: [1, 1, 1, 2, 3, 3, 3, 3, 4, 5, 5][i] as number,
      status: 0,
      text: null,
    }));
    const s = summarize(rows, 0, rows.length, 0);
    expect([s.flatHeadMs, s.flatTailMs, s.flatMaxMs]).toEqual([10, 5, 30]);
    const flat = summarize(rows, 0, 3, 0);
    expect([flat.flatHeadMs, flat.flatTailMs, flat.flatMaxMs]).toEqual([10, 10, 10]);
  });
});

describe('packed rollup pages', () => {
  it('round-trips summaries exactly and filters by start time', () => {
    const a: Summary = summarize([{ tsMs: 60_000, value: 0.1, status: 0, text: null }], 0, 1, 60_000);
    const b: Summary = { ...a, startMs: 120_000, sum: 1e-300, max: -0, inc: Math.PI };
    const page = packSummaries([a, b]);
    expect(page.byteLength).toBe(2 * 22 * 8);
    const all: Summary[] = [];
    unpackSummaries(page, 0, 1e12, all);
    expect(all).toEqual([a, b]);
    const some: Summary[] = [];
    const shifted = Buffer.alloc(page.byteLength + 1);
    page.copy(shifted, 1);
    unpackSummaries(shifted.subarray(1), 100_000, 1e12, some); // an unaligned view is copied, not misread
    expect(some).toEqual([b]);
  });
});
