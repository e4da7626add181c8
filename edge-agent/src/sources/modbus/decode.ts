/**
 * Register values → numbers. Modbus carries 16-bit registers, each big-endian on the wire (Modbus Application
 * Protocol V1.1b3 §4.2); how wider values span registers is the device's choice, so every point states it:
 *   wordOrder  big = most significant register first ("ABCD", the common default), little = least first ("CDAB")
 *   byteOrder  big = bytes of each register as sent, little = swapped within each register ("BADC" / "DCBA")
 * 64-bit integers beyond ±2^53 lose precision as JS numbers (no energy counter reaches that).
 */
export const registerTypes = [
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float32',
  'float64',
] as const;
export type RegisterType = (typeof registerTypes)[number];
export type WordOrder = 'big' | 'little';

export const REGISTERS: Record<RegisterType, number> = {
  int16: 1,
  uint16: 1,
  int32: 2,
  uint32: 2,
  int64: 4,
  uint64: 4,
  float32: 2,
  float64: 4,
};

export type Layout = { type: RegisterType; wordOrder: WordOrder; byteOrder: WordOrder };

/** The value's bytes, most significant first, from `count` registers at `offset` (registers) of `regs`. */
function canonicalBytes(regs: Uint8Array, offset: number, l: Layout): Uint8Array {
  const n = REGISTERS[l.type];
  const out = new Uint8Array(2 * n);
  for (let w = 0; w < n; w++) {
    const src = 2 * (offset + (l.wordOrder === 'big' ? w : n - 1 - w));
    const hi = regs[src]!;
    const lo = regs[src + 1]!;
    out[2 * w] = l.byteOrder === 'big' ? hi : lo;
    out[2 * w + 1] = l.byteOrder === 'big' ? lo : hi;
  }
  return out;
}

/**
 * Decodes one value starting `offset` registers into `regs` (the raw bytes of a read response's registers).
 * Throws RangeError when the registers are not all there.
 */
export function decodeRegisters(regs: Uint8Array, offset: number, l: Layout): number {
  const n = REGISTERS[l.type];
  if (offset < 0 || 2 * (offset + n) > regs.length)
    throw new RangeError(`${l.type} at register ${offset} is outside the ${regs.length / 2} registers read`);
  const b = canonicalBytes(regs, offset, l);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (l.type) {
    case 'int16':
      return v.getInt16(0);
    case 'uint16':
      return v.getUint16(0);
    case 'int32':
      return v.getInt32(0);
    case 'uint32':
      return v.getUint32(0);
    case 'int64':
      return Number(v.getBigInt64(0));
    case 'uint64':
      return Number(v.getBigUint64(0));
    case 'float32':
      return v.getFloat32(0);
    case 'float64':
      return v.getFloat64(0);
  }
}

/** Engineering value: raw × scale + offset (as the register map states). */
export function engineering(raw: number, scale: number, offset: number): number {
  return raw * scale + offset;
}
