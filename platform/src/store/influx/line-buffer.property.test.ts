import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../engine/align.js';
import type { StoredPoint } from '../types.js';
import { DirtyMarks } from './dirty-marks.js';
import { LineBuffer, linePrefix } from './line-buffer.js';
import { pointLine, seriesTags } from './line-protocol.js';

/**
 * The bytes-built body of a journal write (LineBuffer) against the text path it replaced — pointLine per
 * point, joined with "\n", as UTF-8 — over points the store accepts: keys with escapes and non-ASCII,
 * values of every magnitude (−0, 1e21, subnormals), statuses up to 2^32−1, text with quotes and backslashes,
 * null values, and runs of shared timestamps (the fast path formats one per run).
 */
const keyPart = fc.oneof(
  fc.constantFrom('m1', 'activePower.k0', 'a b', 'x,y=z', '车间1', '电表 A,1'),
  // biome-ignore lint/suspicious/noControlCharactersInRegex: keys the store refuses are left out
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\u0000-\u001f\u007f\\]/.test(s)),
);
const series = fc.record({ factoryId: keyPart, deviceId: keyPart, metric: keyPart });
const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 0.5, 1e21, 1e-7, 5e-324, Number.MAX_VALUE),
  fc.constant(null),
);
const text = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 10 }),
  fc.constantFrom('say "hi"', 'back\\slash', '产品A'),
);
const ts = fc.integer({ min: 0, max: 7_258_118_399_999 });
const point = fc.record({
  key: series,
  tsMs: ts,
  value,
  status: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff_ffff })),
  text,
});
/** Points in runs sharing a timestamp, as a gateway's scan sends them. */
const batch = fc
  .array(fc.tuple(fc.array(point, { minLength: 1, maxLength: 4 }), ts), { minLength: 1, maxLength: 12 })
  .map((runs) =>
    runs.flatMap(([ps, t], r) =>
      ps.map(
        (p, i): StoredPoint => ({
          ...p.key,
          tsMs: (i + r) % 3 === 0 ? p.tsMs : t,
          value: p.value,
          status: p.status,
          ...(p.text !== undefined ? { text: p.text } : {}),
        }),
      ),
    ),
  );

describe('LineBuffer', () => {
  it('builds the same bytes as pointLine joined with newlines', () => {
    fc.assert(
      fc.property(batch, fc.integer({ min: 1, max: 256 }), (points, initial) => {
        const b = new LineBuffer(initial); // small initial sizes exercise growth
        for (const p of points) b.add(linePrefix(seriesTags(p)), p);
        const expected = Buffer.from(points.map((p) => pointLine(p)).join('\n'), 'utf8');
        expect(b.lines).toBe(points.length);
        expect(b.bytes().toString('utf8')).toBe(expected.toString('utf8'));
        expect(b.bytes().equals(expected)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe('DirtyMarks', () => {
  it('lists each touched (series, hour) exactly once, as the per-point string keys did', () => {
    fc.assert(
      fc.property(batch, (points) => {
        const marks = new DirtyMarks();
        const old = new Map<string, [StoredPoint, number]>();
        for (const p of points) {
          const hour = p.tsMs - (p.tsMs % HOUR_MS);
          marks.add(seriesTags(p), p, hour);
          const mk = `${seriesTags(p)}|${hour}`;
          if (!old.has(mk)) old.set(mk, [p, hour]);
        }
        const got = marks.list().map(([k, h]) => `${seriesTags(k)}|${h}`);
        expect(new Set(got).size).toBe(got.length);
        expect(got.sort()).toEqual([...old.keys()].sort());
      }),
      { numRuns: 300 },
    );
  });
});
