import type { Birth } from '@xiang/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../platform/src/store/index.js';
import type { TimeSeriesStore } from '../../platform/src/store/types.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startInflux, startMosquitto } from '../harness/services.js';
import { fixtureBirth } from './fixtures.js';
import { PlatformHarness, series } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * Scale-out: two platform instances in one share group on one Mosquitto. Each message goes to one of them;
 * together they store every point once. They share the registry file (births handled by one instance are
 * decoded by the other). With InfluxDB each instance has its own store client (the real scale-out shape);
 * the embedded store, being one SQLite file with an in-process series cache, is shared as one object.
 */
const broker = await startMosquitto();
const influx: Service | null = broker ? await startInflux() : null;
const h = new PlatformHarness();

async function handledData(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /xiang_ingest_messages_total\{kind="data"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

type StorePair = { first: TimeSeriesStore; second: TimeSeriesStore; close(): Promise<void> };

const storeKinds: [string, boolean, (dataDir: string) => Promise<StorePair>][] = [
  [
    'embedded store',
    !!broker,
    async (dataDir) => {
      const s = await createStore({ dataDir, rollupRefreshMs: 0 });
      return { first: s, second: s, close: () => s.close() };
    },
  ],
  [
    'InfluxDB',
    !!broker && !!influx,
    async () => {
      const database = `shared_${Date.now()}`;
      const first = await createStore({
        influxUrl: influx!.url,
        database,
        dataDir: await h.tempDir('xiang-sidecar-'),
      });
      const second = await createStore({
        influxUrl: influx!.url,
        database,
        dataDir: await h.tempDir('xiang-sidecar-'),
      });
      return {
        first,
        second,
        close: async () => {
          await first.close();
          await second.close();
        },
      };
    },
  ],
];

/** The fixture's birth with the agent's own device ids (a device belongs to the agent that declared it). */
function ownDevices(n: number): (sessionId: string) => Birth {
  const id = (x: string) => `${x}n${n}`;
  return (sessionId) => {
    const b = fixtureBirth(sessionId);
    return {
      ...b,
      devices: b.devices.map((d) => ({
        ...d,
        id: id(d.id),
        ...(d.parentMeter ? { parentMeter: id(d.parentMeter) } : {}),
      })),
      metrics: b.metrics.map((m) => ({ ...m, deviceId: id(m.deviceId) })),
    };
  };
}

describe.skipIf(!broker)('shared subscription across two platform instances', () => {
  const agents: TestAgent[] = [];
  afterAll(async () => {
    for (const a of agents) await a.end().catch(() => {});
    await h.dispose();
    await influx?.dispose();
    await broker?.dispose();
  });

  for (const [kind, available, makeStores] of storeKinds) {
    it.skipIf(!available)(`splits the load and stores everything exactly once (${kind})`, async () => {
      const dataDir = await h.tempDir();
      const stores = await makeStores(dataDir);
      const factoryId = kind === 'InfluxDB' ? 'FI' : 'FE';
      const shared = { sharedGroup: `platform-${factoryId}` };
      const p1 = await h.start(
        broker!.url,
        dataDir,
        { mqtt: { ...shared, clientId: `platform-${factoryId}-a` } },
        { store: stores.first },
      );
      const p2 = await h.start(
        broker!.url,
        dataDir,
        { mqtt: { ...shared, clientId: `platform-${factoryId}-b` } },
        { store: stores.second },
      );
      await waitFor(() => p1.ingest.ready() && p2.ingest.ready(), 'both instances subscribed');
      expect(p1.ingest.mqtt?.filter).toBe(`$share/platform-${factoryId}/xiang/v1/+/+/+`);

      const agentsCount = 4;
      const batches = 60;
      const mine: TestAgent[] = [];
      for (let n = 0; n < agentsCount; n++) {
        const a = await TestAgent.connect(broker!.url, {
          factoryId,
          agentId: `A${n}`,
          autoRebirth: true,
          birth: ownDevices(n),
        });
        agents.push(a);
        mine.push(a);
        await a.birth();
      }
      await waitFor(
        () => mine.every((a) => p1.registry.agent(factoryId, a.agentId)?.currentSessionId === a.sessionId),
        'births registered',
      );
      // A device belongs to one agent: each agent has the fixture's devices under its own ids (M0n0, M0n1…)
      // and writes its own stretch of time. Recent time: the InfluxDB store keeps raw points for its
      // retention period only.
      const t0 = Date.now() - 3_600_000;
      await Promise.all(
        mine.map(async (a, n) => {
          for (let b = 0; b < batches; b++) await a.data([[0, t0 + (n * batches + b) * 1000, b]]);
        }),
      );
      const total = agentsCount * batches;
      await waitFor(
        async () => {
          await stores.first.flush();
          await stores.second.flush();
          let n = 0;
          for (let k = 0; k < agentsCount; k++)
            n += await stores.first.countPoints(
              series(factoryId, `M0n${k}`, 'activePower'),
              t0,
              t0 + 86_400_000,
            );
          return n === total;
        },
        `${total} points stored`,
        60_000,
      );

      const [n1, n2] = [await handledData(p1.url), await handledData(p2.url)];
      expect(n1 + n2).toBe(total);
      expect(n1).toBeGreaterThan(0);
      expect(n2).toBeGreaterThan(0);
      const totals = p1.ingest.counters.totals();
      expect(totals.messages.data).toBe(total);
      expect(totals.duplicates).toBe(0);
      expect(totals.pointsStored).toBe(total);
      // Each instance saw only some seqs; together they leave no hole in any session, so no rebirth is due.
      for (const a of mine)
        expect(p1.ingest.sessions.firstMissing(factoryId, a.agentId, a.sessionId)).toBeNull();
      expect(totals.rebirthsRequested).toBe(0);
      await p1.stop();
      await p2.stop();
      await stores.close();
    });
  }
});
