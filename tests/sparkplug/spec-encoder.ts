/**
 * A Sparkplug B payload encoder written from the Sparkplug 3.0 specification (sparkplug_b.proto, §6.4 and
 * Annex A) with a hand-rolled protobuf writer — independent of `sparkplug-payload`, so tests that decode
 * its output check the platform against the spec, not against the library it uses.
 *
 *   Payload { uint64 timestamp = 1; repeated Metric metrics = 2; uint64 seq = 3; string uuid = 4; bytes body = 5 }
 *   Metric  { string name = 1; uint64 alias = 2; uint64 timestamp = 3; uint32 datatype = 4; bool is_historical = 5;
 *             bool is_transient = 6; bool is_null = 7; MetaData metadata = 8; PropertySet properties = 9;
 *             oneof value { uint32 int_value = 10; uint64 long_value = 11; float float_value = 12;
 *             double double_value = 13; bool boolean_value = 14; string string_value = 15; bytes bytes_value = 16;
 *             DataSet dataset_value = 17; Template template_value = 18; … } }
 */
export const DT = {
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
  Text: 14,
  UUID: 15,
  DataSet: 16,
  Bytes: 17,
} as const;

export type SpecMetric = {
  name?: string;
  alias?: number;
  timestamp?: number;
  /** Omitted in NDATA/DDATA by publishers that rely on the birth (allowed by the spec). */
  datatype?: number;
  /** Which type the value is written as (defaults to datatype). */
  as?: number;
  value?: number | bigint | boolean | string | Uint8Array | null;
};

class Writer {
  readonly out: number[] = [];
  varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.out.push(Number(x));
  }
  tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }
  uint(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(BigInt(v));
  }
  bytes(field: number, b: Uint8Array | number[]): void {
    this.tag(field, 2);
    this.varint(BigInt(b.length));
    for (const x of b) this.out.push(x);
  }
  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }
  fixed(field: number, wire: 1 | 5, write: (dv: DataView) => void, n: 4 | 8): void {
    this.tag(field, wire);
    const dv = new DataView(new ArrayBuffer(n));
    write(dv);
    for (let i = 0; i < n; i++) this.out.push(dv.getUint8(i));
  }
}

function writeValue(w: Writer, type: number, v: NonNullable<SpecMetric['value']>): void {
  if (type >= 1 && type <= 3)
    w.uint(10, BigInt.asUintN(32, BigInt(v as number))); // two's complement in uint32
  else if (type === 5 || type === 6 || type === 7) w.uint(10, BigInt(v as number));
  else if (type === 4 || type === 8 || type === 13)
    w.uint(11, BigInt.asUintN(64, BigInt(v as number | bigint)));
  else if (type === 9) w.fixed(12, 5, (dv) => dv.setFloat32(0, v as number, true), 4);
  else if (type === 10) w.fixed(13, 1, (dv) => dv.setFloat64(0, v as number, true), 8);
  else if (type === 11) w.uint(14, v ? 1 : 0);
  else if (type === 12 || type === 14 || type === 15) w.string(15, v as string);
  else if (type === 17) w.bytes(16, v as Uint8Array);
  else throw new Error(`spec encoder: datatype ${type} not written by this test publisher`);
}

function encodeMetric(m: SpecMetric): number[] {
  const w = new Writer();
  if (m.name !== undefined) w.string(1, m.name);
  if (m.alias !== undefined) w.uint(2, m.alias);
  if (m.timestamp !== undefined) w.uint(3, m.timestamp);
  if (m.datatype !== undefined) w.uint(4, m.datatype);
  if (m.value === null) w.uint(7, 1);
  else if (m.value !== undefined) writeValue(w, m.as ?? m.datatype ?? DT.Double, m.value);
  return w.out;
}

export function encodeSpec(p: { timestamp?: number; seq?: number; metrics: SpecMetric[] }): Buffer {
  const w = new Writer();
  if (p.timestamp !== undefined) w.uint(1, p.timestamp);
  for (const m of p.metrics) w.bytes(2, encodeMetric(m));
  if (p.seq !== undefined) w.uint(3, p.seq);
  return Buffer.from(w.out);
}
