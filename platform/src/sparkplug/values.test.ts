import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DT, encodeSpec, type SpecMetric } from '../../../tests/sparkplug/spec-encoder.js';
import { bdSeqOf, decodeSparkplug } from './payload.js';
import { convertValue } from './values.js';

const tahu = (await import('sparkplug-payload')).get('spBv1.0');

/** One metric through the spec encoder and the platform's decoder and converter. */
function roundTrip(m: SpecMetric, birthType = m.datatype as number) {
  const p = decodeSparkplug(encodeSpec({ timestamp: 1_800_000_000_000, seq: 0, metrics: [m] }));
  const d = p.metrics[0]!;
  return convertValue(birthType, d.raw, d.isNull);
}

describe('Sparkplug datatypes (spec §6.4.16) decoded from spec-encoded payloads', () => {
  it('hand-worked values of every supported type', () => {
    const cases: [number, number | bigint | boolean | string, unknown][] = [
      [DT.Int8, -1, -1],
      [DT.Int8, -128, -128],
      [DT.Int16, -32768, -32768],
      [DT.Int32, -2147483648, -2147483648],
      [DT.Int64, -5n, -5],
      [DT.UInt8, 255, 255],
      [DT.UInt16, 65535, 65535],
      [DT.UInt32, 4294967295, 4294967295],
      [DT.UInt64, 9007199254740991n, 9007199254740991],
      [DT.Float, 1.5, 1.5],
      [DT.Double, -0.1, -0.1],
      [DT.Boolean, true, true],
      [DT.String, '电表 1', '电表 1'],
      [DT.DateTime, 1_800_000_000_123, 1_800_000_000_123],
    ];
    for (const [datatype, value, want] of cases)
      expect(roundTrip({ name: 'x', datatype, value })).toEqual({ ok: true, value: want });
  });

  it('out of range or not exactly representable: a specific reason', () => {
    expect(roundTrip({ name: 'x', datatype: DT.UInt64, value: 2n ** 53n + 1n })).toMatchObject({
      ok: false,
      reason: 'sparkplugValueOutOfRange',
    });
    expect(roundTrip({ name: 'x', datatype: DT.Int8, as: DT.Int32, value: 300 })).toMatchObject({
      ok: false,
      reason: 'sparkplugValueOutOfRange',
    });
    expect(roundTrip({ name: 'x', datatype: DT.Text, value: 'abc' })).toMatchObject({
      ok: false,
      reason: 'sparkplugUnsupportedDatatype',
    });
    expect(roundTrip({ name: 'x', datatype: DT.Boolean, as: DT.String, value: 'on' })).toMatchObject({
      ok: false,
      reason: 'wrongValueType',
    });
  });

  it('NDATA that omits the datatype is read with the birth datatype; is_null is null', () => {
    expect(roundTrip({ alias: 7, as: DT.Int16, value: -2 }, DT.Int16)).toEqual({ ok: true, value: -2 });
    expect(roundTrip({ alias: 7, value: null }, DT.Double)).toEqual({ ok: true, value: null });
  });

  it('any Int32/Int64 (within ±2^53) survives the spec encoding', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
        expect(roundTrip({ name: 'x', datatype: DT.Int32, value: v })).toEqual({ ok: true, value: v });
      }),
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), (v) => {
        expect(roundTrip({ name: 'x', datatype: DT.Int64, value: BigInt(v) })).toEqual({
          ok: true,
          value: v,
        });
      }),
    );
  });

  it('payloads encoded by Eclipse Tahu (sparkplug-payload, as sparkplug-client sends) decode to the same values', () => {
    const typed = fc.oneof(
      fc.record({
        type: fc.constant('Int32' as const),
        value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      }),
      fc.record({ type: fc.constant('UInt32' as const), value: fc.nat(2 ** 32 - 1) }),
      fc.record({
        type: fc.constant('Double' as const),
        value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      }),
      fc.record({ type: fc.constant('Boolean' as const), value: fc.boolean() }),
      fc.record({ type: fc.constant('String' as const), value: fc.string() }),
    );
    const code = {
      Int32: DT.Int32,
      UInt32: DT.UInt32,
      Double: DT.Double,
      Boolean: DT.Boolean,
      String: DT.String,
    };
    fc.assert(
      fc.property(typed, ({ type, value }) => {
        const bytes = tahu!.encodePayload({ timestamp: 1, seq: 1, metrics: [{ name: 'm', type, value }] });
        const d = decodeSparkplug(bytes).metrics[0]!;
        expect(convertValue(code[type], d.raw, d.isNull)).toEqual({ ok: true, value });
      }),
    );
  });

  it('bdSeq of an NBIRTH (UInt64 in long_value)', () => {
    const p = decodeSparkplug(
      encodeSpec({ seq: 0, metrics: [{ name: 'bdSeq', datatype: DT.UInt64, value: 42n }] }),
    );
    expect(bdSeqOf(p)).toBe(42);
    expect(bdSeqOf(decodeSparkplug(encodeSpec({ metrics: [] })))).toBeUndefined();
  });
});
