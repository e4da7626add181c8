import { isGood } from '@xiang/protocol';
import { ROLLOVER_NEAR_FRACTION } from '../store/index.js';
import type { SeriesKey, StoredPoint } from '../store/types.js';
import type { DecodedBatch } from './decode.js';
import type { IngestContext, IngestSteps } from './steps.js';

/**
 * A historical batch must not rewrite a counter's stored history. A second run of a simulator, an agent that
 * lost its clock, a restored backup replayed — each sends "history" for timestamps the platform already holds,
 * with other values. Merged in, the counter would go up and down: resets in every interval, null increases,
 * absurd balances. So before a historical batch is written, its counter samples are compared with the stored
 * ones around them, and a batch that contradicts them is refused as a whole (dead letter `counterConflict`
 * with the first contradiction in its detail, payload kept for a person to replay):
 *  - a different value at a timestamp already stored for that counter, or
 *  - a counter that goes backwards where a new sample meets a stored one (stored → new or new → stored),
 *    unless that is a register rollover (as the store counts it: `rolloverAt` known, from its top
 *    ROLLOVER_NEAR_FRACTION to its bottom) or the later sample carries the reset marker.
 * Reset marker: OPC UA StatusCode info bit SemanticsChanged (0x00004000) on the first sample after a meter
 * reset or replacement — a Good status (severity bits 00), so the sample counts as usual. Drops between two
 * samples of the batch itself are not judged: they are the agent's own observation, counted as resets by the store.
 * Live (non-historical) batches are not checked: they carry the present, which nothing stored contradicts.
 * Stored neighbours further than NEIGHBOUR_WINDOW_MS from the batch are not read (across such a gap only the
 * series' latest stored sample is compared).
 */
export const RESET_MARKER_BIT = 0x0000_4000;
export const NEIGHBOUR_WINDOW_MS = 6 * 3_600_000;

export type CounterSample = { tsMs: number; value: number; status: number };
export type StoredNeighbourhood = {
  /** The last stored sample before the batch's first timestamp (within the window), or null. */
  before: CounterSample | null;
  /** Stored samples from the batch's first to its last timestamp, oldest first. */
  inside: CounterSample[];
  /** The first stored sample after the batch's last timestamp (within the window), or null. */
  after: CounterSample | null;
};

const sameValue = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const iso = (ms: number) => new Date(ms).toISOString();

function backwardsAllowed(prev: CounterSample, cur: CounterSample, rolloverAt: number | undefined): boolean {
  if ((cur.status & RESET_MARKER_BIT) !== 0) return true;
  return (
    rolloverAt !== undefined &&
    prev.value >= rolloverAt * (1 - ROLLOVER_NEAR_FRACTION) &&
    cur.value < rolloverAt * ROLLOVER_NEAR_FRACTION
  );
}

/**
 * Pure: the first contradiction between a batch's samples of one counter (any order) and the stored samples
 * around them, worded for the dead letter, or null when the batch continues the stored history.
 */
export function counterContradiction(
  batch: readonly CounterSample[],
  stored: StoredNeighbourhood,
  rolloverAt?: number,
): string | null {
  const usable = (s: CounterSample) => isGood(s.status) && Number.isFinite(s.value);
  const mine = batch.filter(usable).sort((a, b) => a.tsMs - b.tsMs);
  if (mine.length === 0) return null;
  const storedAt = new Map<number, CounterSample>();
  for (const s of stored.inside) if (usable(s)) storedAt.set(s.tsMs, s);
  for (const s of mine) {
    const old = storedAt.get(s.tsMs);
    if (old && !sameValue(old.value, s.value))
      return `${iso(s.tsMs)} is stored as ${old.value}, the batch says ${s.value}`;
  }
  // One timeline: stored samples, then the batch's (which equal any stored one at the same time).
  const line: (CounterSample & { mine: boolean })[] = [];
  if (stored.before && usable(stored.before)) line.push({ ...stored.before, mine: false });
  const merged = new Map<number, CounterSample & { mine: boolean }>();
  for (const s of storedAt.values()) merged.set(s.tsMs, { ...s, mine: false });
  for (const s of mine) if (!merged.has(s.tsMs)) merged.set(s.tsMs, { ...s, mine: true });
  line.push(...[...merged.values()].sort((a, b) => a.tsMs - b.tsMs));
  if (stored.after && usable(stored.after)) line.push({ ...stored.after, mine: false });
  for (let i = 1; i < line.length; i++) {
    const prev = line[i - 1] as CounterSample & { mine: boolean };
    const cur = line[i] as CounterSample & { mine: boolean };
    if (prev.mine === cur.mine) continue; // only where new history meets stored history
    if (cur.value >= prev.value || sameValue(cur.value, prev.value)) continue;
    if (backwardsAllowed(prev, cur, rolloverAt)) continue;
    const [was, now] = prev.mine ? ['the batch has', 'stored'] : ['stored', 'the batch has'];
    return (
      `counter goes backwards without a reset marker: ${was} ${prev.value} at ${iso(prev.tsMs)}, ` +
      `${now} ${cur.value} at ${iso(cur.tsMs)}`
    );
  }
  return null;
}

