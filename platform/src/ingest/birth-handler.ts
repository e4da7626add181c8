import { birthSchema, deviceSchema, formatZodIssues, metricSchema } from '@xiang/protocol';
import { z } from 'zod';
import { isStaleBirth, writeMetricDefs } from '../registry/births.js';
import { immediate } from '../registry/db.js';
import { checkBirthLimits, checkBirthShape, seriesScopes } from './birth-limits.js';
import { drainParked } from './drain.js';
import type { IngestProcessor } from './processor.js';
import { onBirth } from './session-state.js';
import type { IngestContext } from './steps.js';

/** Metrics validated or written per event-loop turn: keeps each turn of a 20 000-metric birth short. */
const CHUNK = 1000;
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The birth envelope; metrics and devices are validated chunk by chunk after the size limits are checked. */
const envelopeSchema = birthSchema.extend({ metrics: z.array(z.unknown()), devices: z.array(z.unknown()) });

async function validateChunked<T>(
  items: unknown[],
  schema: z.ZodType<T>,
  path: string,
): Promise<T[] | string> {
  const out: T[] = [];
  for (let k = 0; k < items.length; k++) {
    if (k > 0 && k % CHUNK === 0) await yieldTurn();
    const r = schema.safeParse(items[k]);
    if (!r.success) return formatZodIssues(r.error, `${path}[${k}]`).join('; ');
    out.push(r.data);
  }
  return out;
}

/**
 * A birth, in the order that keeps the work bounded: limits on the raw envelope, validation in chunks,
 * limits against the registry, then the metric table written in chunks and everything else (devices it
 * owns, session state, budgets, counters) in one transaction; then parked data of the agent is drained.
 */
export async function handleBirth(
  proc: IngestProcessor,
  f: string,
  a: string,
  json: unknown,
  ctx: IngestContext,
): Promise<void> {
  const d = proc.deps;
  const steps = proc.steps;
  const env = envelopeSchema.safeParse(json);
  if (!env.success) return steps.rejectMessage(ctx, 'schemaViolation', formatZodIssues(env.error).join('; '));
  const shape = checkBirthShape(env.data, d.limits);
  if (shape) return steps.rejectMessage(ctx, shape.reason, shape.detail);
  const metrics = await validateChunked(env.data.metrics, metricSchema, 'metrics');
  if (typeof metrics === 'string') return steps.rejectMessage(ctx, 'schemaViolation', metrics);
  const devices = await validateChunked(env.data.devices, deviceSchema, 'devices');
  if (typeof devices === 'string') return steps.rejectMessage(ctx, 'schemaViolation', devices);
  const birth = { ...env.data, metrics, devices };
  const seen = new Set<number>();
  for (const m of birth.metrics) {
    if (seen.has(m.i))
      return steps.rejectMessage(ctx, 'schemaViolation', `metrics: index ${m.i} is declared twice`);
    seen.add(m.i);
  }
  const nowMs = ctx.nowMs;
  const limits = checkBirthLimits(f, a, birth, { ...d, ownership: d.registry.ownership, nowMs });
  if ('reason' in limits) return steps.rejectMessage(ctx, limits.reason, limits.detail);

  const before = d.sessions.getOrEmpty(f, a, birth.sessionId);
  const earlier = before.birthSeen ? [] : d.parking.seqsOf(f, a, birth.sessionId);
  const s = onBirth(before, birth.seq, birth.timestamp, earlier);
  if (s.outcome === 'redelivered') {
    d.counters.add('duplicates');
    return steps.commitCounters();
  }

  const stale = isStaleBirth(d.registry.db, f, a, birth);
  const redefinedIndices: number[] = [];
  for (let k = 0; k < birth.metrics.length; k += CHUNK) {
    if (k > 0) await yieldTurn();
    const chunk = birth.metrics.slice(k, k + CHUNK);
    immediate(d.registry.db, () =>
      redefinedIndices.push(...writeMetricDefs(d.registry.db, f, a, chunk, nowMs, stale)),
    );
  }
  const res = immediate(d.registry.db, () => {
    const r = d.registry.applyBirth(f, a, birth, nowMs, { metricsWritten: { redefinedIndices } });
    d.sessions.put(f, a, birth.sessionId, s.state, nowMs);
    if (r.newSession) d.sessions.prune(nowMs, { f, a, keep: birth.sessionId });
    const scope = seriesScopes(f, a);
    d.budgets.charge(scope.agent, limits.newSeries, nowMs);
    d.budgets.charge(scope.factory, limits.newSeries, nowMs);
    d.rebirth.birthSeen(f, a, nowMs);
    if (s.outcome === 'legacyRebirth') d.counters.add('legacyRebirths');
    d.counters.add('metricsRedefined', r.redefinedIndices.length);
    const foreign = r.foreignDevices.map((x) => `${x.id} (owned by agent ${x.owner})`);
    const why = `devices of other agents left unchanged: ${foreign.slice(0, 20).join(', ')}`;
    steps.refuseEntries(ctx, 'deviceNotOwned', foreign.length, why);
    d.counters.commit();
    return r;
  });
  steps.forgetTable(f, a);
  if (res.redefinedIndices.length > 0)
    d.log.warn({ factoryId: f, agentId: a, indices: res.redefinedIndices }, 'birth redefines metric indices');
  d.log.info(
    {
      factoryId: f,
      agentId: a,
      sessionId: birth.sessionId,
      seq: birth.seq,
      outcome: s.outcome,
      devices: res.devices,
      metrics: res.metrics,
      newSession: res.newSession,
      stale: res.stale,
      foreignDevices: res.foreignDevices.length,
    },
    'agent birth',
  );
  await drainParked(proc, f, a);
}
