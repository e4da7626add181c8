import { DataType, type Variant } from 'node-opcua';

/**
 * Unwraps an OPC UA Variant into a plain JS value: Int64/UInt64 ([high, low] words) become numbers,
 * LocalizedText its text, DateTime epoch ms. Arrays are not metrics here and come back as arrays
 * (the sink reports them as a type mismatch).
 */
export function unwrapVariant(v: Variant | null | undefined): unknown {
  if (!v || v.dataType === DataType.Null) return null;
  const val: unknown = v.value;
  if (v.arrayType !== undefined && v.arrayType !== 0) return Array.from(val as ArrayLike<unknown>);
  switch (v.dataType) {
    case DataType.Int64:
    case DataType.UInt64: {
      if (Array.isArray(val) && val.length === 2) {
        const [hi, lo] = val as [number, number];
        const signedHi = v.dataType === DataType.Int64 && hi >= 0x80000000 ? hi - 0x100000000 : hi;
        return signedHi * 0x100000000 + lo;
      }
      return typeof val === 'bigint' ? Number(val) : val;
    }
    case DataType.LocalizedText:
      return (val as { text?: string | null } | null)?.text ?? null;
    case DataType.QualifiedName:
      return (val as { name?: string | null } | null)?.name ?? null;
    case DataType.DateTime:
      return val instanceof Date ? val.getTime() : val;
    default:
      return val;
  }
}
