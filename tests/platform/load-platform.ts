import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario, runBackfill } from '@xiang/simulators';
import { waitFor } from '../harness/ports.js';
import { track } from '../harness/process.js';
import type { Service } from '../harness/services.js';

/**
 * The platform of the load matrix: `xiang serve` as its own process (so the load generator's event loop is
 * not the platform's), on the embedded store, against the harness's Mosquitto, with `days` of the default
 * scenario (hunan-machining, energy metrics) sent through the real path so diagnosis, autofill and reports
 * have a factory to work on.
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../platform/bin/xiang.js');
const DAY = 86_400_000;
const HOUR = 3_600_000;

export type LoadPlatform = {
  url: string;
  adminToken: string;
  factoryId: string;
  /** The backfilled period (whole quarter-hours). */
  fromMs: number;
  toMs: number;
  /** Some of the factory's series as `device:metric` (for raw and step queries). */
  series: string[];
  /** Its devices with stored series, in the store's order. */
  devices: string[];
  /** How many series the factory has. */
  seriesCount: number;
  backfilledPoints: number;
  output(): string;
  /** SIGTERM, then the exit code (0 = graceful). */
  stop(): Promise<number | null>;
  dispose(): Promise<void>;
};

export type LoadPlatformOptions = {
  days: number;
  /** Extra YAML lines of the platform config (e.g. ingest limits). */
  extraConfig?: string[];
  log?: (line: string) => void;
};

export async function startLoadPlatform(broker: Service, o: LoadPlatformOptions): Promise<LoadPlatform> {
  const log = o.log ?? (() => {});
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-load-'));
  const adminToken = `load-admin-${randomBytes(16).toString('hex')}`;
  const cfg = path.join(dir, 'platform.yaml');
  await writeFile(
    cfg,
    [
      `dataDir: ${dir}/data`,
      // The matrix measures stalls, not the per-token budget: every client uses the admin token.
      'http: { host: 127.0.0.1, port: 0, rateLimit: { perTokenPerMinute: 1000000 } }',
      `mqtt: { url: "${broker.url}", clientId: platform-load-${randomBytes(3).toString('hex')} }`,
      `adminToken: ${adminToken}`,
      'logLevel: warn',
      ...(o.extraConfig ?? ['ingest: { autoRegisterFactories: true }']),
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--config', cfg], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(proc);
  let out = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const onData = (b: Buffer) => {
    out = (out + b.toString()).slice(-200_000);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  try {
    const url = (
      await waitFor(() => /API:\s+(http:\/\/\S+)\/api\/v1/.exec(out), 'xiang serve URL', 60_000, 100)
    )[1]!;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 'platform ready', 30_000, 100);
    const scenario = await loadScenario('hunan-machining');
    const factoryId = scenario.factory.id;
    // Whole hours: a period starting at :15 or :45 makes the diagnosis fail on the 10-minute THD series
    // ("433 values of 600000 ms do not cover the period" — query/energy-inputs-fine.ts; found by this matrix).
    const toMs = Math.floor(Date.now() / HOUR) * HOUR - DAY;
    const fromMs = toMs - o.days * DAY;
    const t0 = Date.now();
    const b = await runBackfill({
      scenario,
      brokerUrl: broker.url,
      days: o.days,
      startMs: fromMs,
      metrics: 'energy',
      agentId: 'history',
    });
    const stats = async () =>
      (await (
        await fetch(`${url}/api/v1/ingest/stats`, { headers: { authorization: `Bearer ${adminToken}` } })
      ).json()) as { totals: { pointsStored: number } };
    await waitFor(
      async () => (await stats()).totals.pointsStored >= b.points,
      `${b.points} backfilled points stored`,
      600_000,
      250,
    );
    log(
      `backfill: ${b.points} points of ${o.days} days stored in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    const res = await fetch(`${url}/api/v1/factories/${factoryId}/series`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const all = (await res.json()) as { deviceId: string; metric: string }[];
    const series = all.slice(0, 40).map((s) => `${s.deviceId}:${s.metric}`);
    const devices = [...new Set(all.map((s) => s.deviceId))];
    return {
      url,
      adminToken,
      factoryId,
      fromMs,
      toMs,
      series,
      devices,
      seriesCount: all.length,
      backfilledPoints: b.points,
      output: () => out,
      async stop() {
        if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
        proc.kill('SIGTERM');
        return await exited;
      },
      async dispose() {
        await kill();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}\n--- platform output ---\n${out.slice(-3000)}`);
  }
}
