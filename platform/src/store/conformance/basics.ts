import { expect, it } from 'vitest';
import { BAD, BAD_SENSOR, DAY, type GetCtx, GOOD, HOUR, key, MIN, pt, T0, UNCERTAIN } from './fixtures.js';

/** Write/read, exactly-once, ordering, text, null/Bad, large writes, invalid points. */
export function basicTests(ctx: GetCtx): void {
  it('round-trips points with value, status and text, half-open range, oldest first', async () => {
    const { store } = ctx();
    const a = key('meter-1', 'activePower');
    await store.write([
      pt(a, T0, 1.5),
      pt(a, T0 + MIN, null, BAD_SENSOR),
      pt(a, T0 + 2 * MIN, -0.25, UNCERTAIN),
      pt(a, T0 + 3 * MIN, 7),
    ]);
    const raw = await store.raw(a, T0, T0 + 3 * MIN);
    expect(raw).toEqual([
      { ...a, tsMs: T0, value: 1.5, status: GOOD, text: null },
      { ...a, tsMs: T0 + MIN, value: null, status: BAD_SENSOR, text: null },
      { ...a, tsMs: T0 + 2 * MIN, value: -0.25, status: UNCERTAIN, text: null },
    ]);
    expect(await store.raw(a, T0, T0 + 4 * MIN, 2)).toHaveLength(2);
    expect(await store.countPoints(a, T0, T0 + HOUR)).toBe(4);
    expect(store.health().pointsWritten).toBe(4);
  });

  it('stores a (series, tsMs) exactly once: the later write wins, whole point replaced', async () => {
    const { store } = ctx();
    const a = key('meter-1');
    await store.write([pt(a, T0, 1), pt(a, T0 + MIN, 7), pt(a, T0 + 2 * MIN, null, GOOD, 'A')]);
    // Same keys again: value changes, value → null/Bad, text → numeric.
    await store.write([pt(a, T0, 2, UNCERTAIN), pt(a, T0 + MIN, null, BAD), pt(a, T0 + 2 * MIN, 3)]);
    // Duplicates inside one write: the later one in the batch wins.
    await store.write([pt(a, T0 + 3 * MIN, 5), pt(a, T0 + 3 * MIN, 6)]);
    expect(await store.countPoints(a, T0, T0 + HOUR)).toBe(4);
    expect(await store.raw(a, T0, T0 + HOUR)).toEqual([
      { ...a, tsMs: T0, value: 2, status: UNCERTAIN, text: null },
      { ...a, tsMs: T0 + MIN, value: null, status: BAD, text: null },
      { ...a, tsMs: T0 + 2 * MIN, value: 3, status: GOOD, text: null },
      { ...a, tsMs: T0 + 3 * MIN, value: 6, status: GOOD, text: null },
    ]);
  });

  it('replaying a whole batch (as after an agent reconnect) changes nothing', async () => {
    const { store } = ctx();
    const a = key('meter-1');
    const batch = Array.from({ length: 1000 }, (_, i) => pt(a, T0 + i * 1000, i * 0.5));
    await store.write(batch);
    await store.write(batch);
    await store.write(batch.slice(200, 700));
    expect(await store.countPoints(a, T0, T0 + DAY)).toBe(1000);
    const q = await store.query({
      series: [a],
      fromMs: T0,
      toMs: T0 + DAY,
      intervalMs: DAY,
      aggregate: 'sum',
    });
    // Σ i·0.5 for i < 1000 = 0.5 · 999·1000/2
    expect(q[0]?.buckets).toEqual([{ tsMs: T0, value: 249_750, count: 1000 }]);
  });

  it('accepts out-of-order and historical writes and reads them back sorted', async () => {
    const { store } = ctx();
    const a = key('meter-1');
    await store.write([pt(a, T0 + 3 * MIN, 3), pt(a, T0 + MIN, 1), pt(a, T0 + 2 * MIN, 2)]);
    await store.write([pt(a, T0 - 200 * DAY, -1)]); // a replay from months ago
    await store.write([pt(a, T0, 0)]);
    const raw = await store.raw(a, T0 - 365 * DAY, T0 + HOUR);
    expect(raw.map((p) => [p.tsMs - T0, p.value])).toEqual([
      [-200 * DAY, -1],
      [0, 0],
      [MIN, 1],
      [2 * MIN, 2],
      [3 * MIN, 3],
    ]);
  });

  it('keeps text values exactly, including quotes, separators, backslashes, newlines and Chinese', async () => {
    const { store } = ctx();
    const p = key('cnc-1', 'currentProduct');
    const texts = [
      '齿轮箱壳体 GB-2024',
      'a,b=c d',
      `quote ' and "double"`,
      "back\\slash \\' end\\",
      'line1\nline2\ttab',
      '',
    ];
    await store.write(texts.map((t, i) => pt(p, T0 + i * MIN, null, GOOD, t)));
    const raw = await store.raw(p, T0, T0 + HOUR);
    expect(raw.map((r) => r.text)).toEqual(texts);
    expect(raw.every((r) => r.value === null && r.status === GOOD)).toBe(true);
    const latest = await store.latest('F1', { deviceIds: ['cnc-1'] });
    expect(latest).toEqual([{ ...p, tsMs: T0 + 5 * MIN, value: null, text: '', status: GOOD }]);
    // Text never enters numeric aggregates.
    const q = await store.query({
      series: [p],
      fromMs: T0,
      toMs: T0 + HOUR,
      intervalMs: HOUR,
      aggregate: 'count',
    });
    expect(q[0]?.buckets).toEqual([{ tsMs: T0, value: 0, count: 0 }]);
  });

  it('keeps null values with Bad status, and leaves them out of every aggregate', async () => {
    const { store } = ctx();
    const a = key('meter-1', 'voltage.L1');
    await store.write([pt(a, T0, 230), pt(a, T0 + MIN, null, BAD), pt(a, T0 + 2 * MIN, null, BAD_SENSOR)]);
    expect((await store.raw(a, T0, T0 + HOUR)).map((r) => [r.value, r.status])).toEqual([
      [230, GOOD],
      [null, BAD],
      [null, BAD_SENSOR],
    ]);
    for (const goodOnly of [true, false]) {
      const q = await store.query({
        series: [a],
        fromMs: T0,
        toMs: T0 + HOUR,
        intervalMs: HOUR,
        aggregate: 'mean',
        goodOnly,
      });
      expect(q[0]?.buckets).toEqual([{ tsMs: T0, value: 230, count: 1 }]);
    }
    expect((await store.latest('F1'))[0]).toEqual({
      ...a,
      tsMs: T0 + 2 * MIN,
      value: null,
      text: null,
      status: BAD_SENSOR,
    });
  });

  it('takes 100 000 points in one write, exactly once even when repeated', async () => {
    const { store } = ctx();
    const keys = Array.from({ length: 10 }, (_, i) => key(`m-${i}`));
    const points = [];
    for (let i = 0; i < 10_000; i++) {
      for (let s = 0; s < 10; s++) points.push(pt(keys[s]!, T0 + i * 1000, s * 100_000 + i));
    }
    await store.write(points);
    await store.write(points);
    for (const [s, k] of keys.entries()) {
      expect(await store.countPoints(k, T0, T0 + DAY)).toBe(10_000);
      const last = await store.raw(k, T0 + 9_999_000, T0 + DAY);
      expect(last.map((p) => p.value)).toEqual([s * 100_000 + 9_999]);
    }
    expect(store.health().pointsWritten).toBeGreaterThanOrEqual(100_000);
  });

  it('refuses invalid points with a count and stores the valid ones of the same write', async () => {
    const { store } = ctx();
    const a = key('meter-1');
    const before = store.health().rejectedPoints ?? 0;
    await store.write([
      pt(a, T0, 1),
      pt(a, T0 + MIN, Number.NaN),
      pt(a, T0 + 2 * MIN, Number.POSITIVE_INFINITY),
      pt(a, -5, 1),
      pt(a, T0 + 1.5, 1),
      pt(key('bad\\device'), T0, 1),
      pt(key('line\nbreak'), T0, 1),
      pt(key(''), T0, 1),
      { ...pt(a, T0 + 3 * MIN, 1), status: -1 },
      pt(a, T0 + 4 * MIN, 4),
    ]);
    expect(store.health().rejectedPoints).toBe(before + 8);
    expect(store.health().lastError).toMatch(/rejected/);
    expect((await store.raw(a, 0, T0 + HOUR)).map((r) => r.value)).toEqual([1, 4]);
  });

  it('keeps ids with quotes and query syntax literal (no injection) and separate', async () => {
    const { store } = ctx();
    const ids = [`d'1`, `d"2`, `x' OR deviceId='y`, 'a b,c=d', '设备-1', `d'1 `];
    await store.write(ids.map((d, i) => pt(key(d, `m'${i}`), T0, i)));
    for (const [i, d] of ids.entries()) {
      expect((await store.raw(key(d, `m'${i}`), T0, T0 + 1)).map((r) => r.value)).toEqual([i]);
      expect(await store.countPoints(key(d, `m'${i}`), T0, T0 + 1)).toBe(1);
    }
    expect(await store.raw(key('y', `m'2`), T0, T0 + 1)).toEqual([]);
    const listed = await store.listSeries('F1');
    expect(listed.map((s) => s.deviceId).sort()).toEqual([...ids].sort());
  });
}
