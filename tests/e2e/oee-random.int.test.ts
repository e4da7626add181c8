import { randomUUID } from 'node:crypto';
import { type Birth, type DataBatch, type PointTuple, StatusCodes, topicFor } from '@xiang/protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningPlatform } from '../../platform/src/main.js';
import type { OeeRow } from '../../platform/src/query/oee-report.js';
import { waitFor } from '../harness/ports.js';
import { indicatorTruth } from '../oracles/indicator-reference.js';
import { PlantReference } from '../oracles/oee-reference.js';
import { generatePlant, publishedPoints, type RandomPlant } from '../oracles/random-plant.js';
import {
  ALL_LEVELS,
  compareRows,
  plantMetrics,
  plantSnapshot,
  relErr,
} from '../oracles/random-plant-check.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import { get } from './oee-plant.js';
import { useE2EServices } from './services.js';
import type { StoreKind } from './stack.js';

/**
 * The randomized OEE / indicator property through the real path (issue 10 §4): random plants published as an
 * agent replays its queue — a birth, then xiang/v1 historical data batches — through a real Mosquitto (MQTT 5)
 * into the platform, on the embedded store and on InfluxDB, read back through the HTTP API and compared row by
 * row with the exact reference (tests/oracles/oee-reference.ts) and the indicators with the truth of their
 * default definition (tests/oracles/indicator-reference.ts) over the part of each window with data, whose share
 * is their coverage. More seeds, store path only:
 * `npm run bench -- oee-random --seeds N`.
 */
const SEEDS = [1, 2];
const svc = useE2EServices();

async function publishPlant(brokerUrl: string, plant: RandomPlant): Promise<number> {
  const client = await mqtt.connectAsync(brokerUrl, {
    protocolVersion: 5,
    clientId: `oee-random-${plant.seed}-${randomUUID().slice(0, 8)}`,
    clean: true,
    reconnectPeriod: 0,
  });
  const sessionId = randomUUID();
  const metrics = plantMetrics(plant);
  const index = new Map(metrics.map((m) => [`${m.deviceId}\u0000${m.key}`, m.i]));
  const birth: Birth = {
    sessionId,
    seq: 0,
    timestamp: plant.startMs,
    agent: { version: 'oee-random', hostname: 'test' },
    assets: [],
    devices: plant.machines.map((m) => ({ id: m.id, kind: 'machine', assetPath: m.assetPath, name: m.id })),
    metrics: metrics.map(({ i, deviceId, key, quantity, kind, datatype, unit }) => ({
      i,
      deviceId,
      key,
      quantity,
      kind,
      datatype,
      unit,
      samplingIntervalMs: 0,
    })),
  };
  let points = 0;
  try {
    await client.publishAsync(topicFor('birth', plant.factoryId, 'random'), JSON.stringify(birth), {
      qos: 1,
    });
    const all = plant.machines.flatMap((m) => publishedPoints(plant, m)).sort((a, b) => a.tsMs - b.tsMs);
    let seq = 0;
    for (let k = 0; k < all.length; k += 5000) {
      const pts: PointTuple[] = all.slice(k, k + 5000).map((p) => {
        const i = index.get(`${p.deviceId}\u0000${p.metric}`) as number;
        return p.good ? [i, p.tsMs, p.value] : [i, p.tsMs, p.value, StatusCodes.BadNoCommunication];
      });
      const batch: DataBatch = { sessionId, seq: ++seq, historical: true, points: pts };
      await client.publishAsync(topicFor('data', plant.factoryId, 'random'), JSON.stringify(batch), {
        qos: 1,
      });
      points += pts.length;
    }
  } finally {
    await client.endAsync();
  }
  return points;
}

