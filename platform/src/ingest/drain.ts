import { immediate } from '../registry/db.js';
import type { IngestProcessor } from './processor.js';

const PAGE = 100;

/**
 * After a birth, decodes the agent's parked batches with the now-known metric table and stores them.
 * Indices that even the birth does not declare are dead-lettered as unknownMetricIndex. Each parked batch
 * leaves the lot in the same transaction that records its outcome, after its points are in the store.
 * Bounded: at most `maxRounds` pages per birth (the rest waits for the next birth or rebirth).
 */
export async function drainParked(
  proc: IngestProcessor,
  f: string,
  a: string,
  maxRounds = 1000,
): Promise<number> {
  const { parking, registry, counters, log } = proc.deps;
  const steps = proc.steps;
  let drained = 0;
  for (let round = 0; round < maxRounds; round++) {
    const page = parking.forAgent(f, a, PAGE);
    if (page.length === 0) break;
    for (const b of page) {
      const nowMs = Date.now();
      const dec = steps.decode(f, a, b.points, nowMs);
      if (dec.unknown.length > 0) {
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
        counters.add('unparked');
        counters.commit();
      });
      drained++;
    }
  }
  if (drained > 0)
    log.info(
      { factoryId: f, agentId: a, drained, stillParked: parking.count(f, a) },
      'parked batches decoded after birth',
    );
  return drained;
}
