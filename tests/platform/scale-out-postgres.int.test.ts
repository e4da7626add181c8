import { afterAll, describe, expect, it } from 'vitest';
import type { RunningPlatform } from '../../platform/src/main.js';
import { waitFor } from '../harness/ports.js';
import { freshDatabase, startPostgres } from '../harness/postgres.js';
import { type Service, startInflux, startMosquitto } from '../harness/services.js';
import { fixtureBirthOwnDevices } from './fixtures.js';
import { PlatformHarness, series } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * Scale-out on existing engines (issue 13): two platform instances with SEPARATE data dirs share one
 * PostgreSQL repository (registry, sessions, parked data, dead letters, diagnosis runs), one InfluxDB and one
 * Mosquitto share group. One instance is killed mid-stream (no further acknowledgement) and started again on its
 * own data dir (the InfluxDB write-ahead backlog lives there); every point is stored exactly once, no session
 * has a hole, and a diagnosis started on one instance is visible — and finishes — on the others.
 */
const broker = await startMosquitto();
const influx: Service | null = broker ? await startInflux() : null;
const pg: Service | null = influx ? await startPostgres() : null;
const h = new PlatformHarness();

const FACTORY = 'FS';
const AGENTS = 2;
const BATCHES = 60;
const POINTS = 10;

async function handledData(p: RunningPlatform): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  const m = /xiang_ingest_messages_total\{kind="data"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

async function call<T>(p: RunningPlatform, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${p.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${h.adminToken}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe.skipIf(!pg)('scale-out: two stateless instances over PostgreSQL, InfluxDB and a share group', () => {
  const agents: TestAgent[] = [];
  afterAll(async () => {
    for (const a of agents) await a.end().catch(() => {});
    await h.dispose();
    await pg?.dispose();
    await influx?.dispose();
    await broker?.dispose();
  });

  it('an instance killed mid-stream: the union is stored exactly once; a diagnosis is shared', async () => {
    const repoUrl = await freshDatabase(pg!.url);
    const database = `scale_${Date.now()}`;
    const config = (name: string) => ({
      repository: { kind: 'postgres' as const, url: repoUrl },
      store: { influxUrl: influx!.url, database },
      mqtt: { sharedGroup: 'scale', clientId: `platform-scale-${name}` },
    });
    const dirA = await h.tempDir('xiang-scale-a-');
    const dirB = await h.tempDir('xiang-scale-b-');
    let a = await h.start(broker!.url, dirA, config('a'));
    const b = await h.start(broker!.url, dirB, config('b'));
    await waitFor(() => a.ingest.ready() && b.ingest.ready(), 'both instances subscribed');

    for (let n = 0; n < AGENTS; n++) {
      const agent = await TestAgent.connect(broker!.url, {
        factoryId: FACTORY,
        agentId: `A${n}`,
        birth: (sessionId) => fixtureBirthOwnDevices(n, sessionId),
      });
      agents.push(agent);
      await agent.birth();
    }
    // Whichever instance took a birth, both read it from the shared repository.
    await waitFor(
      () => agents.every((g) => a.registry.agent(FACTORY, g.agentId)?.currentSessionId === g.sessionId),
      'births visible on instance a',
    );
    expect(b.registry.devices(FACTORY).length).toBe(a.registry.devices(FACTORY).length);

    // On a quarter-hour: a diagnosis evaluates whole quarter-hours holding data only, and 20 minutes of data
    // that start mid-quarter may hold none (the run then fails with "no stored data").
    const t0 = Math.floor((Date.now() - 2 * 3_600_000) / 900_000) * 900_000;
    const ts = (n: number, batch: number, k: number) => t0 + ((n * BATCHES + batch) * POINTS + k) * 1000;
    const killAt = Math.floor(BATCHES / 3);
    let killed: Promise<void> | null = null;
    let handledByAOnKill = 0;
    await Promise.all(
      agents.map(async (g, n) => {
        for (let batch = 0; batch < BATCHES; batch++) {
          if (batch === killAt && n === 0)
            killed = handledData(a).then((x) => {
              handledByAOnKill = x;
              return a.abort(); // crash: nothing further acknowledged
            });
          const pts = Array.from({ length: POINTS }, (_, k) => [0, ts(n, batch, k), batch * POINTS + k]);
          await g.data(pts as never);
        }
      }),
    );
    await killed;
    const handledBeforeKill = await handledData(b);
    // The killed instance comes back on its own data dir (same MQTT session: the broker hands it what it
    // queued for it; its write-ahead backlog drains to InfluxDB).
    a = await h.start(broker!.url, dirA, config('a'));

    const total = AGENTS * BATCHES * POINTS;
    const stored = async () => {
      let n = 0;
      for (let k = 0; k < AGENTS; k++)
        n += await b.store.countPoints(series(FACTORY, `M0n${k}`, 'activePower'), t0, t0 + 86_400_000);
      return n;
    };
    await waitFor(
      async () => {
        await a.store.flush();
        await b.store.flush();
        return (await stored()) === total;
      },
      `${total} points stored`,
      90_000,
    );
    expect(await stored()).toBe(total);
    // Every seq of every session was handled by one instance or the other: no hole anywhere.
    for (const g of agents) {
      expect(b.ingest.sessions.firstMissing(FACTORY, g.agentId, g.sessionId)).toBeNull();
      expect(a.ingest.sessions.isSeen(FACTORY, g.agentId, g.sessionId, BATCHES)).toBe(true);
    }
    expect(handledBeforeKill).toBeGreaterThan(0);
    // Both took part before the kill, and the restarted instance got the messages queued for its session.
    expect(handledByAOnKill).toBeGreaterThan(0);
    expect(await handledData(a)).toBeGreaterThan(0);
    const totals = b.ingest.counters.totals(); // shared counters: both instances' commits
    expect(totals.messages.data).toBeGreaterThanOrEqual(AGENTS * BATCHES);
    expect(totals.pointsStored).toBeGreaterThanOrEqual(total);

    // A diagnosis started on b is visible on a, and on a third instance started on an empty data dir.
    const from = new Date(t0).toISOString();
    const to = new Date(t0 + AGENTS * BATCHES * POINTS * 1000 + 900_000).toISOString();
    const run = await call<{ id: string }>(b, 'POST', `/api/v1/factories/${FACTORY}/diagnoses`, { from, to });
    const seenOnA = await call<{ id: string; factoryId: string }>(
      a,
      'GET',
      `/api/v1/factories/${FACTORY}/diagnoses/${run.id}`,
    );
    expect(seenOnA).toMatchObject({ id: run.id, factoryId: FACTORY });
    const done = await waitFor(
      async () => {
        const r = await call<{ status: string; error: string | null }>(
          a,
          'GET',
          `/api/v1/factories/${FACTORY}/diagnoses/${run.id}`,
        );
        return r.status === 'done' || r.status === 'failed' ? r : null;
      },
      'diagnosis finished',
      90_000,
      200,
    );
    expect(done).toMatchObject({ status: 'done', error: null });
    const c = await h.start(broker!.url, await h.tempDir('xiang-scale-c-'), config('c'));
    const listed = await call<{ id: string }[] | { runs: { id: string }[] }>(
      c,
      'GET',
      `/api/v1/factories/${FACTORY}/diagnoses`,
    );
    const ids = (Array.isArray(listed) ? listed : listed.runs).map((r) => r.id);
    expect(ids).toContain(run.id);
    expect(c.registry.devices(FACTORY).map((d) => d.id)).toEqual(
      b.registry.devices(FACTORY).map((d) => d.id),
    );
    await c.stop();
    await a.stop();
    await b.stop();
  });
});
