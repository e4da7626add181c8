import { type Datatype, type Phase, type Quantity, quantityUnits } from '@xiang/protocol';
import { conversionFor, normalizeUnit } from '../../config/units.js';

/**
 * Heuristics for `xiang-edge browse`: what a variable measures, from its browse name and engineering unit.
 * Name rules are checked first (most specific first); the unit alone decides only when no name rule matched.
 * A guess whose unit does not fit falls back to `other`, so the skeleton always validates.
 */
const nameRules: Array<[RegExp, Quantity]> = [
  [/reactive.?energy|kvarh/i, 'reactiveEnergyImport'],
  [/(active.?)?energy|kwh|consumption/i, 'activeEnergyImport'],
  [/demand/i, 'demand15'],
  [/reactive.?power|^q(\.|$)/i, 'reactivePower'],
  [/apparent.?power|^s(\.|$)/i, 'apparentPower'],
  [/power.?factor|^pf(\.|$)|cos.?phi/i, 'powerFactor'],
  [/active.?power|^p(\.|$)|power/i, 'activePower'],
  [/thd/i, 'voltageThd'],
  [/unbalance|imbalance/i, 'voltageUnbalance'],
  [/voltage|^u(\.|$)/i, 'voltage'],
  [/current|^i(\.|$)/i, 'current'],
  [/freq/i, 'frequency'],
  [/mass.?flow/i, 'massFlow'],
  [/flow/i, 'volumeFlow'],
  [/volume/i, 'volume'],
  [/mass/i, 'mass'],
  [/pressure/i, 'pressure'],
  [/temp/i, 'temperature'],
  [/humid/i, 'humidity'],
  [/operation.?mode|^mode$/i, 'operationMode'],
  [/state|status/i, 'machineState'],
  [/good.?count|good.?parts|^good/i, 'goodCount'],
  [/reject|scrap|bad.?count/i, 'rejectCount'],
  [/cycle.?time/i, 'idealCycleTime'],
  [/product/i, 'currentProduct'],
];

const unitRules: Record<string, Quantity> = {
  kW: 'activePower',
  W: 'activePower',
  kWh: 'activeEnergyImport',
  Wh: 'activeEnergyImport',
  kvar: 'reactivePower',
  kvarh: 'reactiveEnergyImport',
  kVA: 'apparentPower',
  V: 'voltage',
  A: 'current',
  Hz: 'frequency',
  m3: 'volume',
  t: 'mass',
  'm3/h': 'volumeFlow',
  't/h': 'massFlow',
  MPa: 'pressure',
  Cel: 'temperature',
};

export function guessQuantity(browseName: string, unit: string | undefined, datatype: Datatype): Quantity {
  const u = unit === undefined ? undefined : normalizeUnit(unit);
  const candidates: Quantity[] = [];
  for (const [re, q] of nameRules) if (re.test(browseName)) candidates.push(q);
  if (u && unitRules[u]) candidates.push(unitRules[u]);
  for (const q of candidates) {
    if (datatype === 'string' && q !== 'currentProduct') continue;
    if (datatype !== 'string' && q === 'currentProduct') continue;
    const c = conversionFor(q, u === '' ? undefined : u);
    // Dimensionless quantities (state, counts) fit any variable without a unit.
    if (typeof c !== 'string') return q;
  }
  return 'other';
}

export function guessPhase(name: string): Phase | undefined {
  const m = /(?:^|[._-])(L[123])$/i.exec(name);
  return m ? (m[1]!.toUpperCase() as Phase) : undefined;
}

const LETTER_PHASE: Record<string, Phase> = { A: 'L1', B: 'L2', C: 'L3' };
const SYMBOLS: Record<string, string> = {
  U: 'voltage',
  V: 'voltage',
  I: 'current',
  P: 'activePower',
  Q: 'reactivePower',
  S: 'apparentPower',
};
/** Chinese meter vocabulary (as on GB/T and manufacturer register tables): 电压, 电流, 有功功率 … */
const ZH_WORDS: Array<[RegExp, string]> = [
  [/有功功率/, 'activePower'],
  [/无功功率/, 'reactivePower'],
  [/视在功率/, 'apparentPower'],
  [/功率因数/, 'powerFactor'],
  [/电压/, 'voltage'],
  [/电流/, 'current'],
];

export type PhaseName = {
  /** The name without its phase or line suffix, e.g. "Voltage". */
  base: string;
  /** Metric-key suffix: "L1".."L3" for a phase, "L1L2" … for a line-to-line value. */
  suffix?: string;
  /** Phase (phase-to-neutral or per-phase values only; line-to-line values have none). */
  phase?: Phase;
  lineToLine?: boolean;
};

