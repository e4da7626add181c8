import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../harness/ports.js';
import { descendants, kill, type Launched, launch, portFree, waitForOutput } from './processes.js';

/**
 * Issue 11 items 1 and 6 on the user's own path: `npm start` (tiny scenario, 1 day of history), stopped with
 * SIGTERM, started again on the same data directory, stopped with SIGINT, started with --fresh.
 * On main the second start re-sent a different history over the stored one (counters up and down, resets in
 * /timeseries/increase) and printed a new admin token; SIGTERM to npm left the node child holding the port.
 * Here: the stored history is byte-for-byte the same after the restart, every counter keeps increasing across
 * it, no batch is refused, the old token still works, every signal leaves no descendant and no open port.
 */
const F = 'tiny';
let dir: string;
const running: Launched[] = [];
afterAll(async () => {
  for (const p of running) for (const pid of [...descendants(p.pid), p.pid]) kill(pid);
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Started = { p: Launched; url: string; token: string; tokenNote: string; port: number };
const t0 = Date.now();
const note = (what: string) =>
  console.log(`[start-restart ${((Date.now() - t0) / 1000).toFixed(0)} s] ${what}`);

async function start(extra: string[] = []): Promise<Started> {
  note(`npm start ${extra.join(' ')}`);
  const port = await freePort();
  const p = launch('npm', [
    'start',
    '--',
    '--scenario',
    F,
    '--history-days',
    '1',
    '--http-port',
    String(port),
    '--data-dir',
    dir,
    ...extra,
  ]);
  running.push(p);
  await waitForOutput(p, /press Ctrl-C to stop/, 'npm start ready');
  note('ready');
  const url = (/Console\s+(http:\/\/[^/\s]+)/.exec(p.output()) as RegExpExecArray)[1] as string;
  // The token is printed only when generated now; a kept one is named, not shown.
  const [, token, tokenNote] = /Admin token\s+(?:(xg_\S+)\s+)?\((\S+)/.exec(p.output()) as RegExpExecArray;
  return { p, url, token: token ?? '', tokenNote: tokenNote as string, port };
}

async function api<T>(s: Started, url: string, token = s.token): Promise<{ status: number; body: T }> {
  const r = await fetch(`${s.url}/api/v1${url}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: (await r.json()) as T };
}

type Raw = {
  series: { deviceId: string; metric: string; points: { tsMs: number; value: number | null }[] }[];
};
/** Every counter series of the factory (energy, volume, produced counts), raw, over [from, to). */
async function counters(s: Started, from: number, to: number) {
  const metrics = (await api<{ deviceId: string; key: string; kind: string }[]>(s, `/factories/${F}/metrics`))
    .body;
  const refs = metrics.filter((m) => m.kind === 'counter').map((m) => `${m.deviceId}:${m.key}`);
  expect(refs.length).toBeGreaterThan(5);
  const q = new URLSearchParams({
    series: refs.join(','),
    from: String(from),
    to: String(to),
    limit: String(Math.floor(500_000 / refs.length)), // the API's budget: series × limit ≤ 500 000
  });
  return (await api<Raw>(s, `/factories/${F}/timeseries/raw?${q}`)).body.series;
}

async function stop(s: Started, sig: 'SIGTERM' | 'SIGINT') {
  note(sig);
  const tree = descendants(s.p.pid);
  expect(tree.length).toBeGreaterThan(0); // npm → node (→ esbuild): a real tree to take down
  const { code, left } = await s.p.signal(sig);
  expect(left, `processes left after ${sig}`).toEqual([]);
  // Its output with the failure: an exit code of 1 after SIGTERM was seen once in a full run (not reproduced
  // in seven runs alone, four of them beside two CPU hogs), and without the output it says nothing of why.
  expect(code, `exit code after ${sig}; output:\n${s.p.output().slice(-4000)}`).toBe(0);
  expect(await portFree(s.port)).toBe(true);
  expect(s.p.output()).toMatch(/已停止 \/ stopped\./);
}

describe('npm start, stop, start again: same history, same token, nothing left behind', () => {
  it('resumes instead of rewriting history', { timeout: 900_000 }, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-restart-'));
    const first = await start();
    expect(first.tokenNote).toBe('new');
    const firstEnd = Date.now();
    // Points of the last minutes may still be on their way (agent → broker → platform): compare before that.
    const settled = firstEnd - 5 * 60_000;
    const before = await counters(first, 0, settled);
    const stored = before.reduce((n, s) => n + s.points.length, 0);
    expect(stored).toBeGreaterThan(1000);
    await stop(first, 'SIGTERM');

    const second = await start();
    expect(second.p.output()).toMatch(/resuming: stored history ends at/);
    expect(second.tokenNote).toBe('unchanged');
    expect(second.token).toBe('');
    expect(second.p.output()).not.toContain(first.token); // not repeated into every start's output
    second.token = first.token; // the kept token, as `xiang token admin` would print it
    expect((await api(second, '/factories', first.token)).status).toBe(200);
    // Live data after the restart arrives and the counters continue from their stored values.
    await waitFor(
      async () => {
        const now = await counters(second, firstEnd, Date.now() + 120_000);
        return now.some((s) => s.points.length > 0);
      },
      'data after the restart',
      180_000,
      1000,
    );
    const after = await counters(second, 0, settled);
    const differences = after.flatMap((s, i) => {
      const b = before[i]?.points ?? [];
      const changed = s.points.filter((p, k) => b[k]?.tsMs !== p.tsMs || b[k]?.value !== p.value);
      return changed.length || b.length !== s.points.length
        ? [
            `${s.deviceId}:${s.metric} ${b.length}→${s.points.length} points, first change ${JSON.stringify(changed[0])}`,
          ]
        : [];
    });
    expect(differences).toEqual([]); // history not rewritten: same points, same values
    expect(after).toEqual(before);
    for (const s of await counters(second, 0, Date.now() + 120_000)) {
      const values = s.points.map((p) => p.value).filter((v): v is number => v !== null);
      const drops = values.filter((v, i) => i > 0 && v < (values[i - 1] as number));
      expect(drops, `${s.deviceId}:${s.metric} goes backwards`).toEqual([]);
    }
    const stats = (
      await api<{ totals: { rejectedMessages: Record<string, number> } }>(second, '/ingest/stats')
    ).body;
    expect(stats.totals.rejectedMessages.counterConflict ?? 0).toBe(0);
    await stop(second, 'SIGINT');

    const fresh = await start(['--fresh']);
    expect(fresh.p.output()).toMatch(/--fresh: 已删除 removed/);
    expect(fresh.tokenNote).toBe('new');
    expect(fresh.token).not.toBe(first.token);
    expect((await api(fresh, '/factories', first.token)).status).toBe(401);
    await stop(fresh, 'SIGTERM');
  });
});
