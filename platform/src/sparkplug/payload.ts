import { createRequire } from 'node:module';
import type { RawValue } from './values.js';

/**
 * Decoding with `sparkplug-payload` (Eclipse Tahu's JavaScript payload library): its protobuf `Payload`
 * type. Its own `decodePayload` is not used for metrics because it reads a value through the metric's
 * `datatype`, which Sparkplug 3.0 lets NDATA/DDATA omit (the birth declared it) — the value would be lost.
 */
const require = createRequire(import.meta.url);
type ProtoLong = { toString(): string };
type ProtoMetric = {
  name?: string;
  alias?: ProtoLong | number;
  timestamp?: ProtoLong | number;
  datatype?: number;
  isNull?: boolean;
  value?: string;
  [field: string]: unknown;
};
type ProtoPayload = { timestamp?: ProtoLong | number; seq?: ProtoLong | number; metrics?: ProtoMetric[] };
const proto = require('sparkplug-payload/lib/sparkplugPayloadProto.js') as {
  org: { eclipse: { tahu: { protobuf: { Payload: { decode(b: Uint8Array): ProtoPayload } } } } };
};
const tahu = require('sparkplug-payload/lib/sparkplugbpayload.js') as {
  encodePayload(p: object): Uint8Array;
};
const Payload = proto.org.eclipse.tahu.protobuf.Payload;

export type SparkplugMetric = {
  name?: string;
  /** uint64 as a decimal string (aliases are map keys, never arithmetic). */
  alias?: string;
  timestampMs?: number;
  datatype?: number;
  isNull: boolean;
  raw: RawValue;
};

export type SparkplugPayload = { timestampMs?: number; seq?: number; metrics: SparkplugMetric[] };

const own = (o: object, k: string) => Object.hasOwn(o, k);
const toNumber = (v: ProtoLong | number): number => (typeof v === 'number' ? v : Number(v.toString()));

function rawValue(m: ProtoMetric): RawValue {
  const field = m.value;
  if (!field) return { field: 'none' };
  const v = m[field];
  if (field === 'intValue') return { field, v: Number(v) };
  if (field === 'longValue') return { field, v: String((v as ProtoLong).toString()) };
  if (field === 'floatValue' || field === 'doubleValue') return { field, v: Number(v) };
  if (field === 'booleanValue') return { field, v: Boolean(v) };
  if (field === 'stringValue') return { field, v: String(v) };
  return { field: 'other', name: field };
}

/** Decodes a Sparkplug B payload; throws on bytes that are not one (the caller dead-letters the message). */
export function decodeSparkplug(bytes: Uint8Array): SparkplugPayload {
  const p = Payload.decode(bytes);
  const out: SparkplugPayload = { metrics: [] };
  if (own(p, 'timestamp') && p.timestamp !== undefined) out.timestampMs = toNumber(p.timestamp);
  if (own(p, 'seq') && p.seq !== undefined) out.seq = toNumber(p.seq);
  for (const m of p.metrics ?? []) {
    const metric: SparkplugMetric = { isNull: own(m, 'isNull') && m.isNull === true, raw: rawValue(m) };
    if (own(m, 'name') && m.name !== undefined) metric.name = m.name;
    if (own(m, 'alias') && m.alias !== undefined) metric.alias = m.alias.toString();
    if (own(m, 'timestamp') && m.timestamp !== undefined) metric.timestampMs = toNumber(m.timestamp);
    if (own(m, 'datatype') && m.datatype !== undefined) metric.datatype = m.datatype;
    out.metrics.push(metric);
  }
  return out;
}

/** The rebirth request (spec §6.4.18: NCMD with metric `Node Control/Rebirth` = true, Boolean). */
export function encodeRebirthRequest(nowMs: number): Uint8Array {
  return tahu.encodePayload({
    timestamp: nowMs,
    metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }],
  });
}

/** The `bdSeq` metric of an NBIRTH or NDEATH (spec §6.4.18: UInt64 in long_value; Int64 seen in the field). */
export function bdSeqOf(p: SparkplugPayload): number | undefined {
  const m = p.metrics.find((x) => x.name === 'bdSeq');
  if (!m) return undefined;
  if (m.raw.field === 'longValue') return Number(BigInt.asUintN(64, BigInt(m.raw.v)));
  if (m.raw.field === 'intValue') return m.raw.v >>> 0;
  return undefined;
}