describe.each(['embedded', 'influx'] as StoreKind[])('random plants through Mosquitto, %s store', (kind) => {
  let available = false;
  const h = new PlatformHarness();
  let platform: RunningPlatform;
  const plants = SEEDS.map(generatePlant);
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    available = await svc.ready(kind);
    if (!available) return;
    const dir = await h.tempDir(`xiang-e2e-oee-random-${kind}-`);
    platform = await h.start(svc.broker!.url, dir, {
      mqtt: { url: svc.broker!.url, protocolVersion: 5 },
      ...(kind === 'influx'
        ? {
            store: {
              influxUrl: svc.influx!.url,
              database: 'e2e_oee_random',
              influx: { retention: { raw: 'INF' } },
            },
          }
        : {}),
    });
    await waitFor(() => platform.ingest.ready(), 'platform subscribed to the broker', 15_000);
    let expected = 0;
    for (const plant of plants) {
      // Every window lies in the past (the API reads states up to now, never later).
      expect(plant.endMs + 86_400_000).toBeLessThan(Date.now());
      const snap = plantSnapshot(plant);
      platform.registry.putFactory(snap.factory);
      for (const l of snap.lines) platform.registry.putLine(l);
      expected += await publishPlant(svc.broker!.url, plant);
    }
    await waitFor(
      () => platform.ingest.counters.totals().pointsStored >= expected,
      `the platform to store all ${expected} published points`,
      150_000,
      100,
    );
    await platform.store.flush();
    figures.points = expected;
  }, 240_000);

  afterAll(async () => {
    console.info(`[oee-random ${kind}] ${JSON.stringify(figures)}`);
    await h.dispose();
  });

  for (const [n, seed] of SEEDS.entries())
    it(`seed ${seed}: every window, row and default indicator equals the reference`, async (ctx) => {
      if (!available) return ctx.skip();
      const plant = plants[n] as RandomPlant;
      const reference = new PlantReference(plant);
      const token = h.adminToken;
      const base = `/api/v1/factories/${plant.factoryId}`;
      let rows = 0;
      let maxRelErr = 0;
      const problems: string[] = [];
      for (const w of plant.windows) {
        const levels = ALL_LEVELS.join(',');
        const period = await get<{ rows: OeeRow[] }>(
          platform,
          token,
          `${base}/oee?from=${w.fromMs}&to=${w.toMs}&groupBy=${levels}`,
        );
        const buckets = w.buckets
          ? (
              await get<{ rows: OeeRow[] }>(
                platform,
                token,
                `${base}/oee?from=${w.fromMs}&to=${w.toMs}&groupBy=${levels},day,shift`,
              )
            ).rows
          : [];
        const label = `seed ${seed} [${new Date(w.fromMs).toISOString()}, ${new Date(w.toMs).toISOString()})`;
        const c = compareRows(
          [...period.rows, ...buckets],
          period.rows.length,
          reference.rows(w.fromMs, w.toMs, w.buckets),
          label,
        );
        rows += c.rows;
        maxRelErr = Math.max(maxRelErr, c.maxRelErr);
        problems.push(...c.problems);
        const ind = await get<{
          indicators: { id: string; value: number | null; coverage: number | null }[];
        }>(platform, token, `${base}/indicators?from=${w.fromMs}&to=${w.toMs}`);
        // The API measures indicators over the part of the window with data (from the first birth on; the
        // devices are still online) and reports that part's share as their coverage.
        const from = w.toMs > plant.startMs ? Math.max(w.fromMs, plant.startMs) : w.fromMs;
        const truth = indicatorTruth(plant, reference, from, w.toMs);
        for (const i of ind.indicators) {
          const key = [
            'equipment-networking-rate',
            'state-fault-capture',
            'data-collection-coverage',
          ].includes(i.id)
            ? `${i.id}/online-time`
            : i.id;
          if (!(key in truth)) continue;
          const err = relErr(i.value, truth[key] as number | null);
          maxRelErr = Math.max(maxRelErr, err);
          if (!(err <= 1e-9)) problems.push(`${label} ${key}: platform ${i.value}, truth ${truth[key]}`);
        }
        const net = ind.indicators.find((i) => i.id === 'equipment-networking-rate');
        const share = (w.toMs - from) / (w.toMs - w.fromMs);
        if (relErr(net?.coverage, share) > 1e-9)
          problems.push(`${label} coverage ${net?.coverage} ≠ ${share}`);
      }
      figures[`seed${seed}`] = { windows: plant.windows.length, rows, maxRelErr };
      expect(problems.slice(0, 10)).toEqual([]);
      expect(rows).toBeGreaterThan(50);
    });
});
