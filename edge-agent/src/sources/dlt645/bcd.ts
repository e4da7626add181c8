/**
 * Value formats of DL/T 645-2007 Appendix A (数据格式, e.g. XXXXXX.XX = 8 BCD digits, 2 decimals), sent lowest
 * byte first. For currents, powers, power factors and demand the top bit of the most significant byte is the
 * direction (1 = negative; Appendix A notes to Table A.3 — confidence medium: the sign convention is quoted
 * from implementations and the standard's table notes as remembered, not re-read here).
 */
export const formats = {
  'XXXXXX.XX': { bytes: 4, decimals: 2 },
  'XXX.X': { bytes: 2, decimals: 1 },
  'XXX.XXX': { bytes: 3, decimals: 3 },
  'XX.XXXX': { bytes: 3, decimals: 4 },
  'X.XXX': { bytes: 2, decimals: 3 },
  'XX.XX': { bytes: 2, decimals: 2 },
  NN: { bytes: 1, decimals: 0 },
} as const;
export type Format = keyof typeof formats;

/** BCD bytes (lowest first, 33H already removed) → number; `signed`: top bit of the last byte is the sign. */
export function decodeBcd(bytes: Uint8Array, format: Format, signed: boolean): number | string {
  const f = formats[format];
  if (bytes.length < f.bytes) return `expected ${f.bytes} bytes for ${format}, got ${bytes.length}`;
  let digits = 0;
  let negative = false;
  for (let i = f.bytes - 1; i >= 0; i--) {
    let b = bytes[i]!;
    if (i === f.bytes - 1 && signed) {
      negative = (b & 0x80) !== 0;
      b &= 0x7f;
    }
    const hi = b >> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) return `not BCD: byte ${i} = 0x${bytes[i]!.toString(16).padStart(2, '0')}`;
    digits = digits * 100 + hi * 10 + lo;
  }
  const v = digits / 10 ** f.decimals;
  // "Minus zero" (sign bit on 0) is 0: a reading of 0 A must not turn into -0 downstream.
  return negative && v !== 0 ? -v : v;
}
