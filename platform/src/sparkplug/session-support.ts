import type { Device } from '@xiang/protocol';
import type { IngestContext, IngestProcessor, PointRejectReason } from '../ingest/index.js';
import { immediate, type Registry } from '../registry/index.js';

/** Helpers of the Sparkplug ingest that read or write the platform's state (sparkplug-ingest.ts). */

export type PointRejects = Map<PointRejectReason, { count: number; examples: string[] }>;

const EPOCH_MIN = 946684800000;
const EPOCH_MAX = 4102444800000;
export const inRange = (ms: number | undefined): ms is number =>
  ms !== undefined && ms >= EPOCH_MIN && ms < EPOCH_MAX;
/** NBIRTH bdSeq and timestamp name the platform session (so a redelivered NBIRTH is recognised). */
export const sessionIdOf = (bdSeq: number, tsMs: number) => `spb-${bdSeq}-${tsMs}`;
export const bdSeqOfSession = (sessionId: string | null | undefined): number | undefined => {
  const m = /^spb-(\d+)-\d+$/.exec(sessionId ?? '');
  return m ? Number(m[1]) : undefined;
};

export function recordPointRejects(proc: IngestProcessor, ctx: IngestContext, rejects: PointRejects): void {
  if (rejects.size === 0) return;
  const { steps, deps: d } = proc;
  immediate(d.registry.db, () => {
    for (const [reason, r] of rejects) {
      d.deadLetters.add({
        ...steps.dlBase(ctx),
        reason,
        detail: r.examples.join('; '),
        pointCount: r.count,
      });
      d.counters.add(`rejectedPoints.${reason}`, r.count);
    }
    d.counters.commit();
  });
  for (const [reason, r] of rejects) steps.warn(reason, ctx, r.examples[0] ?? '');
}

/** The agent's online devices when its live session (per the registry) has this bdSeq: a rebirth. */
export function liveDevicesOf(registry: Registry, f: string, a: string, bdSeq: number): Device[] {
  const agent = registry.agent(f, a);
  if (!agent?.online || bdSeqOfSession(agent.currentSessionId) !== bdSeq) return [];
  return registry
    .devices(f)
    .filter((d) => d.agentId === a && d.online)
    .map((d) => ({
      id: d.id,
      kind: d.kind,
      assetPath: d.assetPath,
      ...(d.name ? { name: d.name } : {}),
      ...(d.medium ? { medium: d.medium } : {}),
      ...(d.meterRole ? { meterRole: d.meterRole } : {}),
    }));
}

export function addReject(r: PointRejects, reason: PointRejectReason, example: string): void {
  const e = r.get(reason) ?? { count: 0, examples: [] };
  e.count++;
  if (e.examples.length < 3) e.examples.push(example);
  r.set(reason, e);
}

export function toRejects(list: readonly { reason: PointRejectReason; detail: string }[]): PointRejects {
  const r: PointRejects = new Map();
  for (const x of list) addReject(r, x.reason, x.detail);
  return r;
}
