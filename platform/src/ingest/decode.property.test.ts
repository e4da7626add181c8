import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePoints, type MetricRef } from './decode.js';

/**
 * decodePoints over arbitrary input: it never throws, accounts for every tuple exactly once (stored,
 * unknown index, or rejected with a reason), and whatever it stores is something a store can hold.
 */
const NOW = Date.UTC(2025, 0, 1);
const MIN_TS = 946684800000;
const MAX_TS = 4102444800000;
const table = new Map<number, MetricRef>([
  [0, { deviceId: 'M0', key: 'p', datatype: 'double', owned: true }],
  [1, { deviceId: 'M0', key: 'n', datatype: 'int', owned: true }],
  [2, { deviceId: 'M0', key: 'b', datatype: 'bool', owned: true }],
  [3, { deviceId: 'M0', key: 's', datatype: 'string', owned: true }],
  [4, { deviceId: 'X9', key: 'p', datatype: 'double', owned: false }],
]);

const number = fc.oneof(
  fc.double(),
  fc.constantFrom(Infinity, -Infinity, NaN, 1e300, -1e300, 2 ** 53, MIN_TS, MAX_TS, NOW),
  fc.integer(),
  fc.integer({ min: MIN_TS, max: NOW }),
);
const value = fc.oneof(
  number,
  fc.boolean(),
  fc.string({ maxLength: 1100 }),
  fc.constant(null),
  fc.anything(),
);
const tuple = fc.oneof(
  fc.tuple(fc.integer({ min: -1, max: 6 }), number, value),
  fc.tuple(fc.integer({ min: 0, max: 6 }), number, value, fc.oneof(fc.nat(), number)),
  fc.anything(),
);

describe('decodePoints (property)', () => {
  it('accounts for every tuple once and stores only what a store can hold', () => {
    fc.assert(
      fc.property(fc.array(tuple, { maxLength: 60 }), (tuples) => {
        const d = decodePoints('F1', tuples, table, { nowMs: NOW, maxFutureSkewMs: 86_400_000 });
        let rejected = 0;
        for (const r of d.rejects.values()) rejected += r.count;
        expect(d.points.length + d.unknown.length + rejected).toBe(tuples.length);
        for (const p of d.points) {
          expect(Number.isInteger(p.tsMs)).toBe(true);
          expect(p.tsMs).toBeGreaterThanOrEqual(MIN_TS);
          expect(p.tsMs).toBeLessThanOrEqual(NOW + 86_400_000);
          if (p.value !== null) expect(Number.isFinite(p.value)).toBe(true);
          expect(p.deviceId).toBe('M0'); // never the device another agent owns
          expect(Number.isInteger(p.status) && p.status >= 0 && p.status <= 0xffffffff).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('non-finite values get their own reason; timestamps of any magnitude are out of range', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(Infinity, -Infinity),
        fc.oneof(fc.double({ min: 1e16 }), fc.double({ max: -1e16 }), fc.constantFrom(Infinity, -Infinity)),
        (bad, ts) => {
          const d = decodePoints(
            'F1',
            [
              [0, NOW, bad],
              [0, ts, 1],
            ],
            table,
            { nowMs: NOW, maxFutureSkewMs: 0 },
          );
          expect(d.rejects.get('nonFiniteValue')?.count).toBe(1);
          expect(d.rejects.get('timestampOutOfRange')?.count).toBe(1);
          expect(d.points).toEqual([]);
        },
      ),
    );
  });
});
