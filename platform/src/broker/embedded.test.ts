import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from './embedded.js';

describe('embedded broker (aedes)', () => {
  let broker: EmbeddedBroker;
  afterAll(async () => broker?.close());

  it('delivers QoS 1 between MQTT 3.1.1 clients on a free loopback port', async () => {
    broker = await startEmbeddedBroker();
    expect(broker.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'sub-1' });
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'pub-1' });
    await sub.subscribeAsync('xiang/v1/#', { qos: 1 });
    const got = new Promise<string>((resolve) =>
      sub.on('message', (_t, payload) => resolve(payload.toString())),
    );
    await pub.publishAsync('xiang/v1/F1/A1/data', 'hello', { qos: 1 });
    expect(await got).toBe('hello');
    expect(broker.clients()).toBe(2);
    await sub.endAsync();
    await pub.endAsync();
  });

  it('refuses MQTT 5 connects (aedes lacks v5) rather than hanging', async () => {
    const b = await startEmbeddedBroker();
    try {
      const err = await mqtt
        .connectAsync(b.url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000 })
        .then((c) => {
          c.end(true);
          return null;
        })
        .catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
    } finally {
      await b.close();
    }
  });
});
