import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent } from '../../edge-agent/src/index.js';
import { checkOpcua } from '../../edge-agent/src/sources/opcua/check.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { opcuaAgentConfig } from './helpers/agent-config.js';
import { startTestOpcuaServer, type TestOpcuaServer } from './helpers/opcua-server.js';
import { UplinkSubscriber } from './helpers/subscriber.js';

describe('OPC UA security: SignAndEncrypt + Basic256Sha256 + username, server certificate trust', () => {
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

  it('refuses an unknown server certificate with a clear message, then works once it is trusted', async (ctx) => {
    mq = await startMosquitto();
    if (!mq) return ctx.skip();
    server = await startTestOpcuaServer({
      variables: [{ deviceId: 'M1', key: 'activePower' }],
      secure: true,
      users: { operator: 's3cret' },
      tickMs: 100,
    });
    const secure = {
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
      user: { type: 'username', username: 'operator', password: 's3cret' },
    };
    const cfg = opcuaAgentConfig(mq.url, server, {}, secure);
    const src = cfg.sources[0]!;
    if (src.type !== 'opcua') throw new Error('opcua source expected');
    const pki = src.pki.dir!;

    // 1. Unknown server certificate: refused by default, saved under rejected/, message says what to do.
    const [refused] = await checkOpcua(src);
    expect(refused!.ok).toBe(false);
    expect(refused!.detail).toMatch(/server certificate .* is not trusted/);
    expect(refused!.detail).toContain(path.join(pki, 'rejected'));
    const rejected = readdirSync(path.join(pki, 'rejected')).filter(
      (f) => f.endsWith('.pem') || f.endsWith('.der'),
    );
    expect(rejected.length).toBe(1);

    // 2. The running agent keeps retrying with backoff and reports the same reason.
    sub = new UplinkSubscriber(mq.url);
    await sub.start();
    agent = await startAgent(cfg);
    const a = agent;
    await waitFor(
      () => /not trusted/.test(a.stats().sources[0]?.lastError ?? ''),
      'agent reports the untrusted certificate',
      20_000,
    );
    expect(a.stats().sources[0]?.connected).toBe(false);

    // 3. An operator trusts it (moves it to trusted/certs): the agent connects on its next attempt.
    mkdirSync(path.join(pki, 'trusted', 'certs'), { recursive: true });
    renameSync(path.join(pki, 'rejected', rejected[0]!), path.join(pki, 'trusted', 'certs', rejected[0]!));
    await waitFor(() => a.stats().sources[0]?.connected, 'secure session established', 40_000);
    const s = sub;
    await waitFor(() => s.countFor('M1.activePower') >= 5, 'values over the encrypted session', 20_000);
    for (const r of s.readingsOf('M1.activePower'))
      expect(r.value).toBe(server.valueAt('M1.activePower', r.ts)?.value);

    // 4. A wrong password is refused with a message naming the identity problem.
    const badUser = { ...src, user: { type: 'username' as const, username: 'operator', password: 'wrong' } };
    const [denied] = await checkOpcua(badUser);
    expect(denied!.ok).toBe(false);
    expect(denied!.detail).toMatch(/refused the user identity|BadUserAccessDenied|BadIdentityTokenRejected/);
  });
});
