import { expect, it } from 'vitest';
import type { StoredPoint } from '../types.js';
import { BAD, type GetCtx, GOOD, HOUR, key, MIN, pt, T0 } from './fixtures.js';

/** Data coverage: expected versus present samples per interval. */
export function coverageTests(ctx: GetCtx): void {
  const s = key('meter-1', 'activePower');
  // Promised every minute. Hour 0: all 60; hour 1: 45 Good + 5 Bad; hour 2: nothing; hour 3: 120 (every 30 s).
  const data: StoredPoint[] = [];
  for (let m = 0; m < 60; m++) data.push(pt(s, T0 + m * MIN, m));
  for (let m = 0; m < 45; m++) data.push(pt(s, T0 + HOUR + m * MIN, m));
  for (let m = 45; m < 50; m++) data.push(pt(s, T0 + HOUR + m * MIN, null, BAD));
  for (let h = 0; h < 120; h++) data.push(pt(s, T0 + 3 * HOUR + h * 30_000, h));

  it('counts expected and present samples per interval and caps surplus per interval', async () => {
    const { store } = ctx();
    await store.write(data);
    const [r] = await store.coverage({
      series: [s],
      fromMs: T0,
      toMs: T0 + 4 * HOUR,
      intervalMs: HOUR,
      expectedPeriodMs: MIN,
    });
    expect(r?.series).toEqual(s);
    expect(r?.intervals).toEqual([
      { startMs: T0, expected: 60, present: 60, ratio: 1 },
      { startMs: T0 + HOUR, expected: 60, present: 45, ratio: 0.75 },
      { startMs: T0 + 2 * HOUR, expected: 60, present: 0, ratio: 0 },
      { startMs: T0 + 3 * HOUR, expected: 60, present: 120, ratio: 1 },
    ]);
    // (60 + 45 + 0 + 60) / 240: the surplus hour cannot hide the empty one.
    expect([r?.expected, r?.present, r?.ratio]).toEqual([240, 225, 0.6875]);
  });

  it('counts every stored sample with goodOnly=false, and text samples as present', async () => {
    const { store } = ctx();
    await store.write(data);
    const [all] = await store.coverage({
      series: [s],
      fromMs: T0 + HOUR,
      toMs: T0 + 2 * HOUR,
      intervalMs: 30 * MIN,
      expectedPeriodMs: MIN,
      goodOnly: false,
    });
    expect(all?.intervals.map((i) => [i.expected, i.present, i.ratio])).toEqual([
      [30, 30, 1],
      [30, 20, 20 / 30],
    ]);
    const t = key('cnc-1', 'currentProduct');
    await store.write([pt(t, T0, null, GOOD, 'A'), pt(t, T0 + 10 * MIN, null, GOOD, 'B')]);
    const [txt] = await store.coverage({
      series: [t],
      fromMs: T0,
      toMs: T0 + 20 * MIN,
      intervalMs: 20 * MIN,
      expectedPeriodMs: 10 * MIN,
    });
    expect([txt?.present, txt?.ratio]).toEqual([2, 1]);
  });

  it('pro-rates the expectation of a clipped interval', async () => {
    const { store } = ctx();
    await store.write(data);
    const [r] = await store.coverage({
      series: [s],
      fromMs: T0 + 30 * MIN,
      toMs: T0 + 90 * MIN,
      intervalMs: HOUR,
      expectedPeriodMs: MIN,
    });
    expect(r?.intervals).toEqual([
      { startMs: T0 + 30 * MIN, expected: 30, present: 30, ratio: 1 },
      { startMs: T0 + HOUR, expected: 30, present: 30, ratio: 1 },
    ]);
  });
}
