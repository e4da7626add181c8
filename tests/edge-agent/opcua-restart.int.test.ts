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

describe('OPC UA server restart (stop, start again on the same port)', () => {
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

  it('reconnects, re-creates the subscription, reports devices offline/online and loses no reading', async (ctx) => {
    mq = await startMosquitto();
    if (!mq) return ctx.skip();
    server = await startTestOpcuaServer({ variables: vars, tickMs: 50 });
    sub = new UplinkSubscriber(mq.url);
    await sub.start();
    agent = await startAgent(opcuaAgentConfig(mq.url, server));
    const s = sub;
    const srv = server;
    await waitFor(() => s.countFor('M1.activePower') >= 20, 'readings before the restart', 20_000);

    const restartAt = Date.now();
    await srv.stop();
    expect(srv.server).toBeNull();
    await waitFor(
      () =>
        s.events.some(
          (e) =>
            e.kind === 'status' &&
            (e.raw as { devices: Array<{ online: boolean }> }).devices.some((d) => !d.online),
        ),
      'devices reported offline',
      20_000,
    );
    await srv.start(); // same port, same certificate, fresh address space
    const afterRestart = () => s.readingsOf('M1.activePower').filter((r) => r.ts > restartAt).length;
    await waitFor(() => afterRestart() >= 20, 'readings after the server came back', 60_000);
    for (const v of vars) {
      await waitFor(
        () => s.readingsOf(`${v.deviceId}.activePower`).some((r) => r.ts > restartAt),
        `${v.deviceId} after restart`,
        10_000,
      );
    }
    const st = agent.stats().sources[0]!;
    expect(st.reconnections).toBeGreaterThanOrEqual(1);
    expect(st.connected).toBe(true);
    // No session leak: the restarted server holds exactly the agent's one session.
    expect(srv.server?.engine.currentSessionCount).toBe(1);
    await waitFor(
      () =>
        s.events.some(
          (e) =>
            e.kind === 'status' &&
            (e.raw as { devices: Array<{ online: boolean; id: string }> }).devices.some(
              (d) => d.online && d.id === 'M1',
            ) &&
            (e.raw as { timestamp: number }).timestamp > restartAt,
        ),
      'devices reported online again',
      10_000,
    );

    await agent.stop();
    const counts = agent.metricCounts();
    for (const [name, c] of Object.entries(counts)) {
      await waitFor(
        () => s.countFor(name) === c.takenIn - c.dropped,
        `${name}: ${c.takenIn} values at the subscriber`,
        15_000,
      );
      // Values are the server's at their source timestamps.
      for (const r of s.readingsOf(name)) expect(r.value).toBe(srv.valueAt(name, r.ts)?.value);
    }
    expect(s.errors).toEqual([]);
    agent = null;
  });
});
