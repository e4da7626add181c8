import { describe, expect, it } from 'vitest';
import { decodePoints, type MetricRef } from './decode.js';

const T = Date.UTC(2024, 0, 8);
const table = new Map<number, MetricRef>([
  [0, { deviceId: 'M1', key: 'activePower', datatype: 'double' }],
  [1, { deviceId: 'C1', key: 'state', datatype: 'int' }],
  [2, { deviceId: 'C1', key: 'alarm', datatype: 'bool' }],
  [3, { deviceId: 'C1', key: 'product', datatype: 'string' }],
]);
const opts = { nowMs: T + 3_600_000, maxFutureSkewMs: 60_000 };

describe('decodePoints', () => {
  it('maps tuples to stored points: booleans 0/1, strings to text, status kept, null kept', () => {
    const d = decodePoints(
      'F1',
      [
        [0, T, 12.5],
        [1, T, 3, 0x40000000],
        [2, T + 1, false],
        [3, T + 2, 'CY-1'],
        [0, T + 3, null, 0x80000000],
      ],
      table,
      opts,
    );
    expect(d.points).toEqual([
      { factoryId: 'F1', deviceId: 'M1', metric: 'activePower', tsMs: T, value: 12.5, status: 0 },
      { factoryId: 'F1', deviceId: 'C1', metric: 'state', tsMs: T, value: 3, status: 0x40000000 },
      { factoryId: 'F1', deviceId: 'C1', metric: 'alarm', tsMs: T + 1, value: 0, status: 0 },
      {
        factoryId: 'F1',
        deviceId: 'C1',
        metric: 'product',
        tsMs: T + 2,
        value: null,
        text: 'CY-1',
        status: 0,
      },
      {
        factoryId: 'F1',
        deviceId: 'M1',
        metric: 'activePower',
        tsMs: T + 3,
        value: null,
        status: 0x80000000,
      },
    ]);
    expect([...d.lastSeen]).toEqual([
      ['M1', T + 3],
      ['C1', T + 2],
    ]);
    expect(d.rejects.size).toBe(0);
  });

  it('rejects bad points one by one with a reason and keeps the rest', () => {
    const d = decodePoints(
      'F1',
      [
        [0, T, 1],
        'nope',
        [0, T],
        [-1, T, 1],
        [0, 'yesterday', 1],
        [0, 123, 1],
        [0, opts.nowMs + 60_001, 1],
        [0, T, { v: 1 }],
        [0, T, 1, -5],
        [0, T, 'x'.repeat(1025)],
        [1, T, 3.5],
        [2, T, 1],
        [3, T, 7],
        [0, T, '12'],
        [9, T, 1],
        [1, T + 5, 4],
      ],
      table,
      opts,
    );
    expect(d.points.map((p) => [p.metric, p.tsMs - T, p.value])).toEqual([
      ['activePower', 0, 1],
      ['state', 5, 4],
    ]);
    expect(Object.fromEntries([...d.rejects].map(([r, v]) => [r, v.count]))).toEqual({
      badPoint: 7,
      timestampOutOfRange: 2,
      wrongValueType: 4,
    });
    expect(d.unknown).toEqual([[9, T, 1]]);
    expect(d.rejects.get('wrongValueType')?.examples[0]).toBe(
      'points[10][2]: C1.state is int, got number 3.5',
    );
    expect(d.rejects.get('badPoint')?.examples).toHaveLength(3);
    expect(d.rejects.get('timestampOutOfRange')?.examples[0]).toMatch(/^points\[5\]\[1\]: 123 \(1970/);
  });
});
