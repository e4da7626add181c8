/**
 * How each simulated meter model lays out its values in registers — written out here on purpose, independently
 * of the agent's map files (edge-agent/src/sources/modbus/maps/), so a disagreement between the two shows up in
 * tests instead of cancelling out. Values come from the simulation in canonical units (V, A, kW, kvar, Hz, kWh).
 */
export type Encoding = 'float32' | 'uint16' | 'int32';
export type RegisterDef = {
  table: 'holding' | 'input';
  address: number;
  encoding: Encoding;
  /** register value = simulation value × factor (kW → W is 1000; DTSU666 voltage in 0.1 V is 10). */
  factor: number;
  /** catalog metric key of an electric meter … */
  key: string;
  /** … or a value derived from them (apparent power, line-to-line voltage, export = 0 for a consumer). */
  derive?: (get: (key: string) => number) => number;
};

const phases = ['L1', 'L2', 'L3'] as const;

type Entry = [number, string, number, RegisterDef['derive']?];

function block(table: RegisterDef['table'], encoding: Encoding, entries: Entry[]): RegisterDef[] {
  return entries.map(([address, key, factor, derive]) => ({
    table,
    address,
    encoding,
    factor,
    key,
    ...(derive ? { derive } : {}),
  }));
}

const apparent = (g: (k: string) => number) => Math.hypot(g('activePower'), g('reactivePower'));
const zero = () => 0;
/** Line-to-line voltage of two phases 120° apart: |Ua − Ub| = √(Ua² + Ub² + Ua·Ub). */
const lineToLine = (a: string, b: string) => (g: (k: string) => number) =>
  Math.sqrt(g(`voltage.${a}`) ** 2 + g(`voltage.${b}`) ** 2 + g(`voltage.${a}`) * g(`voltage.${b}`));

export const MODELS: Record<string, RegisterDef[]> = {
  // Eastron SDM630: input registers, float32 (V, A, W, Hz, kWh).
  'eastron-sdm630': block('input', 'float32', [
    ...phases.map((p, i): [number, string, number] => [0x00 + 2 * i, `voltage.${p}`, 1]),
    ...phases.map((p, i): [number, string, number] => [0x06 + 2 * i, `current.${p}`, 1]),
    ...phases.map((p, i): [number, string, number] => [0x0c + 2 * i, `activePower.${p}`, 1000]),
    ...phases.map((p, i): Entry => [0x1e + 2 * i, `powerFactor.${p}`, 1, (g) => g('powerFactor')]),
    [0x34, 'activePower', 1000],
    [0x38, 'apparentPower', 1000, apparent],
    [0x3c, 'reactivePower', 1000],
    [0x3e, 'powerFactor', 1],
    [0x46, 'frequency', 1],
    [0x48, 'energyImport', 1],
    [0x4a, 'energyExport', 1, zero],
    [0x4c, 'reactiveEnergyImport', 1],
    [0x54, 'demand', 1000, (g) => g('demand15')],
    ...phases.map((p, i): Entry => [0xea + 2 * i, `voltageThd.${p}`, 1, (g) => g('voltageThd')]),
  ]),
  // CHINT DTSU666: holding registers, float32 in 0.1 V, 0.001 A, 0.1 W, 0.001, 0.01 Hz; energy in kWh.
  'chint-dtsu666': block('holding', 'float32', [
    [0x2000, 'voltage.L1L2', 10, lineToLine('L1', 'L2')],
    [0x2002, 'voltage.L2L3', 10, lineToLine('L2', 'L3')],
    [0x2004, 'voltage.L3L1', 10, lineToLine('L3', 'L1')],
    ...phases.map((p, i): [number, string, number] => [0x2006 + 2 * i, `voltage.${p}`, 10]),
    ...phases.map((p, i): [number, string, number] => [0x200c + 2 * i, `current.${p}`, 1000]),
    [0x2012, 'activePower', 10_000],
    ...phases.map((p, i): [number, string, number] => [0x2014 + 2 * i, `activePower.${p}`, 10_000]),
    [0x201a, 'reactivePower', 10_000],
    [0x202a, 'powerFactor', 1000],
    [0x2044, 'frequency', 100],
    [0x401e, 'energyImport', 1],
    [0x4028, 'energyExport', 1, zero],
  ]),
  // Acrel ADW300: holding registers; uint16 0.1 V and 0.01 A, int32 W, int32 0.01 kWh.
  'acrel-adw300': [
    ...block('holding', 'uint16', [
      ...phases.map((p, i): [number, string, number] => [20 + i, `voltage.${p}`, 10]),
      ...phases.map((p, i): [number, string, number] => [26 + i, `current.${p}`, 100]),
    ]),
    ...block('holding', 'int32', [
      ...phases.map((p, i): [number, string, number] => [30 + 2 * i, `activePower.${p}`, 1000]),
      [36, 'activePower', 1000],
      [62, 'energyImport', 100],
      [64, 'energyExport', 100, zero],
    ]),
  ],
};

export const MODEL_NAMES = Object.keys(MODELS);

/** Registers (16-bit words, most significant first) for one value. */
export function encodeValue(value: number, encoding: Encoding, factor: number): number[] {
  const v = value * factor;
  if (encoding === 'uint16') return [Math.max(0, Math.min(0xffff, Math.round(v)))];
  const b = Buffer.alloc(4);
  if (encoding === 'float32') b.writeFloatBE(v);
  else b.writeInt32BE(Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v))));
  return [b.readUInt16BE(0), b.readUInt16BE(2)];
}

/** The value the agent should decode back (the precision the register layout keeps). */
export function registerPrecision(value: number, encoding: Encoding, factor: number): number {
  const regs = encodeValue(value, encoding, factor);
  if (encoding === 'uint16') return regs[0]! / factor;
  const b = Buffer.alloc(4);
  b.writeUInt16BE(regs[0]!, 0);
  b.writeUInt16BE(regs[1]!, 2);
  return (encoding === 'float32' ? b.readFloatBE(0) : b.readInt32BE(0)) / factor;
}
