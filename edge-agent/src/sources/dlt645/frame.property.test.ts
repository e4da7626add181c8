import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBcd, type Format, formats } from './bcd.js';
import { encodeFrame, parseFrame } from './frame.js';

/**
 * Properties of the framing and the BCD formats over random inputs. The BCD oracle below is a second, plain
 * implementation (decimal string → digit pairs, lowest pair first), not the code under test.
 */
const bcdPair = fc.integer({ min: 0, max: 99 }).map((n) => `${Math.floor(n / 10)}${n % 10}`);
const address = fc
  .array(fc.oneof(bcdPair, fc.constant('AA')), { minLength: 6, maxLength: 6 })
  .map((p) => p.join(''));
const frameArb = fc.record({
  address,
  control: fc.integer({ min: 0, max: 255 }),
  data: fc.uint8Array({ maxLength: 200 }),
});

describe('DL/T 645 framing properties', () => {
  it('encode → parse gives back address, control and data, after any wake-up bytes and noise', () => {
    fc.assert(
      fc.property(
        frameArb,
        fc.integer({ min: 0, max: 4 }),
        fc.uint8Array({ maxLength: 8 }).map((n) => n.filter((b) => b !== 0x68)),
        (f, preamble, noise) => {
          const wire = Buffer.concat([noise, encodeFrame(f, preamble)]);
          const p = parseFrame(wire);
          if (!('frame' in p)) return false;
          expect(p.consumed).toBe(wire.length);
          expect(p.frame.address).toBe(f.address.toUpperCase());
          expect(p.frame.control).toBe(f.control);
          expect([...p.frame.data]).toEqual([...f.data]);
          return true;
        },
      ),
    );
  });

  it('the checksum is the sum of the bytes from the first 68H to the last data byte, modulo 256', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const wire = encodeFrame(f, 0);
        let sum = 0;
        for (let i = 0; i < wire.length - 2; i++) sum += wire[i]!;
        return wire[wire.length - 2] === sum % 256 && wire[wire.length - 1] === 0x16;
      }),
    );
  });

  it('any corrupted data or checksum byte is refused as a checksum error, never returned as a frame', () => {
    fc.assert(
      fc.property(
        frameArb.filter((f) => f.data.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (f, at, delta) => {
          const wire = encodeFrame(f, 0);
          // Positions 10 .. 10+L: the data bytes and the checksum.
          const i = 10 + (at % (f.data.length + 1));
          wire[i] = (wire[i]! + delta) & 0xff;
          expect(parseFrame(wire)).toMatchObject({ bad: 'checksum error', consumed: wire.length });
        },
      ),
    );
  });

  it('a frame cut anywhere asks for more bytes', () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), (f, cut) => {
        const wire = encodeFrame(f, 0);
        const n = 1 + (cut % (wire.length - 1));
        expect(parseFrame(wire.subarray(0, n))).toEqual({ need: true });
      }),
    );
  });
});

/** Plain oracle: |value| × 10^decimals as a zero-padded decimal string, digit pairs lowest first. */
function bcdOracle(scaled: number, nBytes: number, negative: boolean): Uint8Array {
  const digits = String(scaled).padStart(2 * nBytes, '0');
  const out = new Uint8Array(nBytes);
  for (let i = 0; i < nBytes; i++) {
    const pair = digits.slice(digits.length - 2 * i - 2, digits.length - 2 * i);
    out[i] = Number(pair[0]) * 16 + Number(pair[1]);
  }
  if (negative) out[nBytes - 1]! |= 0x80;
  return out;
}

describe('BCD formats of DL/T 645-2007 Appendix A', () => {
  const names = Object.keys(formats) as Format[];
  it('decodes every value the format can hold, unsigned and signed (top bit of the last byte)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (name, u, neg) => {
          const f = formats[name];
          // Signed: the top digit loses its 8 (the sign bit) → at most 7 in the highest digit.
          const max = (neg ? 8 : 10) * 10 ** (2 * f.bytes - 1) - 1;
          const scaled = Math.floor(u * max);
          const v = decodeBcd(bcdOracle(scaled, f.bytes, neg), name, neg);
          const expected = scaled / 10 ** f.decimals;
          expect(v).toBe(neg && scaled !== 0 ? -expected : expected);
        },
      ),
    );
  });

  it('refuses a nibble above 9 with a reason', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.nat(),
        fc.integer({ min: 10, max: 15 }),
        fc.boolean(),
        (name, at, nib, high) => {
          const f = formats[name];
          const b = bcdOracle(0, f.bytes, false);
          const i = at % f.bytes;
          // Not the sign bit's byte's top nibble when signed: decode unsigned here.
          b[i] = high ? nib << 4 : nib;
          expect(decodeBcd(b, name, false)).toMatch(/not BCD/);
        },
      ),
    );
  });
});
