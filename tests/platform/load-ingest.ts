import type { PointTuple } from '@xiang/protocol';
import { TestAgent } from './test-agent.js';

/**
 * A steady MQTT publisher for the load matrix: every tick a batch of `rate × tick` points on one gauge
 * (metric index 0 of the fixture birth), each at its own millisecond, so the stored count of that series is
 * exactly the number of points acknowledged. Publishes do not wait for the previous PUBACK (the rate holds
 * while the platform is busy) but at most `maxInFlight` are outstanding; only PUBACKed points are counted.
 */
export type Publisher = {
  readonly agent: TestAgent;
  /** First point's timestamp; points are at firstTsMs, firstTsMs + 1, … */
  readonly firstTsMs: number;
  stop(): Promise<{ sent: number; acked: number; failed: number; seconds: number }>;
};

export async function startPublisher(o: {
  brokerUrl: string;
  factoryId: string;
  agentId: string;
  pointsPerSecond: number;
  tickMs?: number;
  maxInFlight?: number;
  /** Bound on the run, whatever happens to stop() (a loop bounded in time). */
  maxSeconds: number;
}): Promise<Publisher> {
  const agent = await TestAgent.connect(o.brokerUrl, { factoryId: o.factoryId, agentId: o.agentId });
  await agent.birth();
  const tickMs = o.tickMs ?? 100;
  const perTick = Math.max(1, Math.round((o.pointsPerSecond * tickMs) / 1000));
  const maxInFlight = o.maxInFlight ?? 50;
  const firstTsMs = Date.now() - 3_600_000;
  let next = 0;
  let acked = 0;
  let failed = 0;
  let running = true;
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const loop = (async () => {
    const ticks = Math.ceil((o.maxSeconds * 1000) / tickMs);
    for (let t = 0; t < ticks && running; t++) {
      // Steady: tick t is due at started + t × tick, however long the previous publish took.
      const due = started + t * tickMs - Date.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      const pts: PointTuple[] = Array.from({ length: perTick }, (_, i) => [
        0,
        firstTsMs + next + i,
        next + i,
      ]);
      next += perTick;
      const p = agent
        .data(pts)
        .then(() => {
          acked += pts.length;
        })
        .catch(() => {
          failed += pts.length;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();
  return {
    agent,
    firstTsMs,
    async stop() {
      running = false;
      await loop;
      await Promise.all(inFlight);
      const seconds = (Date.now() - started) / 1000; // until the last PUBACK
      await agent.end();
      return { sent: next, acked, failed, seconds };
    },
  };
}
