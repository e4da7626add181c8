import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AgentRateLimiter, countPoints } from './agent-rate.js';

const batch = (n: number) =>
  Buffer.from(
    JSON.stringify({ sessionId: 's', seq: 1, points: Array.from({ length: n }, (_, i) => [0, i, i]) }),
  );

describe('per-agent ingest budget', () => {
  it('counts the point tuples of a data payload without parsing it', () => {
    for (const n of [0, 1, 7, 500]) expect(countPoints(batch(n))).toBe(n);
  });

  it('an agent within its burst waits for nothing; beyond it each message waits its cost at the budget', () => {
    let now = 0;
    const r = new AgentRateLimiter(
      { agentPointsPerSecond: 1000, agentMessagesPerSecond: 100, agentBurstSeconds: 2 },
      undefined,
      () => now,
    );
    const t = 'xiang/v1/F1/A1/data';
    expect(r.delayMs(t, batch(1000))).toBe(0);
    expect(r.delayMs(t, batch(1000))).toBe(0); // 2 s of burst used up
    expect(r.delayMs(t, batch(500))).toBe(500);
    expect(r.delayMs(t, batch(500))).toBe(1000); // queued behind the previous one
    now = 1000;
    expect(r.delayMs(t, batch(0))).toBe(0); // 1 s later the deficit is paid
    // Another agent has its own budget; births and other topics are not budgeted.
    expect(r.delayMs('xiang/v1/F1/A2/data', batch(2000))).toBe(0);
    expect(r.delayMs('xiang/v1/F1/A1/birth', batch(100_000))).toBe(0);
  });

  it('messages/s is a budget too, and /metrics counts the delays by reason', async () => {
    const prom = new Registry();
    const r = new AgentRateLimiter(
      { agentPointsPerSecond: 1_000_000, agentMessagesPerSecond: 10, agentBurstSeconds: 1 },
      prom,
      () => 0,
    );
    const waits = Array.from({ length: 12 }, () => r.delayMs('xiang/v1/F1/A1/data', batch(1)));
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(waits.slice(10)).toEqual([100, 200]);
    const text = await prom.metrics();
    expect(text).toMatch(/xiang_ingest_agent_rate_delayed_messages_total\{reason="messages"\} 2/);
    expect(text).toMatch(/xiang_ingest_agent_rate_delay_seconds_total 0\.3/);
  });
});
