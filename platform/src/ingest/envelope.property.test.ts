import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainEnvelope } from './data-group.js';
import { dataEnvelopeSchema } from './data-handler.js';

/**
 * The group commit's zod-free envelope check (plainEnvelope) may refuse more than dataEnvelopeSchema — those
 * messages take the one-at-a-time path, where the schema judges them — but never accept what the schema
 * refuses, and what it accepts reads the same.
 */
const near = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -3, max: 2 ** 53 + 2 }),
  fc.double(),
  fc.string({ maxLength: 70 }),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.anything(),
);
const envelopeLike = fc.record(
  { sessionId: near, seq: near, historical: near, points: near, extra: near },
  { requiredKeys: [] },
);

describe('plainEnvelope', () => {
  it('accepts only what dataEnvelopeSchema accepts, with the same values', () => {
    fc.assert(
      fc.property(fc.oneof(envelopeLike, fc.anything()), (json) => {
        const fast = plainEnvelope(json);
        const zod = dataEnvelopeSchema.safeParse(json);
        if (fast === null) return;
        expect(zod.success).toBe(true);
        if (!zod.success) return;
        expect(fast).toEqual({
          sessionId: zod.data.sessionId,
          seq: zod.data.seq,
          historical: zod.data.historical,
          points: zod.data.points,
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts a plain batch', () => {
    const b = { sessionId: 'session-0001', seq: 3, historical: true, points: [[0, 1, 2]] };
    expect(plainEnvelope(b)).toEqual(b);
    expect(plainEnvelope({ ...b, historical: undefined })).toEqual({ ...b, historical: false });
  });
});
