import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/ports.js';
import { track } from '../harness/process.js';
import { startMosquitto } from '../harness/services.js';
import { T0 } from './fixtures.js';
import { PlatformHarness } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * The real thing: `xiang serve` as its own process, killed with SIGKILL while a stream of batches flows,
 * then started again. Late acknowledgement + the broker's persistent session must leave every point stored.
 */
const broker = await startMosquitto();
const h = new PlatformHarness();
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../platform/bin/xiang.js');

type Child = {
  proc: ChildProcess;
  url: Promise<string>;
  output: () => string;
  exited: Promise<number | null>;
};

function serve(configFile: string): Child {
  const proc = spawn(process.execPath, [BIN, 'serve', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(proc);
  let out = '';
  let resolveUrl: (u: string) => void = () => {};
  const url = new Promise<string>((r) => {
    resolveUrl = r;
  });
  const onData = (b: Buffer) => {
    out = (out + b.toString()).slice(-100_000);
    const m = /API:\s+(http:\/\/\S+)\/api\/v1/.exec(out);
    if (m) resolveUrl(m[1]!);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, url, output: () => out, exited };
}

async function countPoints(url: string, token: string): Promise<number> {
  const q = `series=M0:activePower&from=${T0}&to=${T0 + 86_400_000}&interval=1d&aggregate=count&utcOffsetMinutes=0`;
  const res = await fetch(`${url}/api/v1/factories/F1/timeseries?${q}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) return -1;
  const body = (await res.json()) as { series: { buckets: { count: number }[] }[] };
  return body.series[0]?.buckets.reduce((s, b) => s + b.count, 0) ?? 0;
}

describe.skipIf(!broker)('platform process killed mid-stream', () => {
  const children: Child[] = [];
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await h.dispose();
    await broker?.dispose();
  });

  it('SIGKILL while batches flow, restart: every point stored, none twice; SIGTERM shuts down cleanly', async () => {
    const dataDir = await h.tempDir();
    const cfg = path.join(dataDir, 'platform.yaml');
    await writeFile(
      cfg,
      [
        `dataDir: ${dataDir}`,
        'http: { host: 127.0.0.1, port: 0 }',
        `mqtt: { url: "${broker!.url}", clientId: platform-crash-test }`,
        `adminToken: ${h.adminToken}`,
        'logLevel: warn',
        '',
      ].join('\n'),
    );
    const first = serve(cfg);
    children.push(first);
    const url1 = await first.url;
    await waitFor(async () => (await fetch(`${url1}/readyz`)).status === 200, 'first process ready', 30_000);
    // `xiang serve` creates no factory from a birth: the admin creates F1 first.
    const created = await fetch(`${url1}/api/v1/factories`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'F1', name: '一厂' }),
    });
    expect(created.status).toBe(201);

    const a = await TestAgent.connect(broker!.url, { factoryId: 'F1', agentId: 'A1' });
    await a.birth();
    const BATCHES = 400;
    const PER_BATCH = 50;
    let sent = 0;
    // The second half waits for the kill, so the stream really spans it however fast the platform is
    // (under load it could otherwise store all 400 batches before the first poll sees 20).
    let markKilled = () => {};
    const killed = new Promise<void>((resolve) => {
      markKilled = resolve;
    });
    const publishing = (async () => {
      for (let b = 0; b < BATCHES; b++) {
        if (b === BATCHES / 2) await killed;
        const pts = Array.from(
          { length: PER_BATCH },
          (_, i) => [0, T0 + (b * PER_BATCH + i) * 100, b] as [number, number, number],
        );
        await a.data(pts);
        sent++;
      }
    })();
    // Kill once the platform is visibly in the middle of the stream.
    const storedAtKill = await waitFor(
      async () => {
        const n = await countPoints(url1, h.adminToken);
        return n >= 20 * PER_BATCH ? n : 0;
      },
      'some batches stored',
      30_000,
    );
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    markKilled();
    expect(storedAtKill).toBeLessThan(BATCHES * PER_BATCH); // the kill really happened mid-stream
    await publishing;
    expect(sent).toBe(BATCHES);

    const second = serve(cfg);
    children.push(second);
    const url2 = await second.url;
    await waitFor(
      async () => (await countPoints(url2, h.adminToken)) === BATCHES * PER_BATCH,
      'all points stored after restart',
      60_000,
    );
    const stats = (await (
      await fetch(`${url2}/api/v1/ingest/stats`, { headers: { authorization: `Bearer ${h.adminToken}` } })
    ).json()) as {
      totals: { rejectedMessages: Record<string, number> };
    };
    expect(stats.totals.rejectedMessages).toEqual({});
    await a.end();
    second.proc.kill('SIGTERM');
    // Exit code 0 (not a signal death): the SIGTERM handler stopped the platform gracefully.
    expect(await second.exited).toBe(0);
  });
});
