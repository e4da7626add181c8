import type { Quantity } from '@xiang/protocol';
import type { Format } from './bcd.js';

/**
 * Data identifiers (数据标识 DI3 DI2 DI1 DI0, written as the standard's tables write them) that the source
 * reads by default, from DL/T 645-2007 Appendix A: Table A.1 电能量数据标识编码表 (energy) and Table A.3 变量数据
 * 标识编码表 (instantaneous values). On the wire they travel DI0 first (frame.ts `diBytes`).
 *
 * Confidence (say what we don't know):
 *  - high: layout DI3 = 00 energy / 02 variables, DI2 = item, DI1 = phase (00 total, 01..03 = A..C); formats
 *    checked against two published exchanges (frame.test.ts) and the DI tables of two meter firmwares.
 *  - medium: the 02 80 00 xx items (frequency, current demand) — from meter firmware tables and third-party notes
 *    agreeing with each other, not re-read in the standard's own text here; and the sign convention (top bit
 *    of the highest byte = negative) for currents, powers and power factors.
 * The meter's demand period (parameter 04 00 01 03) decides what "current demand" means, so it is quantity
 * `other` here; declare it as a point with quantity demand15 when the meters are set to 15 min.
 */
export type DataItem = {
  key: string;
  di: string;
  format: Format;
  /** Top bit of the most significant byte is the sign. */
  signed: boolean;
  quantity: Quantity;
  unit: string;
  phase?: 'L1' | 'L2' | 'L3';
  name: string;
  confidence: 'high' | 'medium';
};

const PHASES = [
  ['L1', '01', 'A'],
  ['L2', '02', 'B'],
  ['L3', '03', 'C'],
] as const;

function perPhase(
  key: string,
  di2: string,
  format: Format,
  signed: boolean,
  quantity: Quantity,
  unit: string,
  name: string,
): DataItem[] {
  return PHASES.map(([phase, di1, letter]) => ({
    key: `${key}.${phase}`,
    di: `02${di2}${di1}00`,
    format,
    signed,
    quantity,
    unit,
    phase,
    name: `${letter}相${name}`,
    confidence: 'high' as const,
  }));
}

export const DATA_ITEMS: readonly DataItem[] = [
  // Table A.1: 00 01 00 00 (当前)正向有功总电能 = active energy import total; 00 02 00 00 反向 = export.
  {
    key: 'energyImport',
    di: '00010000',
    format: 'XXXXXX.XX',
    signed: false,
    quantity: 'activeEnergyImport',
    unit: 'kWh',
    name: '正向有功总电能',
    confidence: 'high',
  },
  {
    key: 'energyExport',
    di: '00020000',
    format: 'XXXXXX.XX',
    signed: false,
    quantity: 'other',
    unit: 'kWh',
    name: '反向有功总电能',
    confidence: 'high',
  },
  // Table A.3 variables: 02 01 = voltage XXX.X V, 02 02 = current XXX.XXX A, 02 03 = active power XX.XXXX kW,
  // 02 04 = reactive power XX.XXXX kvar, 02 06 = power factor X.XXX; DI1 00 = total, 01..03 = phase A..C.
  ...perPhase('voltage', '01', 'XXX.X', false, 'voltage', 'V', '电压'),
  ...perPhase('current', '02', 'XXX.XXX', true, 'current', 'A', '电流'),
  {
    key: 'activePower',
    di: '02030000',
    format: 'XX.XXXX',
    signed: true,
    quantity: 'activePower',
    unit: 'kW',
    name: '瞬时总有功功率',
    confidence: 'high',
  },
  ...perPhase('activePower', '03', 'XX.XXXX', true, 'activePower', 'kW', '有功功率'),
  {
    key: 'reactivePower',
    di: '02040000',
    format: 'XX.XXXX',
    signed: true,
    quantity: 'reactivePower',
    unit: 'kvar',
    name: '瞬时总无功功率',
    confidence: 'high',
  },
  {
    key: 'powerFactor',
    di: '02060000',
    format: 'X.XXX',
    signed: true,
    quantity: 'powerFactor',
    unit: '1',
    name: '总功率因数',
    confidence: 'high',
  },
  {
    key: 'frequency',
    di: '02800002',
    format: 'XX.XX',
    signed: false,
    quantity: 'frequency',
    unit: 'Hz',
    name: '电网频率',
    confidence: 'medium',
  },
  {
    key: 'demand',
    di: '02800004',
    format: 'XX.XXXX',
    signed: true,
    quantity: 'other',
    unit: 'kW',
    name: '当前有功需量',
    confidence: 'medium',
  },
];

export const DATA_ITEM_KEYS = DATA_ITEMS.map((d) => d.key);

/**
 * Data blocks (数据块) of Table A.3: DI1 = FFH asks for every phase of an item in one request, the items in the
 * table's order (total first where the item has one, then A, B, C). Only blocks whose members are all standard
 * items above are listed; the energy blocks (00 01 FF 00 …: total then every tariff) are left out because their
 * length depends on the meter's tariff count. Confidence: high (block DIs and order as in Table A.3 and in two
 * meter firmwares' DI tables).
 */
export type DataBlock = { di: string; name: string; members: readonly string[] };

export const DATA_BLOCKS: readonly DataBlock[] = [
  { di: '0201FF00', name: '电压数据块', members: ['02010100', '02010200', '02010300'] },
  { di: '0202FF00', name: '电流数据块', members: ['02020100', '02020200', '02020300'] },
  {
    di: '0203FF00',
    name: '瞬时有功功率数据块',
    members: ['02030000', '02030100', '02030200', '02030300'],
  },
];
