import { describe, expect, it } from 'vitest';
import { decodeBcd } from './bcd.js';
import { addressBytes, describeError, parseFrame, readAddressRequest, readRequest } from './frame.js';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((h) => Number.parseInt(h, 16)),
  );
const show = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase().replace(/(..)/g, '$1 ').trim();

/**
 * Frames worked out by hand from DL/T 645-2007 §5 (frame) and Appendix A (data identifiers and formats):
 * the expected bytes below were written down before running the code, checksums summed by hand.
 */
describe('DL/T 645-2007 frames, worked by hand', () => {
  it('read 正向有功总电能 00 01 00 00 from meter 000000000001', () => {
    // 68 | 01 00 00 00 00 00 | 68 | 11 | 04 | DI0..DI3 = 00 00 01 00 + 33H = 33 33 34 33 | CS | 16
    // CS = 68+01+68+11+04+33+33+34+33 = 0x1B3 → B3
    expect(show(readRequest('000000000001', '00010000'))).toBe(
      'FE FE FE FE 68 01 00 00 00 00 00 68 11 04 33 33 34 33 B3 16',
    );
  });

  it('the address is BCD, lowest byte first: 202411110002 → 02 00 11 11 24 20', () => {
    expect(show(addressBytes('202411110002'))).toBe('02 00 11 11 24 20');
    // read A相电压 02 01 01 00: DI bytes 00 01 01 02 + 33H = 33 34 34 35
    // CS = 68+02+00+11+11+24+20+68+11+04+33+34+34+35: running sums 6A 7B 8C B0 D0 138 149 14D 180 1B4 1E8 21D
    //    = 0x21D → 1D  (an earlier draft of this test said 0x2A7 → A7: a slip in the hand sum, not in the code)
    expect(show(readRequest('202411110002', '02010100', 0))).toBe(
      '68 02 00 11 11 24 20 68 11 04 33 34 34 35 1D 16',
    );
  });

  it('read communication address with the wildcard AAAAAAAAAAAA: C = 13H, L = 0', () => {
    // CS = 68 + 6×AA + 68 + 13 + 00 = 0x68+0x3FC+0x68+0x13 = 0x4DF → DF
    expect(show(readAddressRequest())).toBe('FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16');
  });

  it('decodes an answer: 123456.78 kWh (XXXXXX.XX), with wake-up bytes and noise before it', () => {
    // 68 01 00 00 00 00 00 68 91 08 | 33 33 34 33 | 78 56 34 12 + 33H = AB 89 67 45 | CS 16
    // CS = 68+01+68+91+08+33+33+34+33+AB+89+67+45 = 0x417 → 17
    const wire = hex('00 FE FE 68 01 00 00 00 00 00 68 91 08 33 33 34 33 AB 89 67 45 17 16');
    const p = parseFrame(wire);
    if (!('frame' in p)) throw new Error(JSON.stringify(p));
    expect(p.consumed).toBe(wire.length);
    expect(p.frame.address).toBe('000000000001');
    expect(p.frame.control).toBe(0x91);
    expect(show(p.frame.data)).toBe('00 00 01 00 78 56 34 12');
    expect(decodeBcd(p.frame.data.subarray(4), 'XXXXXX.XX', false)).toBe(123456.78);
  });

  it('formats of Appendix A, values worked by hand (33H already removed)', () => {
    expect(decodeBcd(hex('01 22'), 'XXX.X', false)).toBe(220.1); // A相电压 220.1 V
    expect(decodeBcd(hex('23 51 80'), 'XXX.XXX', true)).toBe(-5.123); // A相电流, direction bit set
    expect(decodeBcd(hex('56 34 12'), 'XX.XXXX', true)).toBe(12.3456); // 瞬时总有功功率 kW
    expect(decodeBcd(hex('87 09'), 'X.XXX', true)).toBe(0.987); // 总功率因数
    expect(decodeBcd(hex('01 50'), 'XX.XX', false)).toBe(50.01); // 电网频率 Hz
    expect(decodeBcd(hex('FF FF FF FF'), 'XXXXXX.XX', false)).toMatch(/not BCD/);
  });

  it('refuses a frame with a wrong checksum or a missing end byte, and waits for an incomplete one', () => {
    const good = hex('68 01 00 00 00 00 00 68 91 08 33 33 34 33 AB 89 67 45 17 16');
    const badCs = good.slice();
    badCs[18] = 0x18;
    expect(parseFrame(badCs)).toMatchObject({ bad: 'checksum error' });
    const noEnd = good.slice();
    noEnd[19] = 0x00;
    expect(parseFrame(noEnd)).toMatchObject({ bad: 'end byte 16H missing' });
    expect(parseFrame(good.subarray(0, 15))).toEqual({ need: true });
  });

  it('an abnormal answer (C = D1H) carries the error byte: 02H = no requested data', () => {
    // 68 01 00 00 00 00 00 68 D1 01 35 CS 16; CS = 68+01+68+D1+01+35: running sums 69 D1 1A2 1A3 1D8
    //    = 0x1D8 → D8  (an earlier draft said 0x210 → 10: a slip in the hand sum)
    const p = parseFrame(hex('68 01 00 00 00 00 00 68 D1 01 35 D8 16'));
    if (!('frame' in p)) throw new Error(JSON.stringify(p));
    expect(p.frame.control & 0x40).toBe(0x40);
    expect(describeError(p.frame.data[0]!)).toBe('error byte 0x02 (no requested data)');
  });

  it('a read exchange published by a third party (blog notes on 07 规约, checksums re-summed by hand)', () => {
    // Request for 正向有功总电能 to meter 000102030425 (address bytes 25 04 03 02 01 00, lowest first):
    // CS = 68+25+04+03+02+01+00+68+11+04+33+33+34+33 = 0x1E1 → E1
    expect(show(readRequest('000102030425', '00010000', 0))).toBe(
      '68 25 04 03 02 01 00 68 11 04 33 33 34 33 E1 16',
    );
    // Answer: 75 39 45 33 − 33H = 42 06 12 00, lowest byte first → 00 12 06 42 → 001206.42 kWh;
    // CS = 68+25+04+03+02+01+00+68+91+08+33+33+34+33+75+39+45+33 = 0x38B → 8B
    const p = parseFrame(hex('68 25 04 03 02 01 00 68 91 08 33 33 34 33 75 39 45 33 8B 16'));
    if (!('frame' in p)) throw new Error(JSON.stringify(p));
    expect(p.frame.address).toBe('000102030425');
    expect(decodeBcd(p.frame.data.subarray(4), 'XXXXXX.XX', false)).toBe(1206.42);
  });
});
