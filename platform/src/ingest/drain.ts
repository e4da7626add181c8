import { immediate } from '../registry/db.js';
import type { IngestProcessor } from './processor.js';
import { markSeen, nothingMissingBefore } from './session-state.js';

const PAGE = 50;
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * After a birth, decodes the agent's parked batches whose session is now born, with the agent's metric
 * table, and stores them. A batch whose unknown indices a still-missing birth might declare stays parked;
 * indices that no birth can declare any more are dead-lettered as unknownMetricIndex. Each parked batch
 * leaves the lot in the same transaction that records its outcome, after its points are in the store.
 * Bounded: at most `maxBatches` per birth (the rest waits for the next birth or rebirth).
 */
export async function drainParked(
  proc: IngestProcessor,
  f: string,
  a: string,
  maxBatches = 10_000,
): Promise<number> {
  const { parking, registry, counters, log, sessions } = proc.deps;
  const steps = proc.steps;
  let drained = 0;
  let afterId = 0;
  for (let visited = 0; visited < maxBatches; ) {
    const page = parking.forAgent(f, a, PAGE, afterId);
    if (page.length === 0) break;
    for (const b of page) {
      visited++;
      afterId = b.id;
      const st = sessions.get(f, a, b.sessionId);
      if (!st?.birthSeen) continue; // its own birth has not come yet
      const nowMs = steps.now();
      const dec = steps.decode(f, a, b.points, nowMs);
      if (dec.unknown.length > 0) {
        if (!st.legacy && !nothingMissingBefore(st, b.seq)) continue; // a missing birth may declare them
        const ex = dec.unknown.slice(0, 3).map((p) => `metric index ${JSON.stringify((p as unknown[])[0])}`);
        steps.addRejects(dec, 'unknownMetricIndex', dec.unknown.length, `after birth: ${ex.join('; ')}`);
      }
      await steps.write(dec);
      const payload = Buffer.from(
        JSON.stringify({ sessionId: b.sessionId, seq: b.seq, historical: b.historical, points: b.points }),
      );
      immediate(registry.db, () => {
        // A sibling instance may have drained it first; its outcome is already recorded then.
        if (!parking.remove(b.id)) return;
        steps.recordDecoded({ topic: b.topic, payload, factoryId: f, agentId: a, kind: 'data', nowMs }, dec);
        registry.touchDevices(f, dec.lastSeen);
        const now = sessions.get(f, a, b.sessionId);
        if (now && !now.legacy)
          sessions.put(f, a, b.sessionId, { ...now, window: markSeen(now.window, b.seq) }, nowMs);
        counters.add('unparked');
        counters.commit();
      });
      drained++;
      await yieldTurn();
    }
  }
  if (drained > 0)
    log.info(
      { factoryId: f, agentId: a, drained, stillParked: parking.count(f, a) },
      'parked batches decoded after birth',
    );
  return drained;
}
