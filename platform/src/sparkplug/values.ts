import type { Datatype } from '@xiang/protocol';

/** Sparkplug B 3.0 datatype codes (spec §6.4.16, `DataType` enum of sparkplug_b.proto). */
export const SparkplugType = {
  Int8: 1,
  Int16: 2,
  Int32: 3,
  Int64: 4,
  UInt8: 5,
  UInt16: 6,
  UInt32: 7,
  UInt64: 8,
  Float: 9,
  Double: 10,
  Boolean: 11,
  String: 12,
  DateTime: 13,
} as const;
export type SupportedTypeName = keyof typeof SparkplugType;

const namesByCode = new Map<number, SupportedTypeName>(
  Object.entries(SparkplugType).map(([k, v]) => [v, k as SupportedTypeName]),
);
/** Codes 14–21 and beyond: Text, UUID, DataSet, Bytes, File, Template, PropertySet, PropertySetList. */
const otherNames: Record<number, string> = {
  14: 'Text',
  15: 'UUID',
  16: 'DataSet',
  17: 'Bytes',
  18: 'File',
  19: 'Template',
  20: 'PropertySet',
  21: 'PropertySetList',
};

export const typeName = (code: number): string =>
  namesByCode.get(code) ?? otherNames[code] ?? `Unknown(${code})`;
export const isSupportedType = (code: number): boolean => namesByCode.has(code);

/** The platform datatype a Sparkplug type is stored as (DateTime: epoch milliseconds as an int). */
export function platformDatatype(code: number): Datatype | null {
  const n = namesByCode.get(code);
  if (!n) return null;
  if (n === 'Float' || n === 'Double') return 'double';
  if (n === 'Boolean') return 'bool';
  if (n === 'String') return 'string';
  return 'int';
}

/**
 * One metric value as it travels: the protobuf oneof field that was set and its raw content — a number, a
 * boolean, a string, or a 64-bit integer as an unsigned decimal string (protobuf uint64).
 */
export type RawValue =
  | { field: 'intValue'; v: number }
  | { field: 'longValue'; v: string }
  | { field: 'floatValue' | 'doubleValue'; v: number }
  | { field: 'booleanValue'; v: boolean }
  | { field: 'stringValue'; v: string }
  | { field: 'other'; name: string }
  | { field: 'none' };

export type ValueResult =
  | { ok: true; value: number | boolean | string | null }
  | {
      ok: false;
      reason: 'sparkplugUnsupportedDatatype' | 'sparkplugValueOutOfRange' | 'wrongValueType';
      detail: string;
    };

const bad = (reason: Extract<ValueResult, { ok: false }>['reason'], detail: string): ValueResult => ({
  ok: false,
  reason,
  detail,
});

/** Integer bounds per type; the 64-bit ones are exact only within ±2^53 (a double cannot hold more). */
const intRange: Partial<Record<SupportedTypeName, [bigint, bigint]>> = {
  Int8: [-128n, 127n],
  Int16: [-32768n, 32767n],
  Int32: [-2147483648n, 2147483647n],
  UInt8: [0n, 255n],
  UInt16: [0n, 65535n],
  UInt32: [0n, 4294967295n],
};

/** Reads the integer a field holds, two's complement for the signed types (int_value is a uint32). */
function integerOf(type: SupportedTypeName, raw: RawValue): bigint | null {
  if (raw.field === 'intValue') {
    const u = BigInt(raw.v >>> 0);
    return type.startsWith('Int') ? BigInt.asIntN(32, u) : u;
  }
  if (raw.field === 'longValue') {
    const u = BigInt(raw.v);
    return type.startsWith('Int') ? BigInt.asIntN(64, u) : BigInt.asUintN(64, u);
  }
  return null;
}

/**
 * Converts a metric's value to what the platform stores, by the datatype its birth declared. Pure: the
 * decoding of Sparkplug's integer encodings (spec §6.4.16: Int8–Int32 and UInt8–UInt32 in int_value,
 * Int64/UInt64/DateTime in long_value; UInt32 is accepted in either, as Eclipse Tahu writes it in long_value).
 */
export function convertValue(code: number, raw: RawValue, isNull: boolean): ValueResult {
  const type = namesByCode.get(code);
  if (!type) return bad('sparkplugUnsupportedDatatype', `datatype ${typeName(code)} is not stored`);
  if (isNull) return { ok: true, value: null };
  if (raw.field === 'none') return bad('wrongValueType', `${type} metric without a value (and not is_null)`);
  if (raw.field === 'other') return bad('wrongValueType', `${type} metric carries a ${raw.name}`);
  switch (type) {
    case 'Float':
    case 'Double':
      if (raw.field !== 'floatValue' && raw.field !== 'doubleValue')
        return bad('wrongValueType', `${type} metric carries ${raw.field}`);
      return { ok: true, value: raw.v }; // NaN/±Infinity are refused by the shared decode step (nonFiniteValue)
    case 'Boolean':
      return raw.field === 'booleanValue'
        ? { ok: true, value: raw.v }
        : bad('wrongValueType', `Boolean metric carries ${raw.field}`);
    case 'String':
      return raw.field === 'stringValue'
        ? { ok: true, value: raw.v }
        : bad('wrongValueType', `String metric carries ${raw.field}`);
    default: {
      const n = integerOf(type, raw);
      if (n === null) return bad('wrongValueType', `${type} metric carries ${raw.field}`);
      const range = intRange[type];
      if (range && (n < range[0] || n > range[1]))
        return bad('sparkplugValueOutOfRange', `${n} is outside ${type}`);
      if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER))
        return bad('sparkplugValueOutOfRange', `${type} ${n} exceeds ±2^53 (no exact double)`);
      return { ok: true, value: Number(n) };
    }
  }
}
