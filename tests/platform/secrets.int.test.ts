import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminTokenLine } from '../../platform/src/commands/serve.js';
import { type RunningPlatform, startPlatform } from '../../platform/src/main.js';
import { freePort } from '../harness/ports.js';

/**
 * Issue 14 item 4: no secret in what the platform logs or serves. The broker URL carries user:password (as a
 * deployment's XIANG_MQTT_URL may); nothing listens on its port, so the platform runs not-ready with an error
 * that names the URL. The data directory starts out world-readable, as an older version left it.
 */
const PASSWORD = 'pw-Hunan-7f3a9c';
let dir: string;
let platform: RunningPlatform;
const logLines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-secrets-'));
  const dataDir = path.join(dir, 'data');
  mkdirSync(path.join(dataDir, 'old'), { recursive: true, mode: 0o755 });
  chmodSync(dataDir, 0o755);
  writeFileSync(path.join(dataDir, 'old', 'left-over.json'), '{}', { mode: 0o644 });
  const port = await freePort();
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logLines.push(s) });
  platform = await startPlatform(
    {
      dataDir,
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { url: `mqtt://platform:${PASSWORD}@127.0.0.1:${port}`, clientId: 'secrets-test' },
    },
    { logger },
  );
});
afterAll(async () => {
  await platform?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('no secrets in output', () => {
  it('/readyz: anonymous callers see ok / not ok only; an admin sees details without credentials', async () => {
    const anon = await fetch(`${platform.url}/readyz`);
    const anonText = await anon.text();
    expect(anon.status).toBe(503);
    expect(JSON.parse(anonText)).toEqual({
      ready: false,
      checks: { store: { ok: true }, broker: { ok: false } },
    });
    const admin = await fetch(`${platform.url}/readyz`, {
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    const body = (await admin.json()) as { checks: { broker: { detail: string } } };
    expect(body.checks.broker.detail).toMatch(/mqtt:\/\/\*\*\*@127\.0\.0\.1|ECONNREFUSED/);
    expect(JSON.stringify(body)).not.toContain(PASSWORD);
  });

  it('the log never carries the broker password nor the admin token', async () => {
    const all = logLines.join('');
    expect(all).toContain('platform started');
    expect(all).toContain('mqtt://***@127.0.0.1');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(platform.adminToken);
  });

  it('data directory 0700 and its files 0600, also those an older version left wider', () => {
    const walk = (d: string): string[] =>
      readdirSync(d).flatMap((n) => {
        const p = path.join(d, n);
        return statSync(p).isDirectory() ? [p, ...walk(p)] : [p];
      });
    const dataDir = platform.config.dataDir;
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const entries = walk(dataDir);
    expect(entries.map((p) => path.basename(p))).toEqual(
      expect.arrayContaining(['platform.db', 'admin-token']),
    );
    for (const p of entries) {
      const st = statSync(p);
      expect(st.mode & 0o777, p).toBe(st.isDirectory() ? 0o700 : 0o600);
    }
  });

  it('serve prints the admin token only when it was generated now', () => {
    expect(adminTokenLine('new', 'xg_abc_def')).toContain('xg_abc_def');
    expect(adminTokenLine('kept', 'xg_abc_def')).not.toContain('xg_abc_def');
    expect(adminTokenLine('configured', 'a-configured-token')).not.toContain('a-configured-token');
  });
});
