import type { Datatype } from '@xiang/protocol';
import type { StoredPoint } from '../store/types.js';
import type { PointRejectReason } from './reasons.js';

/** What decoding needs to know about a metric index. */
export type MetricRef = {
  deviceId: string;
  key: string;
  datatype: Datatype;
  /** false when the metric's device belongs to another agent (the point is refused: `deviceNotOwned`). */
  owned?: boolean;
};

export type PointRejects = Map<PointRejectReason, { count: number; examples: string[] }>;

export type DecodedBatch = {
  points: StoredPoint[];
  /** Newest source timestamp per device among the accepted points. */
  lastSeen: Map<string, number>;
  rejects: PointRejects;
  /** Well-formed tuples whose metric index no known birth declares (kept raw for parking). */
  unknown: unknown[];
};

// Same bounds as the protocol's epochMs (protocol/src/messages.ts).
const MIN_TS = 946684800000;
const MAX_TS = 4102444800000;
const MAX_TEXT = 1024;
const MAX_EXAMPLES = 3;

export function addReject(rejects: PointRejects, reason: PointRejectReason, example: string, n = 1): void {
  const r = rejects.get(reason) ?? { count: 0, examples: [] };
  r.count += n;
  if (r.examples.length < MAX_EXAMPLES) r.examples.push(example);
  rejects.set(reason, r);
}

