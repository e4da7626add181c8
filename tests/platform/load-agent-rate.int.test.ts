import type { PointTuple } from '@xiang/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../platform/src/broker/embedded.js';
import { waitFor } from '../harness/ports.js';
import { T0 } from './fixtures.js';
import { percentile } from './load-clients.js';
import { PlatformHarness, series } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * Per-agent ingest budgets (issue 14): on the embedded broker's hand-off (npm start), an agent flooding far over
 * its points/s budget is slowed to it — its PUBACKs wait — while another agent's PUBACK latency stays within a
 * ratio of what it is alone, every point the flooder got a PUBACK for is stored, and /metrics counts the delays.
 */
const h = new PlatformHarness();
let broker: EmbeddedBroker | null = null;
const BUDGET_PPS = 2000;
const FLOOD_BATCH = 500;
const LATENCY_RATIO = 3;

/** The steady agent's PUBACK latencies of `n` batches of 10 points, one after the other. */
async function steadyLatencies(a: TestAgent, n: number, fromTs: number): Promise<number[]> {
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    const pts: PointTuple[] = Array.from({ length: 10 }, (_, i) => [0, fromTs + b * 10 + i, i]);
    const t0 = performance.now();
    await a.data(pts);
    out.push(performance.now() - t0);
  }
  return out;
}

describe('per-agent ingest budget (embedded broker hand-off)', () => {
  afterAll(async () => {
    await h.dispose();
    await broker?.close();
  });

  it('a flooding agent is held to its budget without losing acknowledged data; another agent is not slowed', async () => {
    broker = await startEmbeddedBroker({ ingestClientId: 'platform-rate' });
    const p = await h.start(broker.url, await h.tempDir(), {
      mqtt: { protocolVersion: 4, clientId: 'platform-rate' },
      ingest: { limits: { agentPointsPerSecond: BUDGET_PPS, agentBurstSeconds: 1 } },
    });
    broker.attachIngest(p.ingest.handoff);
    const steady = await TestAgent.connect(broker.url, {
      factoryId: 'F1',
      agentId: 'S1',
      protocolVersion: 4,
    });
    await steady.birth();
    const alone = await steadyLatencies(steady, 40, T0);

    const flooder = await TestAgent.connect(broker.url, {
      factoryId: 'F2',
      agentId: 'X1',
      protocolVersion: 4,
    });
    await flooder.birth();
    let acked = 0;
    let sent = 0;
    let flooding = true;
    const started = performance.now();
    const flood = (async () => {
      const inFlight = new Set<Promise<void>>();
      // Bounded: at most 400 batches (200 000 points, 100 s of budget), 20 unacknowledged at a time.
      for (let b = 0; b < 400 && flooding; b++) {
        while (inFlight.size >= 20) await Promise.race(inFlight);
        const pts: PointTuple[] = Array.from({ length: FLOOD_BATCH }, (_, i) => [0, T0 + sent + i, i]);
        sent += FLOOD_BATCH;
        const q = flooder.data(pts).then(() => {
          acked += pts.length;
        });
        const tracked = q.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
      }
      await Promise.all(inFlight);
    })();
    // The flood is under way (its burst used up) before the steady agent measures again.
    await waitFor(() => acked >= 2 * BUDGET_PPS, 'the flood past its burst', 60_000, 20);
    const flooded = await steadyLatencies(steady, 40, T0 + 100_000);
    flooding = false;
    await flood;
    const seconds = (performance.now() - started) / 1000;

    const figures = `alone p50 ${percentile(alone, 50).toFixed(1)} ms, p90 ${percentile(alone, 90).toFixed(1)}; flooded p50 ${percentile(flooded, 50).toFixed(1)}, p90 ${percentile(flooded, 90).toFixed(1)}; flooder ${acked} points in ${seconds.toFixed(1)} s`;
    // The flooder went no faster than its budget (plus its one-second burst).
    expect(acked / seconds, figures).toBeLessThanOrEqual(BUDGET_PPS * 1.2 + BUDGET_PPS / seconds);
    // The steady agent's PUBACKs were not held behind the flood.
    expect(percentile(flooded, 50) / percentile(alone, 50), figures).toBeLessThan(LATENCY_RATIO);
    // Nothing the flooder got a PUBACK for is missing, nothing twice.
    expect(acked).toBe(sent);
    await waitFor(
      async () => (await p.store.countPoints(series('F2', 'M0', 'activePower'), T0, T0 + sent)) === sent,
      'every acknowledged flood point stored',
      30_000,
    );
    expect(p.ingest.counters.totals().duplicates).toBe(0);
    const metrics = await (await fetch(`${p.url}/metrics`)).text();
    const delayed = /^xiang_ingest_agent_rate_delayed_messages_total\{reason="points"\} (\d+)/m.exec(metrics);
    expect(Number(delayed?.[1] ?? 0), 'delays counted in /metrics').toBeGreaterThan(0);
    await flooder.end();
    await steady.end();
  }, 180_000);
});