type CounterMeta = Map<string, { rolloverAt?: number }>;
const metaCache = new WeakMap<object, CounterMeta>();
const keyOf = (deviceId: string, metric: string) => `${deviceId}\u0000${metric}`;

/** Counter metrics of an agent, cached per decode table (a birth replaces the table, and so this cache). */
function counterMetrics(steps: IngestSteps, f: string, a: string): CounterMeta {
  const table = steps.table(f, a, false);
  let meta = metaCache.get(table);
  if (!meta) {
    meta = new Map();
    for (const m of steps.d.registry.metricTable(f, a).values())
      if (m.kind === 'counter')
        meta.set(keyOf(m.deviceId, m.key), m.rolloverAt !== undefined ? { rolloverAt: m.rolloverAt } : {});
    metaCache.set(table, meta);
  }
  return meta;
}

const sample = (p: Pick<StoredPoint, 'tsMs' | 'value' | 'status'>): CounterSample | null =>
  p.value === null ? null : { tsMs: p.tsMs, value: p.value, status: p.status };

async function neighbourhood(
  steps: IngestSteps,
  key: SeriesKey,
  fromMs: number,
  toMs: number,
  latest: StoredPoint | undefined,
): Promise<StoredNeighbourhood | null> {
  if (!latest) return null; // nothing stored: nothing to contradict
  const last = sample(latest);
  if (last && latest.tsMs < fromMs && isGood(last.status)) return { before: last, inside: [], after: null };
  const rows = await steps.readStore('counter neighbours', () =>
    steps.d.store.raw(key, fromMs - NEIGHBOUR_WINDOW_MS, toMs + NEIGHBOUR_WINDOW_MS + 1),
  );
  const good = rows.map(sample).filter((s): s is CounterSample => s !== null && isGood(s.status));
  return {
    before: good.filter((s) => s.tsMs < fromMs).at(-1) ?? null,
    inside: good.filter((s) => s.tsMs >= fromMs && s.tsMs <= toMs),
    after: good.find((s) => s.tsMs > toMs) ?? null,
  };
}

/**
 * Whether refuseContradictingHistory has anything to judge in this batch: a historical batch with a counter
 * sample of the agent. Only such a batch must be handled on its own (it reads stored neighbours, which the
 * messages before it in a group commit have not written yet); any other joins the group.
 */
export function historyNeedsCheck(steps: IngestSteps, f: string, a: string, dec: DecodedBatch): boolean {
  const meta = counterMetrics(steps, f, a);
  if (meta.size === 0) return false;
  for (const p of dec.points) if (p.value !== null && meta.has(keyOf(p.deviceId, p.metric))) return true;
  return false;
}

/**
 * The ingest hook: true when the historical batch contradicts stored counter values — it has then been
 * refused (dead letter `counterConflict`, counted) and must not be written.
 */
export async function refuseContradictingHistory(
  steps: IngestSteps,
  ctx: IngestContext,
  f: string,
  a: string,
  dec: DecodedBatch,
): Promise<boolean> {
  const meta = counterMetrics(steps, f, a);
  if (meta.size === 0) return false;
  const bySeries = new Map<string, { deviceId: string; metric: string; samples: CounterSample[] }>();
  for (const p of dec.points) {
    const k = keyOf(p.deviceId, p.metric);
    const s = sample(p);
    if (!s || !meta.has(k)) continue;
    const e = bySeries.get(k) ?? { deviceId: p.deviceId, metric: p.metric, samples: [] };
    e.samples.push(s);
    bySeries.set(k, e);
  }
  if (bySeries.size === 0) return false;
  const devices = [...new Set([...bySeries.values()].map((e) => e.deviceId))];
  const metrics = [...new Set([...bySeries.values()].map((e) => e.metric))];
  const latest = new Map<string, StoredPoint>();
  const stored = await steps.readStore('latest counters', () =>
    steps.d.store.latest(f, { deviceIds: devices, metrics }),
  );
  for (const l of stored) latest.set(keyOf(l.deviceId, l.metric), l);
  for (const [k, e] of bySeries) {
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const s of e.samples) {
      from = Math.min(from, s.tsMs);
      to = Math.max(to, s.tsMs);
    }
    const key = { factoryId: f, deviceId: e.deviceId, metric: e.metric };
    const around = await neighbourhood(steps, key, from, to, latest.get(k));
    const why = around && counterContradiction(e.samples, around, meta.get(k)?.rolloverAt);
    if (!why) continue;
    const points =
      dec.points.length + dec.unknown.length + [...dec.rejects.values()].reduce((n, r) => n + r.count, 0);
    steps.rejectMessage(ctx, 'counterConflict', `${e.deviceId}.${e.metric}: ${why}`, points);
    return true;
  }
  return false;
}
