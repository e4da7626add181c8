/**
 * What a simulated DL/T 645-2007 meter answers to read data (11H): data identifier → simulation metric and BCD
 * layout. Written out here on purpose, independently of the agent's table (edge-agent/src/sources/dlt645/dis.ts),
 * so that a disagreement shows up in tests instead of cancelling out. Layouts from DL/T 645-2007 Appendix A:
 * energy XXXXXX.XX kWh (4 bytes), voltage XXX.X V (2), current XXX.XXX A (3, signed), power XX.XXXX kW/kvar
 * (3, signed), power factor X.XXX (2, signed), frequency XX.XX Hz (2), demand XX.XXXX kW (3, signed).
 */
export type SimItem = {
  /** Simulation metric key of the meter … */
  key: string;
  /** … or a value derived from the meter's metrics. */
  derive?: (get: (key: string) => number | undefined) => number | undefined;
  bytes: number;
  decimals: number;
  signed: boolean;
};

const item = (key: string, bytes: number, decimals: number, signed: boolean): SimItem => ({
  key,
  bytes,
  decimals,
  signed,
});

export const SIM_ITEMS: Record<string, SimItem> = {
  // DI3..DI0 as the standard's tables write them.
  '00010000': item('energyImport', 4, 2, false),
  '00020000': { ...item('energyExport', 4, 2, false), derive: () => 0 }, // a consumer exports nothing
  '02010100': item('voltage.L1', 2, 1, false),
  '02010200': item('voltage.L2', 2, 1, false),
  '02010300': item('voltage.L3', 2, 1, false),
  '02020100': item('current.L1', 3, 3, true),
  '02020200': item('current.L2', 3, 3, true),
  '02020300': item('current.L3', 3, 3, true),
  '02030000': item('activePower', 3, 4, true),
  '02030100': item('activePower.L1', 3, 4, true),
  '02030200': item('activePower.L2', 3, 4, true),
  '02030300': item('activePower.L3', 3, 4, true),
  '02040000': item('reactivePower', 3, 4, true),
  '02060000': item('powerFactor', 2, 3, true),
  '02800002': item('frequency', 2, 2, false),
  '02800004': item('demand15', 3, 4, true),
};

/**
 * value → BCD bytes, lowest byte first: round to the format's decimals, clamp to what its digits hold, sign in
 * the top bit of the last byte when the format is signed (negative values of an unsigned format clamp to 0).
 */
export function bcdBytes(value: number, it: Pick<SimItem, 'bytes' | 'decimals' | 'signed'>): Buffer {
  const negative = it.signed && value < 0;
  const digits = 2 * it.bytes;
  const max = (it.signed ? 8 : 10) * 10 ** (digits - 1) - 1;
  const scaled = Math.min(max, Math.max(0, Math.round(Math.abs(value) * 10 ** it.decimals)));
  const text = String(it.signed || value >= 0 ? scaled : 0).padStart(digits, '0');
  const out = Buffer.alloc(it.bytes);
  for (let i = 0; i < it.bytes; i++) {
    const hi = text.charCodeAt(digits - 2 - 2 * i) - 48;
    const lo = text.charCodeAt(digits - 1 - 2 * i) - 48;
    out[i] = (hi << 4) | lo;
  }
  if (negative && scaled > 0) out[it.bytes - 1]! |= 0x80;
  return out;
}

/** The value the agent should decode back (what the format keeps). */
export function bcdPrecision(value: number, it: Pick<SimItem, 'bytes' | 'decimals' | 'signed'>): number {
  const b = bcdBytes(value, it);
  let text = '';
  for (let i = it.bytes - 1; i >= 0; i--) {
    const x = i === it.bytes - 1 && it.signed ? b[i]! & 0x7f : b[i]!;
    text += x.toString(16).padStart(2, '0');
  }
  const v = Number(text) / 10 ** it.decimals;
  return it.signed && b[it.bytes - 1]! & 0x80 ? -v : v;
}

/**
 * Data blocks (数据块, DL/T 645-2007 Table A.3: DI1 = FFH = every phase of the item, total first where it has one)
 * the simulated meters answer: the members' answers one after another. Energy blocks (total + each tariff) are
 * not simulated: the scenario's meters keep no tariff registers.
 */
export const SIM_BLOCKS: Record<string, string[]> = {
  '0201FF00': ['02010100', '02010200', '02010300'],
  '0202FF00': ['02020100', '02020200', '02020300'],
  '0203FF00': ['02030000', '02030100', '02030200', '02030300'],
};
