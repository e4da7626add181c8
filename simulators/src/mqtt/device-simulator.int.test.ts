import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../tests/harness/ports.js';
import { type Service, startMosquitto } from '../../../tests/harness/services.js';
import { loadScenario } from '../scenario/load.js';
import { startMqttDeviceSimulator } from './device-simulator.js';
import { devicePayloadSchema } from './payload.js';

let broker: Service | null;
let sub: MqttClient;
const received: { topic: string; payload: string }[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
  if (!broker) return;
  sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'sim-devices-test-sub' });
  sub.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  await sub.subscribeAsync('plant/#', { qos: 1 });
});
afterAll(async () => {
  await sub?.endAsync();
  await broker?.dispose();
});

describe('MQTT device simulator (real Mosquitto)', () => {
  it('publishes JSON readings with virtual timestamps and counts the malformed ones it adds', async () => {
    if (!broker) return;
    const tiny = await loadScenario('tiny');
    const dev = await startMqttDeviceSimulator({
      scenario: tiny,
      brokerUrl: broker.url,
      speed: false,
      malformedRate: 0.3,
    });
    try {
      const ticks = 200;
      for (let i = 0; i < ticks; i++) dev.sim.step();
      await dev.flush();
      const st = dev.stats();
      expect(st.good).toBe(ticks * 2); // M-WATER and ENV-WS1
      expect(st.goodByDevice).toEqual({ 'M-WATER': ticks, 'ENV-WS1': ticks });
      expect(st.malformedTotal).toBeGreaterThan(ticks * 2 * 0.2);
      expect(st.malformedTotal).toBeLessThan(ticks * 2 * 0.4);
      expect(Object.values(st.malformed).every((n) => n > 0)).toBe(true);
      await waitFor(
        () => received.length >= st.good + st.malformedTotal,
        'all messages at the subscriber',
        15_000,
      );

      let good = 0;
      let bad = 0;
      const waterTopic = dev.topicOf('M-WATER');
      expect(waterTopic).toBe('plant/tiny/utility/M-WATER');
      const water: { ts: number; mass: number }[] = [];
      for (const m of received) {
        let json: unknown;
        try {
          json = JSON.parse(m.payload);
        } catch {
          bad++;
          continue;
        }
        const p = devicePayloadSchema.safeParse(json);
        const known = p.success && dev.devices.some((d) => d.id === p.data.deviceId);
        const typesOk = p.success && Object.values(p.data.values).every((v) => typeof v === 'number');
        const unitsOk = p.success && p.data.units.mass !== 'L' && p.data.units.temperature !== 'L';
        if (p.success && known && typesOk && unitsOk) {
          good++;
          if (m.topic === waterTopic) water.push({ ts: p.data.ts, mass: p.data.values.mass as number });
        } else bad++;
      }
      expect(good).toBe(st.good);
      expect(bad).toBe(st.malformedTotal);
      // values carry the virtual tick time and equal the ground truth counter
      water.sort((a, b) => a.ts - b.ts);
      expect(water.map((w) => w.ts)).toEqual(Array.from({ length: ticks }, (_, k) => dev.sim.timeOf(k)));
      for (const w of water.slice(0, 50)) expect(w.mass).toBe(dev.truth.counterAt('M-WATER', w.ts));
    } finally {
      await dev.close();
    }
  });
});