/** An epoch-ms number for a message: ISO when Date can show it (|t| ≤ 8.64e15), else the number alone. */
function describeTs(t: number): string {
  return Math.abs(t) <= 8.64e15 ? `${t} (${new Date(t).toISOString()})` : String(t);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `string "${v.length > 20 ? `${v.slice(0, 20)}…` : v}"`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Turns the point tuples of a data batch into stored points, point by point: a bad point is rejected with a
 * reason and the rest of the batch is kept. Booleans become 0/1, strings go to `text`, the status code is
 * kept (omitted = Good). Pure — no I/O.
 *
 * The common tuple — `[index, tsMs, number]` of a known, owned numeric metric, in range — is taken inline with
 * plain element reads (no destructuring, no `typeof` of a value already known to be a number); anything else
 * goes through decodeOne, which checks and words every case. The result is the same as decodeOne alone
 * (property test `decode-fast.property.test.ts`, against that path).
 */
export function decodePoints(
  factoryId: string,
  tuples: readonly unknown[],
  table: ReadonlyMap<number, MetricRef>,
  opts: { nowMs: number; maxFutureSkewMs: number },
): DecodedBatch {
  const out: DecodedBatch = { points: [], lastSeen: new Map(), rejects: new Map(), unknown: [] };
  const latestTs = Math.min(MAX_TS, opts.nowMs + opts.maxFutureSkewMs);
  const points = out.points;
  // The last device seen and its newest time: consecutive points of one device update lastSeen once.
  let dev: string | null = null;
  let devTs = 0;
  for (let n = 0; n < tuples.length; n++) {
    const p = tuples[n];
    if (Array.isArray(p) && p.length === 3) {
      const index = p[0];
      const tsMs = p[1];
      const value = p[2];
      if (
        typeof index === 'number' &&
        typeof tsMs === 'number' &&
        typeof value === 'number' &&
        tsMs >= MIN_TS &&
        tsMs <= latestTs &&
        Number.isInteger(tsMs) &&
        Number.isFinite(value) &&
        Number.isInteger(index) &&
        index >= 0
      ) {
        const metric = table.get(index);
        if (
          metric !== undefined &&
          metric.owned !== false &&
          (metric.datatype === 'double' || (metric.datatype === 'int' && Number.isInteger(value)))
        ) {
          points.push({ factoryId, deviceId: metric.deviceId, metric: metric.key, tsMs, value, status: 0 });
          if (metric.deviceId !== dev) {
            if (dev !== null) noteSeen(out.lastSeen, dev, devTs);
            dev = metric.deviceId;
            devTs = tsMs;
          } else if (tsMs > devTs) devTs = tsMs;
          continue;
        }
      }
    }
    if (dev !== null) noteSeen(out.lastSeen, dev, devTs); // keeps lastSeen in first-seen order
    dev = null;
    decodeOne(out, factoryId, p, n, table, latestTs);
  }
  if (dev !== null) noteSeen(out.lastSeen, dev, devTs);
  return out;
}

function noteSeen(lastSeen: Map<string, number>, dev: string, tsMs: number): void {
  const seen = lastSeen.get(dev);
  if (seen === undefined || tsMs > seen) lastSeen.set(dev, tsMs);
}

/** One tuple, every case checked and each rejection worded (what decodePoints did for every point before). */
function decodeOne(
  out: DecodedBatch,
  factoryId: string,
  p: unknown,
  at: number,
  table: ReadonlyMap<number, MetricRef>,
  latestTs: number,
): void {
  if (!Array.isArray(p) || (p.length !== 3 && p.length !== 4)) {
    addReject(out.rejects, 'badPoint', `points[${at}]: expected [metricIndex, tsMs, value, statusCode?]`);
    return;
  }
  const [index, tsMs, value, status] = p as [unknown, unknown, unknown, unknown];
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
    addReject(
      out.rejects,
      'badPoint',
      `points[${at}][0]: metric index must be an integer ≥ 0, got ${describe(index)}`,
    );
    return;
  }
  if (typeof tsMs !== 'number') {
    addReject(out.rejects, 'badPoint', `points[${at}][1]: timestamp must be epoch ms, got ${describe(tsMs)}`);
    return;
  }
  // Any magnitude, ±Infinity (1e400) included, is out of the window — checked before integrality.
  if (!(tsMs >= MIN_TS && tsMs <= MAX_TS && tsMs <= latestTs)) {
    addReject(out.rejects, 'timestampOutOfRange', `points[${at}][1]: ${describeTs(tsMs)}`);
    return;
  }
  if (!Number.isInteger(tsMs)) {
    addReject(out.rejects, 'badPoint', `points[${at}][1]: timestamp must be integer epoch ms, got ${tsMs}`);
    return;
  }
  if (
    status !== undefined &&
    (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 0xffffffff)
  ) {
    addReject(
      out.rejects,
      'badPoint',
      `points[${at}][3]: status code must be a uint32, got ${describe(status)}`,
    );
    return;
  }
  const vt = typeof value;
  if (value !== null && vt !== 'number' && vt !== 'boolean' && vt !== 'string') {
    addReject(
      out.rejects,
      'badPoint',
      `points[${at}][2]: value must be a number, boolean, string or null, got ${describe(value)}`,
    );
    return;
  }
  if (vt === 'number' && !Number.isFinite(value)) {
    addReject(out.rejects, 'nonFiniteValue', `points[${at}][2]: ${value} (no store can hold it)`);
    return;
  }
  if (vt === 'string' && (value as string).length > MAX_TEXT) {
    addReject(out.rejects, 'badPoint', `points[${at}][2]: text longer than ${MAX_TEXT} characters`);
    return;
  }
  const metric = table.get(index);
  if (!metric) {
    out.unknown.push(p);
    return;
  }
  if (metric.owned === false) {
    addReject(
      out.rejects,
      'deviceNotOwned',
      `points[${at}]: device ${metric.deviceId} belongs to another agent of the factory`,
    );
    return;
  }
  const point = storedPoint(factoryId, metric, tsMs, value, (status as number | undefined) ?? 0);
  if (!point) {
    addReject(
      out.rejects,
      'wrongValueType',
      `points[${at}][2]: ${metric.deviceId}.${metric.key} is ${metric.datatype}, got ${describe(value)}`,
    );
    return;
  }
  out.points.push(point);
  noteSeen(out.lastSeen, metric.deviceId, tsMs);
}

/** The stored form of a checked value, or null when it does not fit the metric's datatype. */
function storedPoint(
  factoryId: string,
  metric: MetricRef,
  tsMs: number,
  value: unknown,
  st: number,
): StoredPoint | null {
  const dev = metric.deviceId;
  const key = metric.key;
  const vt = typeof value;
  if (value === null) return { factoryId, deviceId: dev, metric: key, tsMs, value: null, status: st };
  if (metric.datatype === 'double' && vt === 'number')
    return { factoryId, deviceId: dev, metric: key, tsMs, value: value as number, status: st };
  if (metric.datatype === 'int' && vt === 'number' && Number.isInteger(value))
    return { factoryId, deviceId: dev, metric: key, tsMs, value: value as number, status: st };
  if (metric.datatype === 'bool' && vt === 'boolean')
    return { factoryId, deviceId: dev, metric: key, tsMs, value: value ? 1 : 0, status: st };
  if (metric.datatype === 'string' && vt === 'string')
    return { factoryId, deviceId: dev, metric: key, tsMs, value: null, text: value as string, status: st };
  return null;
}
