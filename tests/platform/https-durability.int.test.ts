import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { setupDeployment } from '../../deploy/setup.js';
import { ConfigError } from '../../platform/src/config/index.js';
import { startPlatform } from '../../platform/src/main.js';
import { PlatformHarness } from './platform-harness.js';

/**
 * The platform serving HTTPS with a certificate from deploy/setup.ts (on loopback), the startup guard
 * refusing plain HTTP on a non-loopback address, and `durability: power` reaching SQLite.
 * No broker is needed: ingest connects in the background and only /readyz depends on it.
 */
const h = new PlatformHarness();
afterAll(() => h.dispose());
const NO_BROKER = 'mqtt://127.0.0.1:1';

function get(url: string, ca?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, servername: 'localhost', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (b) => (body += b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('platform HTTPS and the startup guard', () => {
  it('serves HTTPS with a certificate signed by the generated CA, and no plain HTTP on that port', async () => {
    const dir = await h.tempDir('xiang-https-');
    setupDeployment({ dir: path.join(dir, 'secrets'), factoryId: 'F1', agentId: 'a1' });
    const p = await h.start(NO_BROKER, path.join(dir, 'data'), {
      http: {
        host: '127.0.0.1',
        port: 0,
        tls: {
          certFile: path.join(dir, 'secrets/platform/server.crt'),
          keyFile: path.join(dir, 'secrets/platform/server.key'),
        },
      },
    });
    expect(p.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(path.join(dir, 'secrets/ca.crt'));
    const port = new URL(p.url).port;
    const r = await get(`https://localhost:${port}/healthz`, ca);
    expect(r.status).toBe(200);
    // Without the CA the certificate is not trusted (it is the local CA's, not a public one).
    await expect(get(`https://localhost:${port}/healthz`)).rejects.toThrow(
      /self[- ]signed|unable to verify|certificate/i,
    );
    // Plain HTTP on the HTTPS port gets no HTTP answer.
    const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (res) => res.status,
      () => 'refused',
    );
    expect(plain === 'refused' || plain === 400).toBe(true);
    await p.stop();
  });

  it('names an unreadable certificate file', async () => {
    const dir = await h.tempDir('xiang-https-missing-');
    await expect(
      startPlatform({
        dataDir: dir,
        logLevel: 'silent',
        mqtt: { url: NO_BROKER },
        http: {
          host: '127.0.0.1',
          port: 0,
          tls: { certFile: `${dir}/nope.crt`, keyFile: `${dir}/nope.key` },
        },
      }),
    ).rejects.toThrow(/http\.tls\.certFile: cannot read .*nope\.crt: ENOENT/);
  });

  it('refuses to start on a non-loopback address without TLS (before opening anything)', async () => {
    const dir = await h.tempDir('xiang-insecure-');
    const start = startPlatform({
      dataDir: `${dir}/data`,
      logLevel: 'silent',
      http: { host: '0.0.0.0', port: 0 },
    });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/allowInsecure/);
    expect(() => execFileSync('ls', [`${dir}/data`], { stdio: 'pipe' })).toThrow(); // nothing created
  });
});

describe('durability: power', () => {
  it('opens the registry and the embedded store with synchronous=FULL (process: NORMAL)', async () => {
    for (const [durability, expected] of [
      ['power', 2],
      ['process', 1],
    ] as const) {
      const dir = await h.tempDir(`xiang-durability-${durability}-`);
      const p = await h.start(NO_BROKER, dir, { durability });
      const registryDb = p.registry.db as unknown as Database.Database;
      expect(registryDb.pragma('synchronous', { simple: true }), `registry ${durability}`).toBe(expected);
      const storeDb = (p.store as unknown as { db: Database.Database }).db;
      expect(storeDb.pragma('synchronous', { simple: true }), `store ${durability}`).toBe(expected);
      await p.stop();
    }
  });
});
