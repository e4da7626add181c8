import { randomBytes } from 'node:crypto';
import { MAX_POINTS_PER_BATCH } from '@xiang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningPlatform } from '../../platform/src/main.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { T0 } from './fixtures.js';
import { api, PlatformHarness, series } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * Ingest against a real Mosquitto with the embedded store: an independent MQTT client publishes like an edge
 * agent; the platform must store every good point exactly once and count and keep everything bad.
 */
const broker = await startMosquitto();
const h = new PlatformHarness();
let p: RunningPlatform;
const agents: TestAgent[] = [];

async function agent(o: Parameters<typeof TestAgent.connect>[1] = {}): Promise<TestAgent> {
  const a = await TestAgent.connect((broker as Service).url, o);
  agents.push(a);
  return a;
}
const count = (f: string, d: string, m: string) =>
  p.store.countPoints(series(f, d, m), 946684800000, 4102444800000);
type Stats = {
  totals: {
    rejectedMessages: Record<string, number>;
    rejectedPoints: Record<string, number>;
    pointsStored: number;
  };
};

describe.skipIf(!broker)('ingest over a real Mosquitto', () => {
  beforeAll(async () => {
    p = await h.start(broker!.url, await h.tempDir());
    await waitFor(() => p.ingest.ready(), 'platform subscribed', 15_000);
  });
  afterAll(async () => {
    for (const a of agents) await a.end().catch(() => {});
    await h.dispose();
    await broker?.dispose();
  });

  it('stores a birth and its data exactly once; the API shows the devices online', async () => {
    const a = await agent({ factoryId: 'F1', agentId: 'A1' });
    await a.birth();
    for (let b = 0; b < 20; b++) {
      await a.data([
        [0, T0 + b * 1000, 100 + b],
        [1, T0 + b * 1000, 5000 + b * 0.1],
      ]);
    }
    await waitFor(async () => (await count('F1', 'M0', 'energyImport')) === 20, '20 energy points stored');
    expect(await count('F1', 'M0', 'activePower')).toBe(20);
    const devices = await api<{ id: string; online: boolean; lastSeenMs: number }[]>(
      p,
      h.adminToken,
      '/api/v1/factories/F1/devices',
    );
    expect(devices.find((d) => d.id === 'M0')).toMatchObject({ online: true, lastSeenMs: T0 + 19_000 });
    const ready = await fetch(`${p.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('data before any birth triggers a rebirth command; the parked data is stored after the birth', async () => {
    const a = await agent({ factoryId: 'F2', agentId: 'A1' });
    await a.data([[0, T0, 1]]);
    await waitFor(() => a.commands.length > 0, 'rebirth command on xiang/v1/F2/A1/cmd');
    expect(a.commands[0]).toMatchObject({ command: 'rebirth' });
    expect(a.commands[0]?.reason).toMatch(/parked|without its birth/);
    expect(await count('F2', 'M0', 'activePower')).toBe(0);
    await a.birth({ newSession: false });
    await waitFor(
      async () => (await count('F2', 'M0', 'activePower')) === 1,
      'parked point stored after birth',
    );
    expect(p.ingest.parking.count()).toBe(0);
  });

  it('a sequence gap triggers a rebirth command', async () => {
    const a = await agent({ factoryId: 'F3', agentId: 'A1' });
    await a.birth();
    await a.data([[0, T0, 1]]);
    await a.data([[0, T0 + 1000, 1]], { seq: 5 });
    await waitFor(() => a.commands.length > 0, 'rebirth command after a gap');
    expect(a.commands[0]?.reason).toMatch(/sequence gap in session .*: seq 2 missing/);
  });

  it('an agent that dies (Will) shows its devices offline within seconds', async () => {
    const a = await agent({ factoryId: 'F4', agentId: 'A1' });
    await a.birth();
    await a.data([[0, Date.now() - 1000, 1]]);
    await waitFor(async () => (await count('F4', 'M0', 'activePower')) === 1, 'data stored');
    const t0 = Date.now();
    a.crash();
    await waitFor(
      () => p.registry.devices('F4').every((d) => !d.online),
      'devices offline after the Will',
      10_000,
    );
    const took = Date.now() - t0;
    const history = await api<{ online: boolean; reason: string }[]>(
      p,
      h.adminToken,
      '/api/v1/factories/F4/devices/M0/online-history',
    );
    expect(history.map((t) => [t.online, t.reason])).toEqual([
      [true, 'birth'],
      [false, 'agent death (will)'],
    ]);
    expect(took).toBeLessThan(10_000);
  });

  it('malformed payloads are counted per reason and dead-lettered; good data in the same stream is kept; ingest keeps going', async () => {
    const a = await agent({ factoryId: 'F5', agentId: 'A1' });
    await a.birth();
    let good = 0;
    const goodBatch = async () => {
      await a.data([[0, T0 + good * 1000, good]]);
      good++;
    };
    await goodBatch();
    // random bytes: invalid JSON — or, rarely, valid JSON of the wrong shape (a 1-byte payload that is a digit)
    let randomJson = 0;
    for (let i = 0; i < 10; i++) {
      const bytes = randomBytes(1 + ((i * 37) % 300));
      if (parsesAsJson(bytes)) randomJson++;
      await a.publishRaw('xiang/v1/F5/A1/data', bytes);
      await goodBatch();
    }
    // wrong types and schema violations
    await a.publishRaw(
      'xiang/v1/F5/A1/data',
      JSON.stringify({ sessionId: a.sessionId, seq: 'one', points: [[0, T0, 1]] }),
    );
    await a.publishRaw('xiang/v1/F5/A1/birth', JSON.stringify({ sessionId: 'x', seq: 0 }));
    await a.publishRaw('xiang/v1/F5/A1/status', JSON.stringify({ devices: 'all fine' }));
    await goodBatch();
    // one batch: good points mixed with wrong value types, unknown indices and absurd timestamps
    await a.data([
      [0, T0 + 900_000, 42],
      [0, T0 + 900_001, 'forty-two'],
      [77, T0, 1],
      [0, 1, 1],
      [4, T0, 1.5],
      [5, T0, true],
    ]);
    // a huge batch (over the protocol bound) and unknown topic kinds / topics
    await a.data(
      Array.from(
        { length: MAX_POINTS_PER_BATCH + 10 },
        (_, i) => [0, T0 + 2_000_000 + i, i] as [number, number, number],
      ),
    );
    await a.publishRaw('xiang/v1/F5/A1/telemetry', '{}');
    await a.publishRaw('xiang/v1/F5/A1/extra/level', '{}');
    await goodBatch();
    await waitFor(
      async () => (await count('F5', 'M0', 'activePower')) === good + 1,
      'all good points stored',
      30_000,
    );
    expect(await count('F5', 'C1', 'alarm')).toBe(1);
    const stats = await api<Stats>(p, h.adminToken, '/api/v1/ingest/stats');
    expect(stats.totals.rejectedPoints).toMatchObject({
      wrongValueType: 2,
      unknownMetricIndex: 1,
      timestampOutOfRange: 1,
    });
    expect(stats.totals.rejectedMessages).toMatchObject({
      schemaViolation: 3 + randomJson,
      batchTooLarge: 1,
      unknownKind: 1,
    });
    // Random bytes are invalid JSON (or, rarely, valid JSON of the wrong shape): all ten are accounted for.
    const dl = await api<{ reason: string; topic: string; payloadBytes: number }[]>(
      p,
      h.adminToken,
      '/api/v1/factories/F5/ingest/dead-letters?limit=1000',
    );
    const randomRejects = dl.filter(
      (d) =>
        d.topic === 'xiang/v1/F5/A1/data' && (d.reason === 'invalidJson' || d.reason === 'schemaViolation'),
    );
    expect(randomRejects.length).toBe(11);
    expect(dl.find((d) => d.reason === 'batchTooLarge')?.payloadBytes).toBeGreaterThan(1_000_000);
    // The subscription filter is xiang/v1/+/+/+, so the 6-level topic never reaches the platform.
    expect(dl.some((d) => d.topic === 'xiang/v1/F5/A1/extra/level')).toBe(false);
    expect((await fetch(`${p.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${p.url}/metrics`)).text();
    expect(metrics).toMatch(/xiang_ingest_rejected_points_total\{reason="wrongValueType"\} 2/);
    expect(metrics).toMatch(/xiang_ingest_points_stored_total \d+/);
    expect(metrics).toMatch(/xiang_store_backlog_points 0/);
    expect(metrics).toMatch(/xiang_http_request_duration_seconds_bucket/);
  });

  it('historical replays of an earlier session in any order are stored once, up to its freeze', async () => {
    const a = await agent({ factoryId: 'F6', agentId: 'A1' });
    await a.birth();
    const old = a.sessionId;
    await a.data([[0, T0 + 500, 0]]);
    // The agent reconnected: a new current session, naming the old one and its last acknowledged seq (the
    // messages below are still on their way).
    await a.birth({ newSession: true, previous: { sessionId: old, lastSeq: 10 } });
    const seqs = [5, 2, 9, 1, 2, 5];
    for (const s of seqs)
      await a.data([[0, T0 + s * 1000, s]], { historical: true, sessionId: old, seq: s + 1 });
    await a.data([[0, T0 + 100_000, 1]]);
    await waitFor(
      async () => (await count('F6', 'M0', 'activePower')) === 6,
      'first point, unique replayed points and the live point',
    );
    const stats = await api<{ totals: { duplicates: number } }>(p, h.adminToken, '/api/v1/ingest/stats');
    expect(stats.totals.duplicates).toBeGreaterThanOrEqual(2);
  });

  it('replays of a session whose birth was never seen are parked, not stored under the current table', async () => {
    const a = await agent({ factoryId: 'F7', agentId: 'A1' });
    await a.birth();
    await a.data([[0, T0 + 1, 1]], { historical: true, sessionId: 'never-born-session', seq: 3 });
    await a.data([[0, T0 + 2, 2]]);
    await waitFor(async () => (await count('F7', 'M0', 'activePower')) === 1, 'live point stored');
    await waitFor(() => p.ingest.parking.count('F7', 'A1') === 1, 'replay parked');
  });
});

function parsesAsJson(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
