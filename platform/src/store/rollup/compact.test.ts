import { describe, expect, it } from 'vitest';
import { bucketColumns } from './columns.js';
import { compactPageInto, compactPageSummaries, decodeCompactPage, encodeCompactPage } from './compact.js';
import { PackedBuilder, toSummaries } from './pack.js';
import type { Summary } from './summary.js';

const Q = 900_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

/** The summary one Good sample gives. */
const one = (startMs: number, ts: number, v: number): Summary => ({
  startMs,
  n: 1,
  sum: v,
  min: v,
  max: v,
  firstTs: ts,
  firstV: v,
  lastTs: ts,
  lastV: v,
  inc: 0,
  drops: 0,
  maxGapMs: 0,
  nUsable: 1,
  nAll: 1,
  firstAnyTs: ts,
  lastAnyTs: ts,
  twSum: 0,
  twMs: 0,
  maxHoldMs: 0,
  flatHeadMs: 0,
  flatTailMs: 0,
  flatMaxMs: 0,
});

describe('compact 15-min pages', () => {
  const full: Summary = {
    ...one(T0 + 3 * Q, T0 + 3 * Q + 60_000, 7),
    n: 2,
    sum: 7 + 9.5,
    max: 9.5,
    lastTs: T0 + 3 * Q + 120_000,
    lastV: 9.5,
    inc: 2.5,
    maxGapMs: 60_000,
    nAll: 3,
    lastAnyTs: T0 + 3 * Q + 180_000,
    twSum: 7 * 60_000 + 9.5 * 60_000,
    twMs: 120_000,
    maxHoldMs: 60_000,
  };
  const page = [
    one(T0, T0, 1000.25), // one sample on the bucket start: 11 bytes
    one(T0 + Q, T0 + Q + 13_000, -3), // one sample inside the bucket: 15 bytes
    { ...one(T0 + 2 * Q, T0 + 2 * Q, -0), sum: 0 }, // a −0 sample sums to +0: not the short form
    full, // anything else: 107 bytes
    one(T0 + 95 * Q, T0 + 95 * Q, 5), // the day's last quarter-hour
  ];

  it('stores single-sample buckets as the sample and round-trips every bucket exactly', () => {
    const buf = encodeCompactPage(page, T0, Q);
    expect(buf.byteLength).toBe(1 + 11 + 15 + 171 + 171 + 11);
    const back = compactPageSummaries(buf, T0, Q);
    expect(back).toEqual(page);
    expect(Object.is(back[2]?.firstV, -0)).toBe(true);
  });

  it('decodes only the buckets starting in the range, packed or into columns', () => {
    const buf = encodeCompactPage(page, T0, Q);
    const b = new PackedBuilder(1);
    decodeCompactPage(buf, T0, Q, T0 + Q, T0 + 4 * Q, b);
    expect(toSummaries(b.finish()).map((s) => s.startMs)).toEqual([T0 + Q, T0 + 2 * Q, T0 + 3 * Q]);
    // Columns for the quarter-hours [T0 + Q, T0 + 5Q): index k = (start − (T0 + Q)) / Q.
    const cols = bucketColumns(4);
    compactPageInto(buf, T0, { cols, fromMs: T0 + Q, toMs: T0 + 5 * Q, baseMs: T0 + Q, widthMs: Q });
    expect(Array.from(cols.n)).toEqual([1, 1, 2, 0]);
    expect(Array.from(cols.sum)).toEqual([-3, 0, 16.5, 0]);
    expect(Array.from(cols.firstTs)).toEqual([T0 + Q + 13_000, T0 + 2 * Q, T0 + 3 * Q + 60_000, 0]);
    expect(Array.from(cols.last)).toEqual([-3, -0, 9.5, 0]);
    expect(Array.from(cols.inc)).toEqual([0, 0, 2.5, 0]);
    expect(Array.from(cols.maxGap)).toEqual([0, 0, 60_000, 0]);
    expect(Array.from(cols.all)).toEqual([1, 1, 3, 0]);
    expect(Array.from(cols.lastAnyTs)).toEqual([T0 + Q + 13_000, T0 + 2 * Q, T0 + 3 * Q + 180_000, 0]);
    expect(Array.from(cols.twMs)).toEqual([0, 0, 120_000, 0]);
  });

  it('refuses a bucket outside the page and a page it cannot read', () => {
    expect(() => encodeCompactPage([one(T0 + DAY * 700, T0, 1)], T0, Q)).toThrow(/not a bucket of the page/);
    expect(() => encodeCompactPage([one(T0 + 1, T0 + 1, 1)], T0, Q)).toThrow(/not a bucket of the page/);
    const b = new PackedBuilder(1);
    expect(() => decodeCompactPage(Buffer.from([9]), T0, Q, T0, T0 + DAY, b)).toThrow(/format 9/);
    // A format-1 page (before the time-weighted fields) is refused, never misread.
    expect(() => decodeCompactPage(Buffer.from([1, 0, 0, 0]), T0, Q, T0, T0 + DAY, b)).toThrow(/format 1/);
    const cut = encodeCompactPage(page, T0, Q).subarray(0, 20);
    expect(() => decodeCompactPage(cut, T0, Q, T0, T0 + DAY, b)).toThrow(/corrupt/);
  });
});
