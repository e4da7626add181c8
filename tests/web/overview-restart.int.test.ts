import path from 'node:path';
import type { Birth, DataBatch } from '@xiang/protocol';
import { topicFor } from '@xiang/protocol';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../platform/src/broker/embedded.js';
import type { RunningPlatform } from '../../platform/src/main.js';
import { waitFor } from '../harness/ports.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import { meterMetric } from './energy-plant.js';

/**
 * Issue #12: the overview's closed months are kept in the platform's SQLite, so a restarted platform answers its
 * first overview without reading two months of rollups. Through the real path (an agent over MQTT → platform →
 * embedded store), restarted on the same data dir: the answer after a restart equals the one before; data that
 * arrives late for a closed month (an agent's queue) drops what was kept, and after the next restart the
 * answer has it; after a stop that was not clean (abort) nothing kept is trusted and the store's answer is the
 * same as the kept one.
 */
const FACTORY = 'RST';
const AGENT = 'rst-agent';
const Q = 900_000;
const DAY = 86_400_000;
// Closed months January and February 2025; January 1–5 arrive late.
const FROM = Date.parse('2025-01-01T00:00:00+08:00');
const LATE_END = Date.parse('2025-01-06T00:00:00+08:00');
const AT = Date.parse('2025-03-10T12:00:00+08:00');
const MONTH_START = Date.parse('2025-03-01T00:00:00+08:00');

const birth = (sessionId: string): Birth => ({
  sessionId,
  seq: 0,
  timestamp: AT,
  agent: { version: '0.1.0', hostname: 'test-agent' },
  assets: [],
  devices: [{ id: 'RST-MAIN', kind: 'meter', assetPath: '', name: '进线', medium: 'electricity' }],
  metrics: [meterMetric('RST-MAIN', 0, 'energyImport', 'activeEnergyImport', 'counter', 'kWh')],
});
/** The counter every 15 min: a day/night load (kWh per quarter-hour 5 + 20 by day). */
const counterAt = (() => {
  const values = new Map<number, number>();
  let kwh = 1000;
  for (let t = FROM; t <= AT; t += Q) {
    values.set(t, kwh);
    const h = ((t + 8 * 3_600_000) % DAY) / 3_600_000;
    kwh += 5 + (h >= 8 && h < 20 ? 20 : 0);
  }
  return (t: number) => values.get(t)!;
})();

const harness = new PlatformHarness();
let broker: EmbeddedBroker;
let dir: string;
let platform: RunningPlatform;
let seq = 1;

const start = async () => {
  platform = await harness.start(broker.url, dir, { mqtt: { url: broker.url, protocolVersion: 4 } });
  await waitFor(() => platform.ingest.ready(), 'platform subscribed', 30_000);
};
/** A new agent session: its birth, then the counter's readings in [fromMs, toMs) as history. */
async function send(sessionId: string, fromMs: number, toMs: number): Promise<number> {
  const client = await mqtt.connectAsync(broker.url, {
    protocolVersion: 4,
    clientId: `test-${sessionId}`,
    clean: true,
    reconnectPeriod: 0,
  });
  const points: DataBatch['points'] = [];
  for (let t = fromMs; t < toMs; t += Q) points.push([0, t, counterAt(t)]);
  try {
    await client.publishAsync(topicFor('birth', FACTORY, AGENT), JSON.stringify(birth(sessionId)), {
      qos: 1,
    });
    seq = 1;
    for (let i = 0; i < points.length; i += 2000) {
      const body: DataBatch = { sessionId, seq: seq++, historical: true, points: points.slice(i, i + 2000) };
      await client.publishAsync(topicFor('data', FACTORY, AGENT), JSON.stringify(body), { qos: 1 });
    }
  } finally {
    await client.endAsync();
  }
  return points.length;
}
const stored = () => platform.ingest.counters.totals().pointsStored;
const overview = async () => {
  const res = await fetch(`${platform.url}/api/v1/factories/${FACTORY}/energy/overview?at=${AT}`, {
    headers: { authorization: `Bearer ${harness.adminToken}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    periods: { key: string; media: { previousQuantity: number | null; previousCoverage: number }[] }[];
  };
};
/** Rows of closed spans kept for the factory (read from the file, as another process would). */
const keptRows = () => {
  const db = new Database(path.join(dir, 'platform.db'), { readonly: true });
  try {
    return (
      db
        .prepare('SELECT count(*) AS n FROM monitoring_closed_inputs WHERE factory = ? AND to_ms = ?')
        .get(FACTORY, MONTH_START) as { n: number }
    ).n;
  } finally {
    db.close();
  }
};
const january = (o: Awaited<ReturnType<typeof overview>>) =>
  o.periods.find((p) => p.key === 'lastMonth')!.media[0]!;

beforeAll(async () => {
  broker = await startEmbeddedBroker();
  dir = await harness.tempDir('xiang-overview-restart-');
  await start();
}, 60_000);
afterAll(async () => {
  await harness.dispose();
  await broker?.close();
});

describe('the overview after a restart (closed months kept in the platform SQLite)', () => {
  it('same answer after a restart; late data for a closed month changes it after the next restart; an abort trusts nothing kept', async () => {
    const n = await send('session-1', LATE_END, AT);
    await waitFor(() => stored() >= n, `${n} points stored`, 60_000, 50).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(platform.ingest.counters.totals())}`);
    });
    await platform.store.flush();
    const before = await overview();
    expect(january(before).previousCoverage).toBeLessThan(0.85); // January 1–5 not there yet: unknown
    await waitFor(() => keptRows() === 1, 'the closed months kept', 60_000, 50);

    await platform.stop();
    await start();
    expect(keptRows()).toBe(1);
    expect(await overview()).toEqual(before);

    // January 1–5 arrive late: what was kept is dropped at once, before anybody asks again.
    const s0 = stored();
    const late = await send('session-2', FROM, LATE_END);
    await waitFor(() => stored() >= s0 + late, 'the late points stored', 60_000, 50);
    expect(keptRows()).toBe(0);
    await platform.stop();
    await start();
    const after = await overview();
    expect(january(after).previousCoverage).toBe(1);
    expect(january(after).previousQuantity).toBeGreaterThan(january(before).previousQuantity! * 1.1);
    await waitFor(() => keptRows() === 1, 'the closed months kept again', 60_000, 50);

    // A stop that was not clean: the next start drops what was kept and reads the store — the same answer.
    await platform.abort();
    await start();
    expect(keptRows()).toBe(0);
    expect(await overview()).toEqual(after);
  }, 240_000);
});
