import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { tempDataDir } from './helpers/agent-config.js';
import { startTestOpcuaServer, type TestOpcuaServer, type TestVariable } from './helpers/opcua-server.js';
import { UplinkSubscriber } from './helpers/subscriber.js';

const BIN = path.resolve(import.meta.dirname, '../../edge-agent/bin/xiang-edge.js');
const vars: TestVariable[] = Array.from({ length: 8 }, (_, i) => ({
  deviceId: `M${i + 1}`,
  key: 'activePower',
}));

type Child = { proc: ChildProcess; out: () => string; exited: Promise<number | null> };

function runAgent(configFile: string): Child {
  const proc = spawn(process.execPath, [BIN, 'run', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (b) => (out = (out + b).slice(-200_000)));
  proc.stderr?.on('data', (b) => (out = (out + b).slice(-200_000)));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out: () => out, exited };
}

async function healthOf(
  c: Child,
): Promise<{ queue: { points: number }; uplink: { replayedPoints: number; connected: boolean } }> {
  const url = /health (http:\/\/\S+)/.exec(c.out())?.[1];
  if (!url) throw new Error('no health url yet');
  return (await (await fetch(`${url}/status`)).json()) as never;
}

describe('agent restart mid-stream (SIGKILL, then start again on the same data dir)', () => {
  let mq: Service | null = null;
  let server: TestOpcuaServer | null = null;
  let sub: UplinkSubscriber | null = null;
  const children: Child[] = [];
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await sub?.stop();
    await server?.dispose();
    await mq?.dispose();
  });

  it('replays what the killed agent queued, keeps metric indices and its certificate, loses no reading', async (ctx) => {
    mq = await startMosquitto();
    if (!mq) return ctx.skip();
    server = await startTestOpcuaServer({ variables: vars, tickMs: 50 });
    sub = new UplinkSubscriber(mq.url);
    await sub.start();
    const s = sub;
    const srv = server;
    const dataDir = tempDataDir();
    const configFile = path.join(dataDir, 'agent.yaml');
    writeFileSync(
      configFile,
      stringify({
        factoryId: 'F1',
        agentId: 'A1',
        dataDir,
        uplink: { url: mq.url, reconnect: { initialDelayMs: 200, maxDelayMs: 2000 } },
        // Large batches with a long delay: at the kill, values sit in unacknowledged and unsent batches.
        batching: { maxPoints: 50, maxDelayMs: 200 },
        health: { port: 0, logIntervalS: 0 },
        logLevel: 'warn',
        sources: [
          {
            type: 'opcua',
            name: 'plc1',
            endpoint: srv.endpoint,
            defaults: { samplingIntervalMs: 0, queueSize: 100, publishingIntervalMs: 100 },
            nodes: vars.map((v) => ({
              deviceId: v.deviceId,
              key: v.key,
              nodeId: srv.nodeIdOf(v),
              quantity: 'activePower',
            })),
          },
        ],
      }),
    );
    const certFile = path.join(dataDir, 'pki', 'plc1', 'own', 'certs', 'client_certificate.pem');

    const a = runAgent(configFile);
    children.push(a);
    await waitFor(() => s.countFor('M1.activePower') >= 40, 'readings from the first agent', 30_000);
    const certBefore = readFileSync(certFile, 'utf8');
    // Make sure the kill leaves unacknowledged batches behind: take the broker away for a moment first,
    // so the queue holds a backlog that only the next agent process can deliver.
    const broker = mq;
    if (broker.controllable) {
      await broker.stop();
      await waitFor(
        async () => (await healthOf(a)).queue.points >= 200,
        'a backlog in the first agent',
        20_000,
      );
    }
    a.proc.kill('SIGKILL');
    expect(await a.exited).toBeNull();
    const killedAt = Date.now();
    const pending = new Database(path.join(dataDir, 'agent.db'), { readonly: true });
    const leftByKill = (
      pending.prepare('SELECT COALESCE(SUM(point_count),0) AS n FROM batches').get() as { n: number }
    ).n;
    pending.close();
    if (broker.controllable) {
      expect(leftByKill).toBeGreaterThanOrEqual(200);
      await broker.start();
    }

    const b = runAgent(configFile);
    children.push(b);
    await waitFor(
      () => s.readingsOf('M1.activePower').some((r) => r.ts > killedAt + 500),
      'readings from the restarted agent',
      30_000,
    );
    // The backlog left by the killed agent is replayed as historical.
    await waitFor(
      async () => (await healthOf(b)).uplink.replayedPoints >= leftByKill,
      "replay of the killed agent's queue",
      20_000,
    );
    srv.pauseValues();
    await waitFor(async () => (await healthOf(b)).queue.points === 0, 'queue empty', 20_000);
    b.proc.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(readFileSync(certFile, 'utf8')).toBe(certBefore);

    // The agent's own durable per-metric counts (both runs) against the subscriber's deduplicated readings.
    const db = new Database(path.join(dataDir, 'agent.db'), { readonly: true });
    const rows = db
      .prepare(
        'SELECT m.name AS name, c.taken_in AS takenIn, c.dropped AS dropped FROM metric_counts c JOIN metrics m ON m.idx = c.idx',
      )
      .all() as Array<{ name: string; takenIn: number; dropped: number }>;
    const left = (db.prepare('SELECT COUNT(*) AS n FROM batches').get() as { n: number }).n;
    db.close();
    expect(left).toBe(0);
    expect(rows.length).toBe(vars.length);
    for (const r of rows) {
      expect(r.dropped).toBe(0);
      await waitFor(
        () => s.countFor(r.name) === r.takenIn,
        `${r.name}: ${r.takenIn} values at the subscriber (has ${s.countFor(r.name)})`,
        15_000,
      );
      for (const x of s.readingsOf(r.name)) expect(x.value).toBe(srv.valueAt(r.name, x.ts)?.value);
    }
    // Same indices across the restart (the subscriber flags any index that changes meaning), a Will for the kill.
    expect(s.errors).toEqual([]);
    expect(s.events.some((e) => e.kind === 'death' && (e.raw as { reason: string }).reason === 'will')).toBe(
      true,
    );
    expect([...s.readings.values()].some((r) => r.historical)).toBe(true);
  });
});
