import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredPoint } from '../store/types.js';
import { addReject, type DecodedBatch, decodePoints, type MetricRef } from './decode.js';

/**
 * decodePoints (a fast path for the common tuple, decodeOne for the rest) against the one-path decoder it
 * replaced, kept here verbatim as the oracle (`referenceDecode`, from e42cf3e): over mixes of plain and odd
 * tuples, several devices, tables with every datatype and a foreign device, the same points in the same
 * order, the same lastSeen (entries and order), rejects (counts, examples, order) and unknown tuples.
 */
// Same bounds as the protocol's epochMs (protocol/src/messages.ts).
const MIN_TS = 946684800000;
const MAX_TS = 4102444800000;
const MAX_TEXT = 1024;
const NOW = Date.UTC(2025, 0, 1);
const table = new Map<number, MetricRef>([
  [0, { deviceId: 'M0', key: 'p', datatype: 'double', owned: true }],
  [1, { deviceId: 'M0', key: 'n', datatype: 'int', owned: true }],
  [2, { deviceId: 'M0', key: 'b', datatype: 'bool', owned: true }],
  [3, { deviceId: 'M0', key: 's', datatype: 'string', owned: true }],
  [4, { deviceId: 'X9', key: 'p', datatype: 'double', owned: false }],
  [5, { deviceId: 'M1', key: 'p', datatype: 'double', owned: true }],
  [6, { deviceId: 'M2', key: 'n', datatype: 'int' }],
]);
const ts = fc.oneof(
  fc.integer({ min: MIN_TS - 5, max: NOW + 5_000 }),
  fc.constantFrom(MIN_TS, MAX_TS, MAX_TS + 1, NOW, NOW + 0.5, Infinity, -Infinity, NaN, 1e300, -0),
);
const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 0.5, 1e21, Infinity, NaN, 2 ** 53));
const value = fc.oneof(
  num,
  num,
  fc.boolean(),
  fc.string({ maxLength: 1100 }),
  fc.constant(null),
  fc.anything(),
);
const index = fc.oneof(fc.integer({ min: -1, max: 8 }), fc.constantFrom(0.5, -0, '1', null));
const tuple = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: 6 }), ts, num) },
  { weight: 2, arbitrary: fc.tuple(index, ts, value) },
  { weight: 2, arbitrary: fc.tuple(index, ts, value, fc.oneof(fc.nat(), num, fc.constant(0xffffffff + 1))) },
  { weight: 1, arbitrary: fc.anything() },
);

const plain = (d: DecodedBatch) => ({
  points: d.points,
  lastSeen: [...d.lastSeen],
  rejects: [...d.rejects],
  unknown: d.unknown,
});

describe('decodePoints against the path it replaced (property)', () => {
  it('decodes every batch exactly as referenceDecode', () => {
    fc.assert(
      fc.property(fc.array(tuple, { maxLength: 60 }), fc.integer({ min: 0, max: 10_000 }), (tuples, skew) => {
        const opts = { nowMs: NOW, maxFutureSkewMs: skew };
        const got = plain(decodePoints('F', tuples, table, opts));
        const want = plain(referenceDecode('F', tuples, table, opts));
        expect(got).toEqual(want);
        // toEqual treats -0 and 0 alike; Object.is per value does not.
        got.points.forEach((p, i) => {
          expect(Object.is(p.value, (want.points[i] as StoredPoint).value)).toBe(true);
        });
        // Same property order (the stores' hot loops see one object shape).
        got.points.forEach((p, i) => {
          expect(Object.keys(p)).toEqual(Object.keys(want.points[i] as StoredPoint));
        });
      }),
      { numRuns: 1500 },
    );
  });
});

