import { type Api, deadLetters, ingestStats, type RawPoint, rawPoints, registeredSeries } from './api.js';
import { isForgedValue } from './rogue.js';
import { type AckedTruth, distinctPoints, type ExpectedPoint } from './truth.js';

/**
 * The invariant after every schedule, judged from outside the platform:
 *   - every (series, source timestamp) the broker acknowledged to the agent is stored exactly once, with
 *     the acknowledged value and quality (lost / duplicated / corrupted otherwise);
 *   - no forged value (FORGED_BASE − k) is stored in any series of the factory;
 *   - every malformed message the broker acknowledged is counted as a rejection (a dead letter of the
 *     bad-input agent), and no message ended as `internalError`.
 * Points stored that the broker never acknowledged (the agent died before the PUBACK, then resent or
 * not) are legal at-least-once deliveries: counted as `unackedStored`, not a failure.
 */
export type Verdict = {
  checked: number;
  lost: number;
  duplicated: number;
  corrupted: number;
  forged: number;
  unackedStored: number;
  rejectedExpected: number;
  rejectedCounted: number;
  internalErrors: number;
  agentConflicts: number;
  examples: string[];
};

export const verdictOk = (v: Verdict): boolean =>
  v.lost === 0 &&
  v.duplicated === 0 &&
  v.corrupted === 0 &&
  v.forged === 0 &&
  v.rejectedCounted >= v.rejectedExpected &&
  v.internalErrors === 0 &&
  v.agentConflicts === 0;

const MAX_EXAMPLES = 12;

function equalStored(e: ExpectedPoint, p: RawPoint): boolean {
  return e.value === p.value && (e.text ?? null) === (p.text ?? null) && e.status === p.status;
}

export type CheckInput = {
  api: Api;
  factoryId: string;
  truth: AckedTruth;
  badAgentId: string;
  badSent: number;
  /** Schedule start (epoch ms): lost points are reported with their acknowledgement time relative to it. */
  startedAtMs: number;
};

/** Fetches what the store holds (through the API) and compares it with the acknowledged truth. */
export async function checkInvariant(i: CheckInput): Promise<Verdict> {
  const v: Verdict = {
    checked: distinctPoints(i.truth),
    lost: 0,
    duplicated: 0,
    corrupted: 0,
    forged: 0,
    unackedStored: 0,
    rejectedExpected: i.badSent,
    rejectedCounted: 0,
    internalErrors: 0,
    agentConflicts: i.truth.conflicts.length,
    examples: i.truth.conflicts.slice(0, 3).map((c) => `agent: ${c}`),
  };
  const rel = (ms: number) => ((ms - i.startedAtMs) / 1000).toFixed(1);
  const example = (s: string) => {
    if (v.examples.length < MAX_EXAMPLES) v.examples.push(s);
  };
  const refs = [
    ...new Set([...i.truth.series.keys(), ...(await registeredSeries(i.api, i.factoryId))]),
  ].sort();
  const stored = await rawPoints(i.api, i.factoryId, refs);
  for (const ref of refs) {
    const expected = i.truth.series.get(ref) ?? new Map<number, ExpectedPoint & { ackedAtMs: number }>();
    const byTs = new Map<number, RawPoint[]>();
    for (const p of stored.get(ref) ?? []) {
      if (isForgedValue(p.value)) {
        v.forged++;
        example(`forged stored: ${ref}@${new Date(p.tsMs).toISOString()} = ${p.value}`);
        continue;
      }
      const l = byTs.get(p.tsMs) ?? [];
      l.push(p);
      byTs.set(p.tsMs, l);
    }
    let lostHere = 0;
    let ackedFrom = Number.POSITIVE_INFINITY;
    let ackedTo = 0;
    for (const [ts, e] of expected) {
      const got = byTs.get(ts);
      if (!got) {
        lostHere++;
        ackedFrom = Math.min(ackedFrom, e.ackedAtMs);
        ackedTo = Math.max(ackedTo, e.ackedAtMs);
        continue;
      }
      if (got.length > 1) {
        v.duplicated += got.length - 1;
        example(`duplicated: ${ref}@${new Date(ts).toISOString()} stored ${got.length}×`);
      }
      if (!got.some((p) => equalStored(e, p))) {
        v.corrupted++;
        example(
          `corrupted: ${ref}@${ts} acknowledged ${JSON.stringify(e)}, stored ${JSON.stringify(got[0])}`,
        );
      }
    }
    if (lostHere > 0) {
      v.lost += lostHere;
      example(
        `lost: ${ref}: ${lostHere} of ${expected.size} acknowledged points, acknowledged between +${rel(ackedFrom)} s and +${rel(ackedTo)} s`,
      );
    }
    for (const ts of byTs.keys()) if (!expected.has(ts)) v.unackedStored++;
  }
  const dl = await deadLetters(i.api, i.factoryId);
  v.rejectedCounted = dl.filter((d) => d.agentId === i.badAgentId).length;
  if (v.rejectedCounted < v.rejectedExpected) {
    example(
      `rejections: ${v.rejectedExpected} malformed messages acknowledged, ${v.rejectedCounted} dead-lettered`,
    );
  }
  const stats = await ingestStats(i.api);
  v.internalErrors = stats.totals.rejectedMessages.internalError ?? 0;
  if (v.internalErrors > 0) example(`internalError rejections: ${v.internalErrors}`);
  return v;
}
