import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnPool } from './column-pool.js';

describe('ColumnPool', () => {
  it('hands an array back out zeroed (or filled), of the length asked, once per give', () => {
    const pool = new ColumnPool();
    const a = pool.float64(4);
    a.set([1, 2, 3, 4]);
    pool.give(a, a); // twice: kept once
    expect(pool.size).toBe(1);
    expect(pool.float64(5)).not.toBe(a); // another length: fresh
    const b = pool.float64(4, Number.NaN);
    expect(b).toBe(a);
    expect([...b].every(Number.isNaN)).toBe(true);
    expect(pool.float64(4)).not.toBe(a); // handed out already
    const u = pool.uint32(3);
    u.set([7, 8, 9]);
    pool.give(u, undefined);
    expect([...pool.uint32(3)]).toEqual([0, 0, 0]);
  });

  it('never holds more than its bound, and every array it hands out is distinct and clean', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ take: fc.boolean(), n: fc.integer({ min: 1, max: 4 }), fill: fc.constantFrom(0, 1) }),
        ),
        fc.integer({ min: 0, max: 5 }),
        (ops, bound) => {
          const pool = new ColumnPool(bound);
          const out = new Set<Float64Array>();
          for (const op of ops) {
            if (op.take) {
              const a = pool.float64(op.n, op.fill);
              expect(out.has(a)).toBe(false);
              expect(a.length).toBe(op.n);
              expect(a.every((x) => x === op.fill)).toBe(true);
              a.fill(42); // dirty it, as a reader would
              out.add(a);
            } else {
              const a = out.values().next().value;
              if (a) {
                out.delete(a);
                pool.give(a);
              }
            }
            expect(pool.size).toBeLessThanOrEqual(bound);
          }
        },
      ),
    );
  });
});
