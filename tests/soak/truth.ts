import type { AckedMessage } from './ack-proxy.js';

/** What the store must hold for one (series, timestamp): the value the broker acknowledged. */
export type ExpectedPoint = { value: number | null; text: string | null; status: number };
/** An expected point and when the broker first acknowledged it (epoch ms, for diagnosis). */
type Acked = ExpectedPoint & { ackedAtMs: number };

/** "<deviceId>:<metric>" — the API's series reference. */
export type SeriesRef = string;

export type AckedTruth = {
  /** series → source timestamp → the acknowledged value. */
  series: Map<SeriesRef, Map<number, Acked>>;
  /** Acknowledged data messages and points (points counted with repeats). */
  dataMessages: number;
  points: number;
  births: number;
  /** Metric index → series, from the acknowledged births (indices are stable per agent). */
  indices: Map<number, { series: SeriesRef; datatype: string }>;
  /** Contradictions inside what the agent itself sent (never expected; reported, not hidden). */
  conflicts: string[];
};

type BirthJson = { metrics: { i: number; deviceId: string; key: string; datatype: string }[] };
type DataJson = { points: unknown[][] };

function expectedOf(v: unknown, status: unknown): ExpectedPoint {
  const st = typeof status === 'number' ? status : 0;
  if (typeof v === 'boolean') return { value: v ? 1 : 0, text: null, status: st };
  if (typeof v === 'string') return { value: null, text: v, status: st };
  return { value: typeof v === 'number' ? v : null, text: null, status: st };
}

const same = (a: ExpectedPoint, b: ExpectedPoint) =>
  a.value === b.value && a.text === b.text && a.status === b.status;

/**
 * Decodes what the ack proxy saw the broker accept on the agent's birth and data topics — with a plain
 * JSON reading of xiang/v1 written here, not the platform's decoder — into the points the store must hold.
 * Births are applied in acknowledgement order; data is decoded with every index any acknowledged birth
 * declared (the protocol keeps indices stable), so an index first declared later still decodes. Only data
 * acknowledged at or after `fromMs` counts; births count whenever they came (they only name indices).
 */
export function ackedTruth(acked: readonly AckedMessage[], topicPrefix: string, fromMs = 0): AckedTruth {
  const t: AckedTruth = {
    series: new Map(),
    dataMessages: 0,
    points: 0,
    births: 0,
    indices: new Map(),
    conflicts: [],
  };
  const mine = acked.filter((m) => m.topic.startsWith(topicPrefix));
  for (const m of mine) {
    if (!m.topic.endsWith('/birth')) continue;
    t.births++;
    const b = JSON.parse(m.payload.toString('utf8')) as BirthJson;
    for (const x of b.metrics) {
      const ref = `${x.deviceId}:${x.key}`;
      const prev = t.indices.get(x.i);
      if (prev && prev.series !== ref) t.conflicts.push(`index ${x.i}: ${prev.series} then ${ref}`);
      t.indices.set(x.i, { series: ref, datatype: x.datatype });
    }
  }
  for (const m of mine) {
    if (!m.topic.endsWith('/data') || m.atMs < fromMs) continue;
    t.dataMessages++;
    const d = JSON.parse(m.payload.toString('utf8')) as DataJson;
    for (const p of d.points) {
      t.points++;
      const [i, ts, v, st] = p as [number, number, unknown, unknown];
      const ref = t.indices.get(i)?.series;
      if (!ref) {
        t.conflicts.push(`data point with index ${i} that no acknowledged birth declares`);
        continue;
      }
      let s = t.series.get(ref);
      if (!s) {
        s = new Map();
        t.series.set(ref, s);
      }
      const e = expectedOf(v, st);
      const prev = s.get(ts);
      if (prev && !same(prev, e)) {
        t.conflicts.push(`${ref}@${ts}: acknowledged twice with different values`);
      }
      if (!prev) s.set(ts, { ...e, ackedAtMs: m.atMs });
    }
  }
  return t;
}

/** Distinct (series, timestamp) pairs in the truth. */
export function distinctPoints(t: AckedTruth): number {
  let n = 0;
  for (const s of t.series.values()) n += s.size;
  return n;
}
