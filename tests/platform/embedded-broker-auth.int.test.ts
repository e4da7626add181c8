import { topicFor } from '@xiang/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aclFor, type BrokerUser, hashPassword } from '../../platform/src/broker/acl.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../platform/src/broker/embedded.js';
import type { RunningPlatform } from '../../platform/src/main.js';
import { waitFor } from '../harness/ports.js';
import { T0 } from './fixtures.js';
import { PlatformHarness, series } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * The embedded broker of `npm start` with users and the ACL of platform/docs/mosquitto-acl.md, driven by real
 * MQTT 3.1.1 clients and a real platform: anonymous clients can neither publish nor subscribe, wrong passwords
 * are refused, an agent cannot publish or read another agent's topics (issue 8 item 2), and the platform
 * still ingests the agents' own data.
 */
const h = new PlatformHarness();
const pw = { 'xiang-platform': 'platform-pw', 'F1.A1': 'a1-pw', 'F1.A2': 'a2-pw' };
let broker: EmbeddedBroker;
let platform: RunningPlatform;
const refusals: string[] = [];
const clients: MqttClient[] = [];

async function connect(username?: string, password?: string, will?: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...(username ? { username, password: password ?? '' } : {}),
    ...(will ? { will: { topic: will, payload: Buffer.from('{}'), qos: 1 as const, retain: false } } : {}),
  });
  clients.push(c);
  return c;
}
const refusedConnect = async (...args: Parameters<typeof connect>) =>
  connect(...args).then(
    () => 'connected',
    (e: Error) => e.message,
  );

beforeAll(async () => {
  const users: BrokerUser[] = [
    {
      username: 'xiang-platform',
      passwordHash: await hashPassword(pw['xiang-platform']),
      ...aclFor.platform(),
    },
    { username: 'F1.A1', passwordHash: await hashPassword(pw['F1.A1']), ...aclFor.agent('F1', 'A1') },
    { username: 'F1.A2', passwordHash: await hashPassword(pw['F1.A2']), ...aclFor.agent('F1', 'A2') },
  ];
  broker = await startEmbeddedBroker({ users, onRefusal: (r) => refusals.push(`${r.kind}: ${r.detail}`) });
  platform = await h.start(broker.url, await h.tempDir(), {
    mqtt: { protocolVersion: 4, username: 'xiang-platform', password: pw['xiang-platform'] },
  });
  await waitFor(() => platform.ingest.ready(), 'platform subscribed with its credentials');
});
afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => {});
  await h.dispose();
  await broker?.close();
});

describe('embedded broker with credentials and per-agent ACL', () => {
  it('refuses anonymous and wrong-password clients, and a Will on another agent’s topic', async () => {
    expect(await refusedConnect()).toMatch(/Not authorized/);
    expect(await refusedConnect('F1.A1', 'wrong')).toMatch(/Bad username or password/);
    expect(await refusedConnect('nobody', 'x')).toMatch(/Bad username or password/);
    expect(await refusedConnect('F1.A1', pw['F1.A1'], topicFor('death', 'F1', 'A2'))).toMatch(
      /Not authorized/,
    );
    expect(refusals.filter((r) => r.startsWith('connect:'))).toHaveLength(4);
  });

  it('stores an agent’s own data; its publish on another agent’s topic is dropped with its connection', async () => {
    const a1 = await TestAgent.connect(broker.url, {
      factoryId: 'F1',
      agentId: 'A1',
      username: 'F1.A1',
      password: pw['F1.A1'],
      protocolVersion: 4,
    });
    await a1.birth();
    await a1.data([[0, T0, 10.5]]);
    const m0 = series('F1', 'M0', 'activePower');
    await waitFor(async () => (await platform.store.countPoints(m0, T0, T0 + 1)) === 1, 'A1 data stored');

    // A1's credentials, A2's topic: the broker closes the connection and delivers nothing.
    const rogue = await connect('F1.A1', pw['F1.A1']);
    const closed = new Promise<void>((resolve) => rogue.once('close', () => resolve()));
    rogue.publish(
      topicFor('data', 'F1', 'A2'),
      JSON.stringify({ sessionId: 'forged-session-1', seq: 1, points: [[0, T0 + 1000, -999]] }),
      { qos: 1 },
    );
    rogue.publish(topicFor('birth', 'F1', 'A2'), '{}', { qos: 1 });
    await closed;
    // A marker through the legitimate path after the refusal: once it is in, the forged message would be too.
    await a1.data([[0, T0 + 2000, 11]]);
    await waitFor(async () => (await platform.store.countPoints(m0, T0, T0 + 3000)) === 2, 'marker stored');
    expect((await platform.store.raw(m0, T0, T0 + 3000)).map((p) => p.value)).toEqual([10.5, 11]);
    expect(platform.registry.device('F1', 'M0')?.agentId).toBe('A1');
    expect(refusals.some((r) => r.includes('may not publish to xiang/v1/F1/A2/data'))).toBe(true);
    await a1.end();
  });

  it('an agent can read only its own command topic; a wildcard subscription is refused', async () => {
    const spy = await connect('F1.A1', pw['F1.A1']);
    // mqtt.js turns a SUBACK failure code (0x80) into a "Subscribe error".
    const outcome = (f: string) =>
      spy.subscribeAsync(f, { qos: 1 }).then(
        (g) => `granted qos ${g[0]?.qos}`,
        (e: Error) => e.message,
      );
    for (const f of ['xiang/#', '#', topicFor('cmd', 'F1', 'A2')])
      expect(await outcome(f)).toMatch(/Subscribe error/);
    expect(await outcome(topicFor('cmd', 'F1', 'A1'))).toBe('granted qos 1');
    const seen: string[] = [];
    spy.on('message', (t) => seen.push(t));
    const a2 = await connect('F1.A2', pw['F1.A2']);
    const a2Got: string[] = [];
    a2.on('message', (t) => a2Got.push(t));
    await a2.subscribeAsync(topicFor('cmd', 'F1', 'A2'), { qos: 1 });
    // The platform (its user may write command topics) commands both agents.
    const p = await connect('xiang-platform', pw['xiang-platform']);
    await p.publishAsync(topicFor('cmd', 'F1', 'A2'), '{"command":"rebirth"}', { qos: 1 });
    await p.publishAsync(topicFor('cmd', 'F1', 'A1'), '{"command":"rebirth"}', { qos: 1 });
    await waitFor(() => a2Got.length === 1 && seen.length === 1, 'each agent got its own command');
    expect(seen).toEqual([topicFor('cmd', 'F1', 'A1')]);
    // An agent may not write commands, nor read the uplink of others.
    expect(refusals.filter((r) => r.startsWith('subscribe:'))).toHaveLength(3);
  });

  it('counts what was refused', () => {
    const r = broker.refusals();
    expect(r.connect).toBeGreaterThanOrEqual(4);
    expect(r.publish).toBeGreaterThanOrEqual(1);
    expect(r.subscribe).toBeGreaterThanOrEqual(3);
  });
});
