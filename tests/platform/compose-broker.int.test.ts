import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentUser, PLATFORM_USER, setupDeployment } from '../../deploy/setup.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { type Daemon, findBinary, spawnDaemon } from '../harness/process.js';
import { onCI } from '../harness/services.js';

/**
 * The compose broker as shipped: deploy/mosquitto/mosquitto.conf with the files `deploy/setup.ts` generates,
 * on a real Mosquitto (paths and ports moved to a temp dir and loopback). No anonymous client gets in on
 * either listener, the generated passwords (Mosquitto's `$7$` PBKDF2 format) and ACL work, and the TLS
 * listener presents a certificate that verifies against the generated CA for the name "localhost".
 */
const root = path.resolve(import.meta.dirname, '../..');
const bin = findBinary('mosquitto');
if (!bin && onCI()) throw new Error('mosquitto is required on CI');
let dir = '';
let daemon: Daemon | null = null;
let plainPort = 0;
let tlsPort = 0;
let secrets = '';

beforeAll(async () => {
  if (!bin) return;
  dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-compose-broker-'));
  secrets = path.join(dir, 'secrets');
  setupDeployment({ dir: secrets, factoryId: 'F1', agentId: 'edge-01' });
  plainPort = await freePort();
  tlsPort = await freePort();
  const shipped = await readFile(path.join(root, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
  const conf = shipped
    .replaceAll('/mosquitto/secrets/', `${secrets}/mosquitto/`)
    .replaceAll('/mosquitto/data/', `${dir}/`)
    .replace(/^listener 1883$/m, `listener ${plainPort} 127.0.0.1`)
    .replace(/^listener 8883$/m, `listener ${tlsPort} 127.0.0.1`);
  expect(conf).not.toMatch(/^listener (1883|8883)$/m);
  const file = path.join(dir, 'mosquitto.conf');
  // Started as root, mosquitto would drop to user "mosquitto", which cannot write into this temp dir.
  await writeFile(file, `${conf}\nuser ${os.userInfo().username}\nlog_dest stdout\n`);
  daemon = spawnDaemon(bin, ['-c', file]);
  await waitForPort(plainPort);
  await waitForPort(tlsPort);
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const password = async (name: string) =>
  (await readFile(path.join(secrets, 'passwords', name), 'utf8')).trim();

/** Connects once; resolves with the CONNACK result ("ok") or the error's code/message. Bounded by a timeout. */
async function tryConnect(opts: mqtt.IClientOptions): Promise<string> {
  const client = mqtt.connect({ reconnectPeriod: 0, connectTimeout: 5_000, protocolVersion: 5, ...opts });
  try {
    return await new Promise<string>((resolve) => {
      client.once('connect', () => resolve('ok'));
      client.once('error', (e) => resolve(String((e as { code?: unknown }).code ?? e.message)));
      client.once('close', () => resolve('closed'));
    });
  } finally {
    client.end(true);
  }
}

describe.skipIf(!bin)('compose Mosquitto (deploy/mosquitto/mosquitto.conf + deploy/setup.ts)', () => {
  it('refuses anonymous clients on the plain and on the TLS listener', async () => {
    const ca = await readFile(path.join(secrets, 'mosquitto/ca.crt'));
    expect(await tryConnect({ host: '127.0.0.1', port: plainPort })).not.toBe('ok');
    expect(
      await tryConnect({ protocol: 'mqtts', host: 'localhost', port: tlsPort, ca, rejectUnauthorized: true }),
    ).not.toBe('ok');
  });

  it('lets the generated users in with their generated passwords, and nobody with a wrong one', async () => {
    const pw = await password('mqtt-platform');
    expect(
      await tryConnect({ host: '127.0.0.1', port: plainPort, username: PLATFORM_USER, password: pw }),
    ).toBe('ok');
    expect(
      await tryConnect({ host: '127.0.0.1', port: plainPort, username: PLATFORM_USER, password: `${pw}x` }),
    ).not.toBe('ok');
  });

  it('serves TLS with a certificate that verifies against the generated CA (and not without it)', async () => {
    const ca = await readFile(path.join(secrets, 'mosquitto/ca.crt'));
    const auth = { username: agentUser('F1', 'edge-01'), password: await password('mqtt-F1.edge-01') };
    const tls = { protocol: 'mqtts' as const, host: 'localhost', port: tlsPort, rejectUnauthorized: true };
    expect(await tryConnect({ ...tls, ...auth, ca })).toBe('ok');
    expect(await tryConnect({ ...tls, ...auth })).not.toBe('ok');
    // The certificate names the compose service and localhost, and is signed by the CA.
    const text = execFileSync('openssl', [
      'x509',
      '-noout',
      '-text',
      '-in',
      path.join(secrets, 'mosquitto.crt'),
    ]);
    expect(String(text)).toMatch(/DNS:mosquitto, DNS:localhost, IP Address:127\.0\.0\.1/);
  });

  it('keeps the CA, certificates and passwords on a second run (only derived files are rewritten)', async () => {
    const before = await Promise.all(
      ['ca.crt', 'ca.key', 'mosquitto.key', 'passwords/mqtt-platform'].map((f) =>
        readFile(path.join(secrets, f)),
      ),
    );
    setupDeployment({ dir: secrets, factoryId: 'F1', agentId: 'edge-01' });
    const after = await Promise.all(
      ['ca.crt', 'ca.key', 'mosquitto.key', 'passwords/mqtt-platform'].map((f) =>
        readFile(path.join(secrets, f)),
      ),
    );
    expect(after).toEqual(before);
  });
});

const passwdBin = findBinary('mosquitto_passwd');
describe.skipIf(!passwdBin)('platform/docs/examples/add-agent.sh', () => {
  it('reads the password from stdin and never puts it on a command line', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'xiang-add-agent-'));
    try {
      // A mosquitto_passwd first on PATH that records its arguments, then runs the real one.
      const fakeBin = path.join(work, 'bin');
      execFileSync('mkdir', [fakeBin]);
      const argvLog = path.join(work, 'argv.log');
      await writeFile(
        path.join(fakeBin, 'mosquitto_passwd'),
        `#!/bin/sh\necho "$@" >> ${argvLog}\nexec ${passwdBin} "$@"\n`,
        { mode: 0o755 },
      );
      const passwd = path.join(work, 'passwd');
      const acl = path.join(work, 'acl');
      const secret = 'edge-s3cret-7f3a';
      execFileSync(
        'sh',
        [path.join(root, 'platform/docs/examples/add-agent.sh'), 'F1', 'edge-01', passwd, acl],
        {
          input: `${secret}\n`,
          env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      const argv = await readFile(argvLog, 'utf8');
      expect(argv).toContain('F1.edge-01');
      expect(argv).not.toContain(secret);
      expect(await readFile(passwd, 'utf8')).toMatch(/^F1\.edge-01:\$7\$/m);
      expect(await readFile(acl, 'utf8')).toContain('topic write xiang/v1/F1/edge-01/data');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
