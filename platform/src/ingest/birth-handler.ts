import { type Birth, birthSchema, deviceSchema, formatZodIssues, metricSchema } from '@xiang/protocol';
import { z } from 'zod';
import {
  birthDeviceWriter,
  type DevicesWritten,
  isStaleBirth,
  metricDefWriter,
  namedDevices,
} from '../registry/births.js';
import { immediate } from '../registry/db.js';
import { checkBirthLimits, checkBirthShape, seriesScopes } from './birth-limits.js';
import { drainParked } from './drain.js';
import type { IngestProcessor } from './processor.js';
import { beyondFreeze, onBirth, supersede } from './session-state.js';
import type { IngestContext } from './steps.js';
import { inTurns } from './turns.js';

/**
 * The sessions a birth supersedes are frozen (session-state.ts `supersede`): the one it names as its
 * `previous`, at the last seq the agent says it assigned there, and the agent's current session until now
 * (when this birth takes its place), at the highest seq handled — unless it is that same `previous`.
 * Call inside the birth's last transaction.
 */
function freezeSuperseded(
  proc: IngestProcessor,
  f: string,
  a: string,
  birth: Birth,
  replaced: string | null,
  nowMs: number,
): void {
  const { sessions } = proc.deps;
  const freeze = (sessionId: string, lastSeq?: number) => {
    if (sessionId === birth.sessionId) return;
    const st = sessions.get(f, a, sessionId);
    if (st) sessions.put(f, a, sessionId, supersede(st, lastSeq), nowMs);
  };
  if (birth.previous) freeze(birth.previous.sessionId, birth.previous.lastSeq);
  if (replaced && replaced !== birth.previous?.sessionId) freeze(replaced);
}

/** The birth envelope; metrics and devices are validated chunk by chunk after the size limits are checked. */
const envelopeSchema = birthSchema.extend({ metrics: z.array(z.unknown()), devices: z.array(z.unknown()) });

async function validateInTurns<T>(
  items: unknown[],
  schema: z.ZodType<T>,
  path: string,
): Promise<T[] | string> {
  const out: T[] = [];
  const err = await inTurns(items, (item, k) => {
    const r = schema.safeParse(item);
    if (!r.success) return formatZodIssues(r.error, `${path}[${k}]`).join('; ');
    out.push(r.data);
    return undefined;
  });
  return err ?? out;
}

/**
 * A birth, in the order that keeps the work bounded: limits on the raw envelope, validation in event-loop
 * turns of ~8 ms, limits against the registry, then the metric table and the devices it owns written in
 * such turns, and the rest (asset tree, absent devices, current session, session state, budgets, counters)
 * in one last transaction; then parked data of the agent is drained.
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
  const metrics = await validateInTurns(env.data.metrics, metricSchema, 'metrics');
  if (typeof metrics === 'string') return steps.rejectMessage(ctx, 'schemaViolation', metrics);
  const devices = await validateInTurns(env.data.devices, deviceSchema, 'devices');
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
  if (beyondFreeze(before, birth.seq))
    return steps.rejectSuperseded(ctx, birth.sessionId, birth.seq, before.frozenAtSeq);

  const stale = isStaleBirth(d.registry.db, f, a, birth);
  const db = d.registry.db;
  const inTxn = (run: () => void) => immediate(db, run);
  const redefinedIndices: number[] = [];
  const writeMetric = metricDefWriter(db, f, a, nowMs, stale);
  await inTurns(
    birth.metrics,
    (m) => {
      if (writeMetric(m)) redefinedIndices.push(m.i);
      return undefined;
    },
    inTxn,
  );
  // Devices in turns too (stale births change no device); the session switches in the last transaction.
  let devicesWritten: DevicesWritten | undefined;
  if (!stale) {
    const written: DevicesWritten = { born: [], foreign: [] };
    const writeDevice = birthDeviceWriter(db, f, a, birth.timestamp);
    await inTurns(
      namedDevices(birth),
      (dev) => {
        const owner = writeDevice(dev);
        if (owner === null) written.born.push(dev.id);
        else written.foreign.push({ id: dev.id, owner });
        return undefined;
      },
      inTxn,
    );
    devicesWritten = written;
  }
  const res = immediate(d.registry.db, () => {
    const wasCurrent = d.registry.agent(f, a)?.currentSessionId ?? null;
    const r = d.registry.applyBirth(f, a, birth, nowMs, {
      metricsWritten: { redefinedIndices },
      ...(devicesWritten ? { devicesWritten } : {}),
    });
    // Decided again on the row as it is now: a sibling instance may have moved this session meanwhile.
    const fresh = d.sessions.get(f, a, birth.sessionId);
    const decided = fresh ? onBirth(fresh, birth.seq, birth.timestamp, earlier) : s;
    d.sessions.put(f, a, birth.sessionId, decided.state, nowMs);
    freezeSuperseded(proc, f, a, birth, r.stale ? null : wasCurrent, nowMs);
    if (r.newSession) d.sessions.prune(nowMs, { f, a, keep: birth.sessionId });
    const scope = seriesScopes(f, a);
    d.budgets.charge(scope.agent, limits.newSeries, nowMs);
    d.budgets.charge(scope.factory, limits.newSeries, nowMs);
    d.rebirth.birthSeen(f, a, nowMs);
    if (decided.outcome === 'legacyRebirth') d.counters.add('legacyRebirths');
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
