import type { Birth } from '@xiang/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent } from '../../edge-agent/src/index.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { opcuaAgentConfig } from './helpers/agent-config.js';
import { startTestOpcuaServer, type TestOpcuaServer, type TestVariable } from './helpers/opcua-server.js';
import { UplinkSubscriber } from './helpers/subscriber.js';

const vars: TestVariable[] = Array.from({ length: 10 }, (_, i) => ({
  deviceId: `M${i + 1}`,
  key: 'activePower',
}));
const OUTAGE_MS = 30_000;

describe('broker outage of 30 s (Mosquitto stopped, started again on the same port)', () => {
  let mq: Service | null = null;
  let server: TestOpcuaServer | null = null;
  let agent: Agent | null = null;
  let sub: UplinkSubscriber | null = null;
  afterAll(async () => {
    await agent?.stop();
    await sub?.stop();
    await server?.dispose();
    await mq?.dispose();
  });

  it('queues on disk, replays in order as historical at a bounded rate while live data flows, loses nothing', async (ctx) => {
    mq = await startMosquitto();
    if (!mq) return ctx.skip();
    if (!mq.controllable) return ctx.skip();
    const broker = mq;
    server = await startTestOpcuaServer({ variables: vars, tickMs: 50 });
    sub = new UplinkSubscriber(broker.url);
    await sub.start();
    // 10 variables × 20/s = 200 values/s; a 30 s backlog is ~6000 values, replayed at 1500/s (≈4 s).
    agent = await startAgent(opcuaAgentConfig(broker.url, server, { replay: { maxPointsPerSecond: 1500 } }));
    const a = agent;
    const s = sub;
    await waitFor(() => s.countFor('M1.activePower') >= 20, 'readings before the outage', 20_000);
    const firstSession = a.stats().uplink.sessionId;

    const downAt = Date.now();
    await broker.stop();
    await waitFor(() => !a.stats().uplink.connected, 'agent notices the outage', 30_000);
    // The outage lasts 30 s of wall time; meanwhile readings pile up in the on-disk queue.
    await waitFor(
      () => Date.now() - downAt >= OUTAGE_MS && a.stats().queue.points > 5000,
      '30 s outage with a backlog',
      OUTAGE_MS + 15_000,
      250,
    );
    const backlog = a.stats().queue.points;
    await broker.start();
    const upAt = Date.now();

    // Live data is not stuck behind the backlog: a live reading newer than the reconnect arrives while
    // the replay is still going.
    await waitFor(() => a.stats().uplink.connected, 'agent reconnects', 30_000);
    const liveSeen = await waitFor(
      () => s.readingsOf('M1.activePower').find((r) => r.ts > upAt && !r.historical),
      'a live reading after the reconnect',
      20_000,
    );
    expect(liveSeen.historical).toBe(false);
    expect(a.stats().uplink.replayedPoints).toBeLessThan(backlog);

    await waitFor(
      () => a.stats().uplink.replayedPoints >= backlog && !a.stats().uplink.replaying,
      'backlog replayed',
      60_000,
    );
    const replayMs = Date.now() - upAt;
    // Bounded rate: ≥ backlog / 1500 per second (allowing one second of burst).
    expect(replayMs).toBeGreaterThanOrEqual(((backlog - 1500) / 1500) * 1000);

    // Readings from the outage window arrived flagged historical; the new connection is a new session.
    const during = s.readingsOf('M1.activePower').filter((r) => r.ts > downAt + 2000 && r.ts < upAt - 2000);
    expect(during.length).toBeGreaterThan(300);
    expect(during.every((r) => r.historical)).toBe(true);
    expect(a.stats().uplink.sessionId).not.toBe(firstSession);
    expect(a.stats().uplink.reconnections).toBeGreaterThanOrEqual(1);

    // Each session's messages: birth (seq 0) first, then seq 1, 2, 3… with no gap.
    const bySession = new Map<string, number[]>();
    for (const e of s.events) {
      if (!e.sessionId || e.seq === undefined) continue;
      bySession.set(e.sessionId, [...(bySession.get(e.sessionId) ?? []), e.seq]);
    }
    for (const [sid, seqs] of bySession) {
      const uniq = [...new Set(seqs)];
      expect(uniq[0], `session ${sid} starts with its birth`).toBe(0);
      const sorted = [...uniq].sort((x, y) => x - y);
      expect(sorted, `session ${sid} has no seq gap`).toEqual(sorted.map((_, i) => i));
    }

    // The new session's birth names the one it supersedes and the highest seq the broker acknowledged there
    // (the platform refuses anything of that session above it: platform/docs/ingest.md).
    const second = a.stats().uplink.sessionId;
    const birth = s.events.find((e) => e.kind === 'birth' && e.sessionId === second)?.raw as Birth;
    const firstSeqs = bySession.get(firstSession) ?? [];
    expect(birth.previous?.sessionId).toBe(firstSession);
    expect(birth.previous?.lastSeq).toBeGreaterThan(0);
    expect(birth.previous?.lastSeq).toBeLessThanOrEqual(Math.max(...firstSeqs));

    await a.stop();
    const counts = a.metricCounts();
    for (const [name, c] of Object.entries(counts)) {
      await waitFor(
        () => s.countFor(name) === c.takenIn - c.dropped,
        `${name}: all ${c.takenIn} values at the subscriber`,
        30_000,
      );
    }
    expect(s.errors).toEqual([]);
    agent = null;
  });
});
