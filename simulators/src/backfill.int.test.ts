import { birthSchema, dataBatchSchema, type PointTuple } from '@xiang/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../tests/harness/ports.js';
import { type Service, startMosquitto } from '../../tests/harness/services.js';
import { runBackfill } from './backfill.js';
import { loadScenario } from './scenario/load.js';

let broker: Service | null;
let sub: MqttClient;
const msgs: { topic: string; body: unknown }[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
  if (!broker) return;
  sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'backfill-test-sub' });
  sub.on('message', (topic, payload) => msgs.push({ topic, body: JSON.parse(payload.toString()) }));
  await sub.subscribeAsync('xiang/v1/#', { qos: 1 });
});
afterAll(async () => {
  await sub?.endAsync();
  await broker?.dispose();
});

describe('backfill (real Mosquitto, independent subscriber)', () => {
  it('sends a birth, then historical batches in seq order whose counters match the ground truth', async () => {
    if (!broker) return;
    const tiny = await loadScenario('tiny');
    const progress: number[] = [];
    const r = await runBackfill({
      scenario: tiny,
      brokerUrl: broker.url,
      days: 3,
      agentId: 'bf-test',
      batchPoints: 2000,
      maxInFlight: 4,
      onProgress: (p) => progress.push(p.day),
    });
    expect(progress).toEqual([1, 2, 3]);
    await waitFor(() => msgs.length >= r.batches + 1, 'birth and every batch', 30_000);
    expect(msgs[0]!.topic).toBe('xiang/v1/tiny/bf-test/birth');
    const birth = birthSchema.parse(msgs[0]!.body);
    expect(birth.sessionId).toBe(r.sessionId);
    expect(birth.metrics).toHaveLength(r.sim.catalog.metrics.length);
    const ws1 = birth.devices.find((d) => d.id === 'M-WS1')!;
    expect(ws1).toMatchObject({
      kind: 'meter',
      medium: 'electricity',
      meterRole: 'feeder',
      parentMeter: 'M-MAIN',
      assetPath: 'WS1',
    });
    const eMetric = birth.metrics.find((m) => m.deviceId === 'M-MAIN' && m.key === 'energyImport')!;
    expect(eMetric).toMatchObject({
      quantity: 'activeEnergyImport',
      kind: 'counter',
      unit: 'kWh',
      datatype: 'double',
    });

    const batches = msgs.slice(1).map((m) => {
      expect(m.topic).toBe('xiang/v1/tiny/bf-test/data');
      return dataBatchSchema.parse(m.body);
    });
    expect(batches.map((b) => b.seq)).toEqual(Array.from({ length: r.batches }, (_, i) => i + 1));
    expect(batches.every((b) => b.historical && b.sessionId === r.sessionId)).toBe(true);
    const points: PointTuple[] = batches.flatMap((b) => b.points);
    expect(points).toHaveLength(r.points);

    // the counter points of the main incomer reproduce the truth at every hour
    const counter = new Map<number, number>();
    for (const p of points) if (p[0] === eMetric.i) counter.set(p[1], p[2] as number);
    for (let h = r.fromMs; h <= r.toMs; h += 3_600_000)
      expect(counter.get(h)).toBe(r.truth.counterAt('M-MAIN', h));
    expect(counter.get(r.toMs)! - counter.get(r.fromMs)!).toBe(
      r.truth.counterIncrease('M-MAIN', r.fromMs, r.toMs),
    );
    // Bad quality travels as the 4th tuple element
    const thd = birth.metrics.find((m) => m.deviceId === 'M-AC01' && m.key === 'voltageThd')!;
    expect(points.filter((p) => p[0] === thd.i).every((p) => p[3] === 0x808c0000)).toBe(true);
  });
});
