import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRegisters, type Layout, REGISTERS, type RegisterType } from './decode.js';

const bytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((h) => Number.parseInt(h, 16)));
const L = (
  type: RegisterType,
  wordOrder: 'big' | 'little' = 'big',
  byteOrder: 'big' | 'little' = 'big',
): Layout => ({
  type,
  wordOrder,
  byteOrder,
});

describe('register decoding, worked by hand', () => {
  it('16-bit', () => {
    expect(decodeRegisters(bytes('08FC'), 0, L('uint16'))).toBe(2300); // 230.0 V × 10
    expect(decodeRegisters(bytes('FF38'), 0, L('int16'))).toBe(-200);
    expect(decodeRegisters(bytes('0000FF38'), 1, L('uint16'))).toBe(65336);
  });
  it('32-bit integers in both word orders', () => {
    // 123456.78 kWh × 100 = 12345678 = 0x00BC614E
    expect(decodeRegisters(bytes('00BC614E'), 0, L('uint32'))).toBe(12_345_678);
    expect(decodeRegisters(bytes('614E00BC'), 0, L('uint32', 'little'))).toBe(12_345_678);
    expect(decodeRegisters(bytes('FFFFFF9C'), 0, L('int32'))).toBe(-100);
  });
  it('IEEE 754 float32: 230.0 = 0x43660000, 50.0 = 0x42480000, ABCD / CDAB / BADC / DCBA', () => {
    expect(decodeRegisters(bytes('43660000'), 0, L('float32'))).toBe(230);
    expect(decodeRegisters(bytes('00004366'), 0, L('float32', 'little'))).toBe(230);
    expect(decodeRegisters(bytes('66430000'), 0, L('float32', 'big', 'little'))).toBe(230);
    expect(decodeRegisters(bytes('00006643'), 0, L('float32', 'little', 'little'))).toBe(230);
    expect(decodeRegisters(bytes('0000000042480000'), 2, L('float32'))).toBe(50);
  });
  it('64-bit: 1e12 Wh = 0x000000E8D4A51000, and float64 1.5 = 0x3FF8000000000000', () => {
    expect(decodeRegisters(bytes('000000E8D4A51000'), 0, L('uint64'))).toBe(1e12);
    expect(decodeRegisters(bytes('1000D4A500E80000'), 0, L('uint64', 'little'))).toBe(1e12);
    expect(decodeRegisters(bytes('FFFFFFFFFFFFFFFF'), 0, L('int64'))).toBe(-1);
    expect(decodeRegisters(bytes('3FF8000000000000'), 0, L('float64'))).toBe(1.5);
  });
  it('refuses to read past the registers that were read', () => {
    expect(() => decodeRegisters(bytes('4366'), 0, L('float32'))).toThrow(RangeError);
  });
});

/** A second, plain encoder (DataView on the canonical big-endian bytes, then the device's reordering). */
function encode(value: number, l: Layout): Uint8Array {
  const n = REGISTERS[l.type];
  const b = new DataView(new ArrayBuffer(2 * n));
  const set: Record<RegisterType, () => void> = {
    int16: () => b.setInt16(0, value),
    uint16: () => b.setUint16(0, value),
    int32: () => b.setInt32(0, value),
    uint32: () => b.setUint32(0, value),
    int64: () => b.setBigInt64(0, BigInt(value)),
    uint64: () => b.setBigUint64(0, BigInt(value)),
    float32: () => b.setFloat32(0, value),
    float64: () => b.setFloat64(0, value),
  };
  set[l.type]();
  const words = Array.from({ length: n }, (_, w) => [b.getUint8(2 * w), b.getUint8(2 * w + 1)]);
  if (l.wordOrder === 'little') words.reverse();
  return Uint8Array.from(words.flatMap(([hi, lo]) => (l.byteOrder === 'big' ? [hi!, lo!] : [lo!, hi!])));
}

describe('register decoding, properties', () => {
  const order = fc.constantFrom<'big' | 'little'>('big', 'little');
  it('every type and order round-trips through an independent encoder', () => {
    const cases: Array<[RegisterType, fc.Arbitrary<number>]> = [
      ['int16', fc.integer({ min: -32768, max: 32767 })],
      ['uint16', fc.integer({ min: 0, max: 65535 })],
      ['int32', fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })],
      ['uint32', fc.integer({ min: 0, max: 2 ** 32 - 1 })],
      ['int64', fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })],
      ['uint64', fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })],
      ['float32', fc.float({ noNaN: true })],
      ['float64', fc.double({ noNaN: true })],
    ];
    for (const [type, arb] of cases) {
      fc.assert(
        fc.property(arb, order, order, fc.integer({ min: 0, max: 3 }), (v, wo, bo, pad) => {
          const l = L(type, wo, bo);
          const regs = new Uint8Array([...new Uint8Array(2 * pad), ...encode(v, l)]);
          expect(decodeRegisters(regs, pad, l)).toBe(Object.is(v, -0) && type.startsWith('float') ? -0 : v);
        }),
      );
    }
  });
});
