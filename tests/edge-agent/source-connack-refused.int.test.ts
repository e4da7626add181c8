import { connect, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerSchema } from '../../edge-agent/src/config/parts.js';
import { brokerOptions } from '../../edge-agent/src/mqtt-options.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../platform/src/broker/embedded.js';
import { freePort } from '../harness/ports.js';

/**
 * The MQTT source's broker connection against `npm start`'s embedded broker, which refuses every client but
 * the platform's own with CONNACK 3 (server unavailable) until the platform's ingest is attached. mqtt.js
 * gives up after a refused CONNACK unless `reconnectOnConnackError` is set: the source then never connected
 * again and the devices behind it were silent for good (found by the soak over the embedded broker, where
 * the agent started before the platform).
 */
let broker: EmbeddedBroker | null = null;
let client: MqttClient | null = null;
afterEach(async () => {
  await client?.endAsync(true);
  await broker?.close();
});

describe('MQTT source broker options', () => {
  it('keep reconnecting after a refused CONNACK, and connect once the broker admits clients', {
    timeout: 30_000,
  }, async () => {
    broker = await startEmbeddedBroker({ port: await freePort(), ingestClientId: 'platform-under-test' });
    const b = brokerSchema.parse({ url: broker.url, protocolVersion: 4 });
    client = connect(broker.url, brokerOptions(b, 'src-under-test', true));
    const refused = await new Promise<Error>((resolve) => client!.once('error', resolve));
    expect(refused.message).toMatch(/Server unavailable/i);
    expect(client.connected).toBe(false);
    broker.attachIngest({ filters: ['xiang/v1/+/+/+'], handle: async () => {} });
    await new Promise<void>((resolve) => client!.once('connect', () => resolve()));
    expect(client.connected).toBe(true);
  });
});
