import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../platform/src/store/embedded/embedded-store.js';
import { waitFor } from '../harness/ports.js';
import { startMosquitto } from '../harness/services.js';
import { T0 } from './fixtures.js';
import { PlatformHarness, series } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * Scale-out: two platform instances in one share group on one Mosquitto. Each message goes to one of them;
 * together they store every point once. They share the registry file (births handled by one instance are
 * decoded by the other) and one store.
 */
const broker = await startMosquitto();
const h = new PlatformHarness();

async function handledData(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /xiang_ingest_messages_total\{kind="data"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

describe.skipIf(!broker)('shared subscription across two platform instances', () => {
  const agents: TestAgent[] = [];
  let store: EmbeddedStore | undefined;
  afterAll(async () => {
    for (const a of agents) await a.end().catch(() => {});
    await h.dispose();
    await store?.close();
    await broker?.dispose();
  });

  it('splits the load and stores everything exactly once', async () => {
    const dataDir = await h.tempDir();
    store = new EmbeddedStore({ file: path.join(dataDir, 'timeseries.db'), rollupRefreshMs: 0 });
    await store.init();
    const shared = { sharedGroup: 'platform' };
    const p1 = await h.start(broker!.url, dataDir, { mqtt: { ...shared, clientId: 'platform-a' } }, { store });
    const p2 = await h.start(broker!.url, dataDir, { mqtt: { ...shared, clientId: 'platform-b' } }, { store });
    await waitFor(() => p1.ingest.ready() && p2.ingest.ready(), 'both instances subscribed');
    expect(p1.ingest.mqtt?.filter).toBe('$share/platform/xiang/v1/+/+/+');

    const agentsCount = 4;
    const batches = 60;
    for (let n = 0; n < agentsCount; n++) {
      const a = await TestAgent.connect(broker!.url, { factoryId: 'F1', agentId: `A${n}`, autoRebirth: true });
      agents.push(a);
      await a.birth();
    }
    await waitFor(() => agents.every((a) => p1.registry.agent('F1', a.agentId)?.currentSessionId === a.sessionId), 'births registered');
    // All agents use the fixture's device ids, so each writes its own stretch of time.
    await Promise.all(
      agents.map(async (a, n) => {
        for (let b = 0; b < batches; b++) {
          await a.data([[0, T0 + (n * batches + b) * 1000, b]]);
        }
      }),
    );
    const key = series('F1', 'M0', 'activePower');
    const total = agentsCount * batches;
    await waitFor(async () => (await store!.countPoints(key, T0, T0 + 86_400_000)) === total, `${total} points stored`, 30_000);

    const [n1, n2] = [await handledData(p1.url), await handledData(p2.url)];
    expect(n1 + n2).toBe(total);
    expect(n1).toBeGreaterThan(0);
    expect(n2).toBeGreaterThan(0);
    const totals = p1.ingest.counters.totals();
    expect(totals.messages.data).toBe(total);
    expect(totals.duplicates).toBe(0);
    expect(totals.pointsStored).toBe(total);
    // Each instance saw every other seq; together they leave no hole in any session, so no rebirth is due.
    for (const a of agents) expect(p1.ingest.sessions.firstMissing('F1', a.agentId, a.sessionId)).toBeNull();
    expect(totals.rebirthsRequested).toBe(0);
    await p1.stop();
    await p2.stop();
  });
});
