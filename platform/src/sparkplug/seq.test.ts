import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifySeq, rebirthAllowed } from './seq.js';

/**
 * Oracle: an edge node publishes messages numbered 0, 1, 2, … (unbounded); the wire carries n mod 256. The
 * host sees a subset in order; between two it sees, exactly (n2 − n1 − 1) were lost.
 */
describe('Sparkplug seq on the 0–255 ring', () => {
  it('a message k ahead of the last (k ≤ 128) is next (k = 1) or a gap of k − 1, across the wrap', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.integer({ min: 1, max: 128 }), (n1, k) => {
        const v = classifySeq(n1 % 256, (n1 + k) % 256);
        if (k === 1) expect(v).toEqual({ kind: 'next' });
        else expect(v).toEqual({ kind: 'gap', missing: k - 1 });
      }),
    );
  });

  it('the same or an older number (up to 127 back) is behind, never a gap', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.integer({ min: 0, max: 127 }), (n1, back) => {
        const n0 = n1 + back; // the last seen was `back` messages after this one
        expect(classifySeq(n0 % 256, n1 % 256)).toEqual({ kind: 'behind', by: back });
      }),
    );
  });

  it('a stream with random losses: gaps reported add up to the messages lost', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 300 }), (steps) => {
        let n = 0;
        let last = 0;
        let lostSeen = 0;
        let lostTrue = 0;
        for (const k of steps) {
          n += k;
          lostTrue += k - 1;
          const v = classifySeq(last, n % 256);
          if (v.kind === 'gap') lostSeen += v.missing;
          expect(v.kind).not.toBe('behind');
          last = n % 256;
        }
        expect(lostSeen).toBe(lostTrue);
      }),
    );
  });

  it('wraps 255 → 0 as next', () => {
    expect(classifySeq(255, 0)).toEqual({ kind: 'next' });
    expect(classifySeq(254, 1)).toEqual({ kind: 'gap', missing: 2 });
  });

  it('rate-limits rebirth requests per interval', () => {
    expect(rebirthAllowed(undefined, 0, 10_000)).toBe(true);
    expect(rebirthAllowed(1000, 10_999, 10_000)).toBe(false);
    expect(rebirthAllowed(1000, 11_000, 10_000)).toBe(true);
  });
});
