import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PointSpan, planReads, splitRequest } from './plan.js';

const P = (address: number, count = 2, table: 'holding' | 'input' = 'holding'): PointSpan => ({
  table,
  address,
  count,
});

describe('polling groups', () => {
  it('coalesces contiguous registers of one table, keeps tables apart', () => {
    const reqs = planReads([P(0x2006), P(0x2008), P(0x200a), P(0x00, 2, 'input'), P(0x401e)], 125, 0);
    expect(reqs.map((r) => [r.table, r.start, r.count])).toEqual([
      ['holding', 0x2006, 6],
      ['holding', 0x401e, 2],
      ['input', 0, 2],
    ]);
    expect(reqs[0]!.points).toEqual([
      { index: 0, offset: 0 },
      { index: 1, offset: 2 },
      { index: 2, offset: 4 },
    ]);
  });
  it('bridges holes up to maxGap and never exceeds maxRegisters', () => {
    expect(planReads([P(0), P(6)], 125, 4).length).toBe(1);
    expect(planReads([P(0), P(7)], 125, 4).length).toBe(2);
    expect(planReads([P(0), P(2), P(4)], 4, 0).map((r) => r.count)).toEqual([4, 2]);
  });
  it('an ILLEGAL DATA ADDRESS splits a request into hole-free runs, then single points', () => {
    const pts = [P(0), P(4), P(6)];
    const [req] = planReads(pts, 125, 4);
    const runs = splitRequest(req!, pts, 125);
    expect(runs.map((r) => [r.start, r.count])).toEqual([
      [0, 2],
      [4, 4],
    ]);
    const singles = splitRequest(runs[1]!, pts, 125);
    expect(singles.map((r) => [r.start, r.count, r.points[0]!.index])).toEqual([
      [4, 2, 1],
      [6, 2, 2],
    ]);
  });

  const spans = fc.array(
    fc.record({
      table: fc.constantFrom<'holding' | 'input'>('holding', 'input'),
      address: fc.integer({ min: 0, max: 300 }),
      count: fc.constantFrom(1, 2, 4),
    }),
    { maxLength: 60 },
  );
  it('property: every point is read exactly once, inside its request, within the limits', () => {
    fc.assert(
      fc.property(
        spans,
        fc.integer({ min: 4, max: 125 }),
        fc.integer({ min: 0, max: 10 }),
        (pts, max, gap) => {
          const reqs = planReads(pts, max, gap);
          const seen = new Map<number, number>();
          for (const r of reqs) {
            expect(r.count).toBeLessThanOrEqual(max);
            expect(r.count).toBeGreaterThan(0);
            expect(r.start + r.count).toBeLessThanOrEqual(65536);
            for (const p of r.points) {
              seen.set(p.index, (seen.get(p.index) ?? 0) + 1);
              const s = pts[p.index]!;
              expect(s.table).toBe(r.table);
              expect(r.start + p.offset).toBe(s.address);
              expect(p.offset + s.count).toBeLessThanOrEqual(r.count);
            }
            // No register is read that is further than maxGap from a point's registers.
            const covered = new Set(
              r.points.flatMap((p) => Array.from({ length: pts[p.index]!.count }, (_, k) => p.offset + k)),
            );
            let hole = 0;
            for (let k = 0; k < r.count; k++) {
              hole = covered.has(k) ? 0 : hole + 1;
              expect(hole).toBeLessThanOrEqual(gap);
            }
          }
          expect(seen.size).toBe(pts.length);
          for (const n of seen.values()) expect(n).toBe(1);
        },
      ),
    );
  });
});
