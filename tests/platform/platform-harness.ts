import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PlatformConfigInput } from '../../platform/src/config/schema.js';
import { type RunningPlatform, type StartOptions, startPlatform } from '../../platform/src/main.js';
import type { SeriesKey } from '../../platform/src/store/types.js';

/** Temp data dirs and platform instances for the integration suites; everything is removed by dispose(). */
export class PlatformHarness {
  private readonly dirs: string[] = [];
  private readonly running = new Set<RunningPlatform>();
  readonly adminToken = `test-admin-${randomBytes(16).toString('hex')}`;

  async tempDir(prefix = 'xiang-platform-'): Promise<string> {
    const d = await mkdtemp(path.join(os.tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  async start(
    mqttUrl: string,
    dataDir: string,
    extra: PlatformConfigInput = {},
    opts: StartOptions = {},
  ): Promise<RunningPlatform> {
    const p = await startPlatform(
      {
        dataDir,
        logLevel: (process.env.XIANG_TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent',
        adminToken: this.adminToken,
        http: { host: '127.0.0.1', port: 0 },
        ...extra,
        mqtt: { url: mqttUrl, clientId: `platform-${path.basename(dataDir)}`, ...(extra.mqtt ?? {}) },
        // The suites' agents create their factories by their first birth (as `npm start` may); suites that
        // test the admin-only default pass autoRegisterFactories: false.
        ingest: { rebirthMinIntervalMs: 500, autoRegisterFactories: true, ...(extra.ingest ?? {}) },
      },
      opts,
    );
    this.running.add(p);
    const stop = p.stop;
    const abort = p.abort;
    p.stop = async () => {
      this.running.delete(p);
      await stop();
    };
    p.abort = async () => {
      this.running.delete(p);
      await abort();
    };
    return p;
  }

  async dispose(): Promise<void> {
    for (const p of this.running) await p.abort().catch(() => {});
    this.running.clear();
    for (const d of this.dirs) await rm(d, { recursive: true, force: true });
  }
}

export async function api<T = unknown>(p: { url: string }, token: string, urlPath: string): Promise<T> {
  const res = await fetch(`${p.url}${urlPath}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${urlPath}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export const series = (factoryId: string, deviceId: string, metric: string): SeriesKey => ({
  factoryId,
  deviceId,
  metric,
});