function describeTs(t: number): string {
  return Math.abs(t) <= 8.64e15 ? `${t} (${new Date(t).toISOString()})` : String(t);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `string "${v.length > 20 ? `${v.slice(0, 20)}…` : v}"`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function referenceDecode(
  factoryId: string,
  tuples: readonly unknown[],
  table: ReadonlyMap<number, MetricRef>,
  opts: { nowMs: number; maxFutureSkewMs: number },
): DecodedBatch {
  const out: DecodedBatch = { points: [], lastSeen: new Map(), rejects: new Map(), unknown: [] };
  const latestTs = opts.nowMs + opts.maxFutureSkewMs;
  for (let n = 0; n < tuples.length; n++) {
    const p = tuples[n];
    const at = n; // rendered as points[n] only when rejected (this loop runs for every point)
    if (!Array.isArray(p) || (p.length !== 3 && p.length !== 4)) {
      addReject(out.rejects, 'badPoint', `points[${at}]: expected [metricIndex, tsMs, value, statusCode?]`);
      continue;
    }
    const [index, tsMs, value, status] = p as [unknown, unknown, unknown, unknown];
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      addReject(
        out.rejects,
        'badPoint',
        `points[${at}][0]: metric index must be an integer ≥ 0, got ${describeValue(index)}`,
      );
      continue;
    }
    if (typeof tsMs !== 'number') {
      addReject(
        out.rejects,
        'badPoint',
        `points[${at}][1]: timestamp must be epoch ms, got ${describeValue(tsMs)}`,
      );
      continue;
    }
    // Any magnitude, ±Infinity (1e400) included, is out of the window — checked before integrality.
    if (!(tsMs >= MIN_TS && tsMs <= MAX_TS && tsMs <= latestTs)) {
      addReject(out.rejects, 'timestampOutOfRange', `points[${at}][1]: ${describeTs(tsMs)}`);
      continue;
    }
    if (!Number.isInteger(tsMs)) {
      addReject(out.rejects, 'badPoint', `points[${at}][1]: timestamp must be integer epoch ms, got ${tsMs}`);
      continue;
    }
    if (
      status !== undefined &&
      (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 0xffffffff)
    ) {
      addReject(
        out.rejects,
        'badPoint',
        `points[${at}][3]: status code must be a uint32, got ${describeValue(status)}`,
      );
      continue;
    }
    const vt = typeof value;
    if (value !== null && vt !== 'number' && vt !== 'boolean' && vt !== 'string') {
      addReject(
        out.rejects,
        'badPoint',
        `points[${at}][2]: value must be a number, boolean, string or null, got ${describeValue(value)}`,
      );
      continue;
    }
    if (vt === 'number' && !Number.isFinite(value)) {
      addReject(out.rejects, 'nonFiniteValue', `points[${at}][2]: ${value} (no store can hold it)`);
      continue;
    }
    if (vt === 'string' && (value as string).length > MAX_TEXT) {
      addReject(out.rejects, 'badPoint', `points[${at}][2]: text longer than ${MAX_TEXT} characters`);
      continue;
    }
    const metric = table.get(index);
    if (!metric) {
      out.unknown.push(p);
      continue;
    }
    if (metric.owned === false) {
      addReject(
        out.rejects,
        'deviceNotOwned',
        `points[${at}]: device ${metric.deviceId} belongs to another agent of the factory`,
      );
      continue;
    }
    const st = (status as number | undefined) ?? 0;
    const dev = metric.deviceId;
    const key = metric.key;
    let point: StoredPoint | null = null;
    if (value === null) point = { factoryId, deviceId: dev, metric: key, tsMs, value: null, status: st };
    else if (metric.datatype === 'double' && vt === 'number')
      point = { factoryId, deviceId: dev, metric: key, tsMs, value: value as number, status: st };
    else if (metric.datatype === 'int' && vt === 'number' && Number.isInteger(value))
      point = { factoryId, deviceId: dev, metric: key, tsMs, value: value as number, status: st };
    else if (metric.datatype === 'bool' && vt === 'boolean')
      point = { factoryId, deviceId: dev, metric: key, tsMs, value: value ? 1 : 0, status: st };
    else if (metric.datatype === 'string' && vt === 'string')
      point = { factoryId, deviceId: dev, metric: key, tsMs, value: null, text: value as string, status: st };
    if (!point) {
      addReject(
        out.rejects,
        'wrongValueType',
        `points[${at}][2]: ${metric.deviceId}.${metric.key} is ${metric.datatype}, got ${describeValue(value)}`,
      );
      continue;
    }
    out.points.push(point);
    const seen = out.lastSeen.get(metric.deviceId);
    if (seen === undefined || tsMs > seen) out.lastSeen.set(metric.deviceId, tsMs);
  }
  return out;
}
