import { describe, expect, it } from 'vitest';
import type { SeriesKey } from '../types.js';
import { spansOf } from './rollup-spans.js';
import type { DirtyHour } from './sidecar.js';

const H = 3_600_000;
const D = 24 * H;
const key: SeriesKey = { factoryId: 'F', deviceId: 'd', metric: 'm' };
const mark = (hourMs: number): DirtyHour => ({ key, hourMs, writeSeq: 1 });

describe('spansOf: one series’ dirty hours as rebuild spans of whole UTC days', () => {
  it('covers every dirty hour once, in whole days, merging days up to 7 days apart', () => {
    const hours = [3 * H, 5 * H, D + 2 * H, 9 * D + H, 40 * D + 23 * H].map(mark);
    const spans = spansOf(hours, Number.NEGATIVE_INFINITY);
    expect(spans.map((s) => [s.fromMs, s.toMs, s.marks.length])).toEqual([
      [0, 2 * D, 3],
      [9 * D, 10 * D, 1],
      [40 * D, 41 * D, 1],
    ]);
  });

  it('never spans more than 366 days', () => {
    const hours = Array.from({ length: 800 }, (_, i) => mark(i * D + 7 * H));
    const spans = spansOf(hours, Number.NEGATIVE_INFINITY);
    expect(spans.map((s) => s.marks.length)).toEqual([366, 366, 68]);
    for (const s of spans) expect((s.toMs - (s.fromMs as number)) / D).toBe(s.marks.length);
  });

  it('past the raw horizon only clears; a day across the horizon is rebuilt from the horizon hour on', () => {
    const horizon = 10 * D + 5 * H + 1;
    const spans = spansOf([mark(4 * D), mark(10 * D + 2 * H), mark(10 * D + 8 * H)], horizon);
    expect(spans.map((s) => [s.fromMs, s.toMs, s.marks.length])).toEqual([
      [null, 11 * D, 2],
      [10 * D + 6 * H, 11 * D, 1],
    ]);
  });
});