/**
 * Splits a phase or line suffix off a browse name, so `Voltage L1` becomes `voltage.L1` with phase L1 rather
 * than `voltageL1` without one. Recognised: `L1`/`L2`/`L3` (with or without separator, `-N` allowed),
 * `Phase A`/`A Phase`, symbols `Ua`/`Ib`/`Pc`, Chinese `A相电压`; line-to-line `L1-L2`, `L12`, `Uab`,
 * `AB线电压` (no phase: a line-to-line voltage is not a per-phase `voltage`).
 */
export function splitPhase(name: string): PhaseName {
  const n = name.trim();
  let m = /^(.*?)[\s._-]*L([123])[\s_-]*L?([123])$/i.exec(n);
  if (m?.[1] && m[2] !== m[3]) return { base: m[1], suffix: `L${m[2]}L${m[3]}`, lineToLine: true };
  m = /^([UV])(ab|bc|ca)$/i.exec(n);
  if (m) return lineToLine('voltage', m[2]!);
  m = /^(AB|BC|CA)\s*线?电压$/i.exec(n);
  if (m) return lineToLine('voltage', m[1]!);
  m = /^(.*?)[\s._-]*L([123])(?:[\s_-]*N)?$/i.exec(n);
  if (m?.[1]) return phased(m[1], LETTER_PHASE['ABC'[Number(m[2]) - 1]!]!);
  m = /^(.*?)[\s._-]*phase[\s_-]*([ABC])$/i.exec(n) ?? /^(.*?)[\s._-]+([ABC])[\s_-]*phase$/i.exec(n);
  if (m?.[1]) return phased(m[1], LETTER_PHASE[m[2]!.toUpperCase()]!);
  m = /^phase[\s_-]*([ABC])[\s._-]+(.+)$/i.exec(n);
  if (m) return phased(m[2]!, LETTER_PHASE[m[1]!.toUpperCase()]!);
  m = /^([UVIPQS])([abc])$/.exec(n);
  if (m) return phased(SYMBOLS[m[1]!]!, LETTER_PHASE[m[2]!.toUpperCase()]!);
  m = /^([ABC])\s*相\s*(.+)$/.exec(n);
  if (m) {
    const word = ZH_WORDS.find(([re]) => re.test(m![2]!))?.[1];
    if (word) return phased(word, LETTER_PHASE[m[1]!]!);
  }
  return { base: n };
}

function phased(base: string, phase: Phase): PhaseName {
  return { base, suffix: phase, phase };
}

function lineToLine(base: string, letters: string): PhaseName {
  const [a, b] = letters.toUpperCase().split('') as [string, string];
  return { base, suffix: `${LETTER_PHASE[a]}${LETTER_PHASE[b]}`, lineToLine: true };
}

/** The unit to put in the config: omitted when it is the canonical one or the quantity is dimensionless. */
export function configUnit(q: Quantity, unit: string | undefined): string | undefined {
  if (unit === undefined || unit === '') return undefined;
  const u = normalizeUnit(unit);
  return u === quantityUnits[q] ? undefined : u;
}

/** OPC UA built-in DataType NodeIds (OPC 10000-6 §5.1.2) → agent datatypes; others are not metrics. */
export function datatypeFromOpcua(dataTypeNs0Id: number): Datatype | null {
  if (dataTypeNs0Id === 1) return 'bool';
  if ([2, 3, 4, 5, 6, 7, 8, 9, 27, 28, 29].includes(dataTypeNs0Id)) return 'int'; // (S)Byte … UInt64, Integer, UInteger, Enumeration
  if ([10, 11, 26].includes(dataTypeNs0Id)) return 'double'; // Float, Double, Number
  if ([12, 21].includes(dataTypeNs0Id)) return 'string'; // String, LocalizedText
  return null;
}

/** "Active Power" → "activePower"; guarantees the metric key syntax. */
export function toMetricKey(name: string): string {
  const parts = name.split(/[^A-Za-z0-9_.]+/).filter(Boolean);
  let key = parts
    .map((p, i) =>
      i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p.charAt(0).toUpperCase() + p.slice(1),
    )
    .join('');
  key = key.replace(/\.{2,}/g, '.').replace(/^\.+|\.+$/g, '');
  if (!/^[A-Za-z]/.test(key)) key = `v${key}`;
  return key || 'value';
}

export function toId(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  if (!id) id = 'device';
  return id.slice(0, 64);
}
