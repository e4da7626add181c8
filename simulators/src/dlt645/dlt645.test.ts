import { describe, expect, it } from 'vitest';
import { bcdBytes, bcdPrecision } from './items.js';
import { addressField, addressMatches, buildFrame, cutFrames } from './wire.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase().replace(/(..)/g, '$1 ').trim();

/** The meter side of the simulator, against bytes worked out by hand from DL/T 645-2007 §5 and Appendix A. */
describe('simulated DL/T 645 meter: BCD and frames by hand', () => {
  it('encodes the Appendix A formats lowest byte first, sign in the top bit', () => {
    expect(hex(bcdBytes(1206.42, { bytes: 4, decimals: 2, signed: false }))).toBe('42 06 12 00');
    expect(hex(bcdBytes(220.1, { bytes: 2, decimals: 1, signed: false }))).toBe('01 22');
    expect(hex(bcdBytes(-5.123, { bytes: 3, decimals: 3, signed: true }))).toBe('23 51 80');
    expect(hex(bcdBytes(0.987, { bytes: 2, decimals: 3, signed: true }))).toBe('87 09');
    // Clamped to what the digits hold; an unsigned format never goes negative.
    expect(hex(bcdBytes(1e9, { bytes: 4, decimals: 2, signed: false }))).toBe('99 99 99 99');
    expect(hex(bcdBytes(-3, { bytes: 4, decimals: 2, signed: false }))).toBe('00 00 00 00');
    expect(bcdPrecision(12.34567, { bytes: 3, decimals: 4, signed: true })).toBe(12.3457);
  });

  it('answers frame of the third-party exchange: 1206.42 kWh from meter 000102030425', () => {
    // 68 25 04 03 02 01 00 68 91 08 33 33 34 33 75 39 45 33 8B 16 (CS re-summed by hand: 0x38B → 8B)
    const f = buildFrame(
      addressField('000102030425'),
      0x91,
      Buffer.from([0x00, 0x00, 0x01, 0x00, ...bcdBytes(1206.42, { bytes: 4, decimals: 2, signed: false })]),
    );
    expect(hex(f)).toBe('FE FE FE FE 68 25 04 03 02 01 00 68 91 08 33 33 34 33 75 39 45 33 8B 16');
  });

  it('cuts request frames off a stream, drops a bad checksum, matches abbreviated addresses', () => {
    const req = Buffer.from('FEFEFEFE6801000000000068110433333433B316', 'hex'); // worked in frame.test.ts
    const bad = Buffer.from(req);
    bad[bad.length - 2] = 0xb4;
    const r = cutFrames(Buffer.concat([bad, req, req.subarray(0, 7)]));
    expect(r.bad).toBe(1);
    expect(r.frames).toHaveLength(1);
    expect(hex(r.frames[0]!.data)).toBe('00 00 01 00');
    expect(r.rest.length).toBe(3); // FE FE FE skipped, 68 … kept for more bytes
    const own = addressField('000000001201');
    expect(addressMatches(Buffer.from('01AAAAAAAAAA', 'hex'), own)).toBe(true);
    expect(addressMatches(Buffer.from('0112AAAAAAAA', 'hex'), own)).toBe(true);
    expect(addressMatches(Buffer.from('0212AAAAAAAA', 'hex'), own)).toBe(false);
    expect(addressMatches(Buffer.from('AAAAAAAAAAAA', 'hex'), own)).toBe(true);
    expect(addressMatches(addressField('000000001202'), own)).toBe(false);
  });
});
