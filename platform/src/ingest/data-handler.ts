import { formatZodIssues, MAX_POINTS_PER_BATCH } from '@xiang/protocol';
import { z } from 'zod';
import { immediate } from '../registry/db.js';
import { refuseContradictingHistory } from './counter-consistency.js';
import type { IngestProcessor } from './processor.js';
import type { Suspicion } from './rebirth.js';
import { beyondFreeze, nothingMissingBefore, onMessage } from './session-state.js';
import type { IngestContext } from './steps.js';

/** The data batch envelope; points are validated one by one (decode.ts) so one bad point spares the rest. */
export const dataEnvelopeSchema = z.object({
  sessionId: z.string().min(8).max(64),
  seq: z.number().int().min(0),
  historical: z.boolean().default(false),
  points: z.array(z.unknown()).min(1, 'a batch needs at least one point'),
});

/**
 * A data batch. Only a session whose birth the platform has seen may write into the agent's series: its
 * current session, or an earlier one up to the seq it was frozen at when a newer birth superseded it (its
 * messages still in flight); above that it is dead-lettered `supersededSession`. Data of an unborn session is
 * parked whole until that birth arrives. Points whose metric index is unknown are parked while a birth that may declare them is missing
 * (a seq hole above the latest birth), else rejected.
 */
export async function handleData(
  proc: IngestProcessor,
  f: string,
  a: string,
  json: unknown,
  ctx: IngestContext,
): Promise<void> {
  const d = proc.deps;
  const steps = proc.steps;
  const r = dataEnvelopeSchema.safeParse(json);
  if (!r.success) return steps.rejectMessage(ctx, 'schemaViolation', formatZodIssues(r.error).join('; '));
  const { sessionId, seq, historical, points } = r.data;
  if (points.length > MAX_POINTS_PER_BATCH) {
    const detail = `${points.length} points > ${MAX_POINTS_PER_BATCH}`;
    return steps.rejectMessage(ctx, 'batchTooLarge', detail, points.length);
  }
  const batch = {
    factoryId: f,
    agentId: a,
    sessionId,
    seq,
    historical,
    topic: ctx.topic,
    receivedAtMs: ctx.nowMs,
  };
  const st = d.sessions.get(f, a, sessionId);
  if (!st?.birthSeen) {
    if (d.parking.has(f, a, sessionId, seq)) {
      d.counters.add('duplicates');
      return steps.commitCounters();
    }
    const parked = immediate(d.registry.db, () => {
      // Re-read under the lock: a sibling instance may have applied the birth — and drained what was parked
      // — since the read above; parked now, this message would wait for a birth that has already come.
      if (d.sessions.get(f, a, sessionId)?.birthSeen) return 'born' as const;
      const ok = steps.park(ctx, { ...batch, points });
      d.counters.commit();
      return ok;
    });
    if (parked === 'born') return await handleData(proc, f, a, json, ctx);
    // Only parked data asks for a birth: a flood beyond the parking bounds cannot multiply commands.
    if (parked) d.rebirth.suspect(f, a, { kind: 'unbornSession', sessionId, sinceMs: ctx.nowMs });
    return;
  }
  const m = onMessage(st, seq);
  if (m.duplicate) {
    d.counters.add('duplicates');
    return steps.commitCounters();
  }
  if (beyondFreeze(st, seq)) return steps.rejectSuperseded(ctx, sessionId, seq, st.frozenAtSeq);
  const dec = steps.decode(f, a, points, ctx.nowMs);
  let parked: unknown[] = [];
  if (dec.unknown.length > 0) {
    if (st.legacy || nothingMissingBefore(st, seq)) {
      const ex = dec.unknown.slice(0, 3).map((p) => `metric index ${JSON.stringify((p as unknown[])[0])}`);
      steps.addRejects(dec, 'unknownMetricIndex', dec.unknown.length, ex.join('; '));
    } else {
      parked = dec.unknown;
    }
  }
  if (historical && (await refuseContradictingHistory(steps, ctx, f, a, dec))) return;
  await steps.write(dec);
  const hole = immediate(d.registry.db, () => {
    if (parked.length > 0) steps.park(ctx, { ...batch, points: parked });
    steps.recordDecoded(ctx, dec);
    d.registry.touchDevices(f, dec.lastSeen);
    // Re-read: a sibling instance may have applied a birth of this session meanwhile.
    const now = onMessage(d.sessions.get(f, a, sessionId) ?? st, seq);
    d.sessions.put(f, a, sessionId, now.state, ctx.nowMs);
    d.counters.commit();
    return now.hole;
  });
  const why: Suspicion[] = [];
  if (hole || parked.length > 0) why.push({ kind: 'gap', sessionId });
  d.rebirth.suspect(f, a, ...why);
}
