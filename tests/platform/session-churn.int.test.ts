import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent, validateConfig } from '../../edge-agent/src/index.js';
import type { RunningPlatform } from '../../platform/src/main.js';
import { tempDataDir } from '../edge-agent/helpers/agent-config.js';
import { waitFor } from '../harness/ports.js';
import { startMosquitto } from '../harness/services.js';
import { fixtureBirth, T0 } from './fixtures.js';
import { api, PlatformHarness, series } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * Issue 8 over a real Mosquitto: a rebirth in the middle of a session (a new MQTT device appears at run time),
 * a platform that starts after the agent, forged data from an unknown client, and an agent taking over
 * another agent's devices. Every value the real agent got a PUBACK for must be stored exactly once.
 */
const broker = await startMosquitto();
const h = new PlatformHarness();
const clients: { end(): Promise<unknown> | unknown }[] = [];
type Totals = {
  totals: { duplicates: number; pointsStored: number; rejectedPoints: Record<string, number> };
};

function edgeAgent(url: string, factoryId: string): Promise<Agent> {
  return startAgent(
    validateConfig({
      factoryId,
      agentId: 'edge1',
      dataDir: tempDataDir(),
      uplink: { url, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 } },
      batching: { maxPoints: 5, maxDelayMs: 20 },
      health: { port: 0, logIntervalS: 0 },
      logLevel: 'silent',
      sources: [
        {
          type: 'mqtt',
          name: 'meters',
          broker: { url },
          subscriptions: [
            {
              topic: `plant/${factoryId}/+device`,
              deviceId: '{device}',
              timestamp: { path: '$.ts', format: 'epochMs' },
              device: { kind: 'meter', medium: 'electricity', assetPath: 'WS1' },
              values: [{ path: '$.p', key: 'activePower', quantity: 'activePower', unit: 'kW' }],
            },
          ],
        },
      ],
    }),
  );
}

async function device(url: string): Promise<(topic: string, ts: number, p: number) => Promise<void>> {
  const c: MqttClient = connect(url, {
    protocolVersion: 5,
    clientId: `dev-${Math.random().toString(36).slice(2)}`,
  });
  clients.push({ end: () => c.endAsync(true) });
  await new Promise<void>((r) => c.once('connect', () => r()));
  return async (topic, ts, p) => {
    await c.publishAsync(topic, JSON.stringify({ ts, p }), { qos: 1 });
  };
}

