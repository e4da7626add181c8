import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../platform/src/store/embedded/embedded-store.js';
import type { StoredPoint, TimeSeriesStore } from '../../platform/src/store/types.js';
import { waitFor } from '../harness/ports.js';
import { startMosquitto } from '../harness/services.js';
import { T0 } from './fixtures.js';
import { PlatformHarness, series } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * The platform acknowledges a message only after its points are durable. A store wrapper holds one write
 * forever (the platform has received the message but not stored it); the platform then "crashes" (drops
 * the connection, acknowledging nothing). A new instance with the same client id must get the message
 * again from the broker's persistent session and store everything — nothing lost, nothing twice.
 */
class HoldingStore {
  held: StoredPoint[] | null = null;
  constructor(
    readonly inner: TimeSeriesStore,
    private readonly holdIf: (points: StoredPoint[]) => boolean,
  ) {}
  asStore(): TimeSeriesStore {
    return new Proxy(this.inner, {
      get: (target, prop, receiver) => {
        if (prop === 'write') {
          return (points: StoredPoint[]) => {
            if (this.held === null && this.holdIf(points)) {
              this.held = points;
              return new Promise<void>(() => {}); // the process dies before this write completes
            }
            return target.write(points);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }
}

const broker = await startMosquitto();
const h = new PlatformHarness();

describe.skipIf(!broker)('late acknowledgement across a platform crash', () => {
  let inner: EmbeddedStore;
  beforeAll(async () => {
    inner = new EmbeddedStore({ file: path.join(await h.tempDir('xiang-ts-'), 'ts.db'), rollupRefreshMs: 0 });
    await inner.init();
  });
  afterAll(async () => {
    await h.dispose();
    await inner?.close();
    await broker?.dispose();
  });

  it('a message received but not stored when the platform dies is redelivered and stored once', async () => {
    const dataDir = await h.tempDir();
    const mqtt = { clientId: 'platform-late-ack' };
    const holding = new HoldingStore(inner, (pts) => pts.some((p) => p.tsMs === T0 + 6000));
    const p1 = await h.start(broker!.url, dataDir, { mqtt }, { store: holding.asStore() });
    await waitFor(() => p1.ingest.ready(), 'first instance subscribed');

    const a = await TestAgent.connect(broker!.url, { factoryId: 'F1', agentId: 'A1' });
    await a.birth();
    for (let b = 1; b <= 10; b++) await a.data([[0, T0 + b * 1000, b]]);
    const key = series('F1', 'M0', 'activePower');
    const stored = () => inner.countPoints(key, T0, T0 + 60_000);

    await waitFor(() => holding.held !== null, 'batch 6 received and its write in progress');
    expect(await stored()).toBe(5);
    // mqtt.js hands over one message at a time: 7..10 wait behind the unfinished one.
    expect(p1.ingest.sessions.isSeen('F1', 'A1', a.sessionId, 7)).toBe(false);
    await p1.abort();

    const p2 = await h.start(broker!.url, dataDir, { mqtt }, { store: inner });
    await waitFor(async () => (await stored()) === 10, 'all ten batches stored after the restart', 20_000);
    const raw = await inner.raw(key, T0, T0 + 60_000);
    expect(raw.map((r) => r.value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Batches 1..5 were acknowledged before the crash: the broker does not send them again.
    expect(p2.ingest.counters.totals().duplicates).toBe(0);
    await a.end();
    await p2.stop();
  });

  it('graceful stop acknowledges what is durable; a restart gets only what was not yet handled', async () => {
    const dataDir = await h.tempDir();
    const mqtt = { clientId: 'platform-graceful' };
    const p1 = await h.start(broker!.url, dataDir, { mqtt }, { store: inner });
    await waitFor(() => p1.ingest.ready(), 'subscribed');
    const a = await TestAgent.connect(broker!.url, { factoryId: 'F2', agentId: 'A1' });
    await a.birth();
    for (let b = 1; b <= 5; b++) await a.data([[0, T0 + b * 1000, b]]);
    const key = series('F2', 'M0', 'activePower');
    await waitFor(async () => (await inner.countPoints(key, T0, T0 + 60_000)) === 5, 'first five stored');
    await p1.stop();
    // Published while no platform is connected: the broker queues them on the persistent session.
    for (let b = 6; b <= 12; b++) await a.data([[0, T0 + b * 1000, b]]);
    const p2 = await h.start(broker!.url, dataDir, { mqtt }, { store: inner });
    await waitFor(
      async () => (await inner.countPoints(key, T0, T0 + 60_000)) === 12,
      'queued batches stored after restart',
    );
    expect(p2.ingest.counters.totals()).toMatchObject({ duplicates: 0 });
    await a.end();
    await p2.stop();
  });
});
