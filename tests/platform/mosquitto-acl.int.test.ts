import { execFileSync } from 'node:child_process';
import { chmod, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { topicFor } from '@xiang/protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningPlatform } from '../../platform/src/main.js';
import { waitFor } from '../harness/ports.js';
import { findBinary } from '../harness/process.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { fixtureBirth, T0 } from './fixtures.js';
import { PlatformHarness, series } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * The documented Mosquitto setup (platform/docs/examples/xiang.acl, password file per agent) on a real
 * broker: an agent can publish only as itself, never into another factory's topics.
 */
const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../platform/docs/examples');
const h = new PlatformHarness();
const passwdBin = findBinary('mosquitto_passwd');
const users = { 'xiang-platform': 'platform-secret', 'F1.edge-01': 'f1-secret', 'F2.edge-01': 'f2-secret' };

let broker: Service | null = null;
if (passwdBin) {
  const dir = await h.tempDir('xiang-acl-');
  const passwd = path.join(dir, 'xiang.passwd');
  for (const [u, pw] of Object.entries(users)) {
    execFileSync(passwdBin, [...(u === 'xiang-platform' ? ['-c'] : []), '-b', passwd, u, pw]);
  }
  const acl = path.join(dir, 'xiang.acl');
  await copyFile(path.join(EXAMPLES, 'xiang.acl'), acl);
  // Mosquitto started as root drops to the "mosquitto" user before it reads these files.
  await chmod(dir, 0o755);
  await chmod(passwd, 0o644);
  await chmod(acl, 0o644);
  broker = await startMosquitto({
    allowAnonymous: false,
    extraConfig: [`password_file ${passwd}`, `acl_file ${acl}`],
  });
} else {
  console.warn('[xiang-tests] mosquitto_passwd not found: the Mosquitto ACL suite is skipped');
}

describe.skipIf(!broker)('Mosquitto ACL from platform/docs/examples', () => {
  let p: RunningPlatform;
  const agents: TestAgent[] = [];
  beforeAll(async () => {
    p = await h.start(broker!.url, await h.tempDir(), {
      mqtt: { username: 'xiang-platform', password: users['xiang-platform'] },
    });
    await waitFor(() => p.ingest.ready(), 'platform subscribed with its credentials');
  });
  afterAll(async () => {
    for (const a of agents) await a.end().catch(() => {});
    await h.dispose();
    await broker?.dispose();
  });

  it('an agent publishes as itself; it cannot publish into another factory or read its commands', async () => {
    const a = await TestAgent.connect(broker!.url, {
      factoryId: 'F1',
      agentId: 'edge-01',
      username: 'F1.edge-01',
      password: users['F1.edge-01'],
    });
    agents.push(a);
    await a.birth();
    await a.data([[0, T0, 1]]);
    await waitFor(
      async () => (await p.store.countPoints(series('F1', 'M0', 'activePower'), T0, T0 + 1)) === 1,
      'own data stored',
    );

    // Into another factory's topics: Mosquitto answers the QoS 1 PUBLISH with reason code 135 (Not authorized).
    const intoF2 = (kind: 'birth' | 'data', body: unknown) =>
      a.client.publishAsync(topicFor(kind, 'F2', 'edge-01'), JSON.stringify(body), { qos: 1 });
    await expect(intoF2('birth', fixtureBirth('forged-session-1'))).rejects.toThrow(/Not authorized|135/i);
    await expect(
      intoF2('data', { sessionId: 'forged-session-1', seq: 1, points: [[0, T0, 666]] }),
    ).rejects.toThrow(/Not authorized|135/i);
    // …nor as another agent of its own factory.
    await expect(a.client.publishAsync(topicFor('data', 'F1', 'edge-02'), '{}', { qos: 1 })).rejects.toThrow(
      /Not authorized|135/i,
    );
    // Mosquitto 2 accepts the subscription but never delivers what the ACL does not let it read.
    const seen: string[] = [];
    a.client.on('message', (topic) => seen.push(topic));
    await a.client.subscribeAsync(topicFor('cmd', 'F2', 'edge-01'), { qos: 1 });
    const b = await TestAgent.connect(broker!.url, {
      factoryId: 'F2',
      agentId: 'edge-01',
      username: 'F2.edge-01',
      password: users['F2.edge-01'],
    });
    agents.push(b);
    p.ingest.mqtt!.publishCommand('F2', 'edge-01', { command: 'rebirth', reason: 'acl test' });
    await waitFor(() => b.commands.length === 1, 'F2 agent gets its command');
    // Commands reach each client in publish order, so once F1's own arrives, F2's would have arrived before it.
    p.ingest.mqtt!.publishCommand('F1', 'edge-01', { command: 'rebirth', reason: 'acl test' });
    await waitFor(() => a.commands.length === 1, 'F1 agent gets its own command');
    expect(seen).toEqual([topicFor('cmd', 'F1', 'edge-01')]);

    // A last good message proves the connection lived on and everything before it was handled.
    await a.data([[0, T0 + 1, 2]]);
    await waitFor(
      async () => (await p.store.countPoints(series('F1', 'M0', 'activePower'), T0, T0 + 2)) === 2,
      'later data stored',
    );
    expect(p.registry.factory('F2')).toBeUndefined();
    expect(p.ingest.parking.count()).toBe(0);
    expect(p.ingest.deadLetters.count()).toBe(0);
  });

  it('anonymous clients and wrong passwords are refused', async () => {
    const connect = (o: mqtt.IClientOptions) =>
      mqtt.connectAsync(broker!.url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...o });
    await expect(connect({ clientId: 'anon' })).rejects.toThrow(
      /Not authorized|Bad User Name or Password|135|134/i,
    );
    await expect(connect({ clientId: 'wrong', username: 'F1.edge-01', password: 'nope' })).rejects.toThrow(
      /Not authorized|Bad User Name or Password|135|134/i,
    );
  });
});