describe.skipIf(!broker)('session churn over a real Mosquitto (issue 8)', () => {
  let p: RunningPlatform;
  const count = (f: string, d: string) => p.store.countPoints(series(f, d, 'activePower'), T0 - 1, T0 + 1e9);
  beforeAll(async () => {
    p = await h.start(broker!.url, await h.tempDir(), { ingest: { rebirthMaxPerMinute: 3 } });
    await waitFor(() => p.ingest.ready(), 'platform subscribed', 15_000);
  });
  afterAll(async () => {
    for (const c of clients) await c.end();
    await h.dispose();
    await broker?.dispose();
  });

  it('a new MQTT device at run time makes the agent rebirth; no value is lost, none counted duplicate', async () => {
    const agent = await edgeAgent(broker!.url, 'FR');
    clients.push({ end: () => agent.stop() });
    const pub = await device(broker!.url);
    await waitFor(() => agent.stats().sources[0]?.connected, 'MQTT source connected', 10_000);
    for (let k = 0; k < 10; k++) await pub('plant/FR/A', T0 + k * 1000, k);
    await waitFor(async () => (await count('FR', 'A')) === 10, 'A 0–9 stored', 15_000);
    const birthsBefore = agent.stats().uplink.births;
    for (let k = 10; k < 18; k++) {
      await pub('plant/FR/A', T0 + k * 1000, k);
      await pub('plant/FR/B', T0 + k * 1000, k); // B is new: the agent rebirths mid-session
      await pub('plant/FR/C', T0 + k * 1000, k);
    }
    await waitFor(
      async () =>
        (await count('FR', 'A')) === 18 && (await count('FR', 'B')) === 8 && (await count('FR', 'C')) === 8,
      'A 10–17, all of B and C stored',
      20_000,
    );
    expect(agent.stats().uplink.births).toBeGreaterThan(birthsBefore);
    const s = await api<Totals>(p, h.adminToken, '/api/v1/ingest/stats');
    expect(s.totals.duplicates).toBe(0);
    // The agent speaks the new rule: its rebirth carried the session's next seq (no legacy restart at 0).
    const session = p.ingest.sessions.get('FR', 'edge1', agent.stats().uplink.sessionId);
    expect(session).toMatchObject({ legacy: false, birthSeen: true });
    expect(session!.lastBirthSeq).toBeGreaterThan(0);
  });

  it('a platform started after the agent parks what precedes the birth, asks once, and stores everything', async () => {
    const late = await h.tempDir();
    const agent = await edgeAgent(broker!.url, 'FL');
    clients.push({ end: () => agent.stop() });
    const pub = await device(broker!.url);
    await waitFor(() => agent.stats().sources[0]?.connected, 'MQTT source connected', 10_000);
    await pub('plant/FL/A', T0, 0); // metric known, birth published while no platform listens for FL…
    await waitFor(() => agent.stats().uplink.publishedPoints >= 1, 'first point acknowledged', 10_000);
    // …by this platform: its own persistent session starts now, after the agent's birth.
    const q = await h.start(broker!.url, late, { mqtt: { clientId: 'platform-late' } });
    await waitFor(() => q.ingest.ready(), 'late platform subscribed', 15_000);
    for (let k = 1; k <= 40; k++) await pub('plant/FL/A', T0 + k * 1000, k);
    const stored = () => q.store.countPoints(series('FL', 'A', 'activePower'), T0 + 1, T0 + 1e9);
    await waitFor(async () => (await stored()) === 40, 'all 40 values after the late start stored', 20_000);
    expect(q.ingest.counters.totals()).toMatchObject({ duplicates: 0 });
    await q.stop();
  });

  it('forged data on a real agent topic is never stored; rebirths of the real agent stay bounded', async () => {
    const real = await TestAgent.connect(broker!.url, { factoryId: 'FF', agentId: 'A1', autoRebirth: true });
    const rogue = await TestAgent.connect(broker!.url, { factoryId: 'FF', agentId: 'A1', will: false });
    clients.push(real, rogue);
    await real.birth();
    await real.data([[2, T0, 10.5]]);
    for (let n = 0; n < 10; n++)
      await rogue.data(
        [
          [2, T0, -999],
          [0, T0 + n, -999],
        ],
        { sessionId: `forged-${n}-session` },
      );
    for (let k = 1; k <= 20; k++) await real.data([[0, T0 + 100_000 + k, k]]);
    await waitFor(async () => (await count('FF', 'M0')) === 20, "the real agent's 20 values stored", 15_000);
    const [m1] = await p.store.latest('FF', { deviceIds: ['M1'] });
    expect(m1?.value).toBe(10.5);
    expect(await p.store.countPoints(series('FF', 'M0', 'activePower'), T0, T0 + 10)).toBe(0);
    expect(real.commands.length).toBeLessThanOrEqual(3);
  });

  it("an agent cannot take over another agent's devices by publishing only on its own topics", async () => {
    const a1 = await TestAgent.connect(broker!.url, { factoryId: 'FT', agentId: 'A1' });
    const rogue = await TestAgent.connect(broker!.url, {
      factoryId: 'FT',
      agentId: 'rogue',
      birth: (s) => ({
        ...fixtureBirth(s),
        devices: [
          { id: 'M1', kind: 'meter', assetPath: 'WS1', medium: 'electricity', meterRole: 'equipment' },
        ],
        metrics: [{ ...fixtureBirth(s).metrics[2]!, i: 0 }],
      }),
    });
    clients.push(a1, rogue);
    await a1.birth();
    await a1.data([[2, T0, 10.5]]);
    await waitFor(async () => (await count('FT', 'M1')) === 1, 'M1 stored', 10_000);
    await rogue.birth();
    await rogue.data([[0, T0, 999]]);
    await rogue.publish('status', {
      sessionId: rogue.sessionId,
      seq: 2,
      timestamp: T0 + 5,
      devices: [{ id: 'M0', online: false }],
    });
    await waitFor(
      () => (p.ingest.counters.totals().refused.deviceNotOwned ?? 0) >= 2,
      'refusals counted',
      10_000,
    );
    await waitFor(
      () => (p.ingest.counters.totals().rejectedPoints.deviceNotOwned ?? 0) >= 1,
      'point refused',
      10_000,
    );
    expect(p.registry.device('FT', 'M1')).toMatchObject({ agentId: 'A1', meterRole: 'feeder' });
    expect(p.registry.device('FT', 'M0')?.online).toBe(true);
    const [m1] = await p.store.latest('FT', { deviceIds: ['M1'] });
    expect(m1?.value).toBe(10.5);
  });

  it('/metrics exports the event-loop delay, and it sees a blocked loop', async () => {
    const started = Date.now();
    while (Date.now() - started < 300) {
      // block the event loop for 300 ms on purpose
    }
    await new Promise((r) => setTimeout(r, 50)); // let the delay histogram record the late timer
    const text = await (await fetch(`${p.url}/metrics`)).text();
    const max = Number(/^xiang_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1]);
    expect(max).toBeGreaterThanOrEqual(0.25);
    expect(text).toMatch(/^xiang_nodejs_eventloop_lag_p99_seconds \S+$/m);
  });
});
