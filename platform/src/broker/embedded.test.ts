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

describe('embedded broker: hand-off to the ingest in the same process (acknowledged once stored)', () => {
  const opts = { protocolVersion: 4 as const, reconnectPeriod: 0, connectTimeout: 5_000 };
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('refuses agents (CONNACK 3) until the ingest is attached; the platform client is admitted', async () => {
    const b = await startEmbeddedBroker({ ingestClientId: 'xiang-platform' });
    try {
      const err = await mqtt
        .connectAsync(b.url, { ...opts, clientId: 'agent-1' })
        .then((c) => c.endAsync().then(() => null))
        .catch((e: Error & { code?: number }) => e);
      expect(err?.message).toMatch(/Server unavailable/i);
      const platform = await mqtt.connectAsync(b.url, { ...opts, clientId: 'xiang-platform' });
      await platform.endAsync();
      b.attachIngest({ filters: ['xiang/v1/+/+/+'], handle: async () => {} });
      const agent = await mqtt.connectAsync(b.url, { ...opts, clientId: 'agent-1' });
      await agent.endAsync();
      expect(b.refusals().connect).toBe(1);
    } finally {
      await b.close();
    }
  });

  it('sends the PUBACK only after the ingest resolved; the ingest client does not get it again', async () => {
    const b = await startEmbeddedBroker({ ingestClientId: 'xiang-platform' });
    const handed: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    b.attachIngest({
      filters: ['xiang/v1/+/+/+'],
      handle: async (topic, payload) => {
        handed.push(`${topic} ${payload.toString()}`);
        await held;
      },
    });
    const platform = await mqtt.connectAsync(b.url, { ...opts, clientId: 'xiang-platform' });
    const other = await mqtt.connectAsync(b.url, { ...opts, clientId: 'observer' });
    const agent = await mqtt.connectAsync(b.url, { ...opts, clientId: 'agent-1' });
    try {
      const toPlatform: string[] = [];
      const toOther: string[] = [];
      platform.on('message', (t) => toPlatform.push(t));
      other.on('message', (t) => toOther.push(t));
      await platform.subscribeAsync('xiang/v1/#', { qos: 1 });
      await other.subscribeAsync('xiang/v1/#', { qos: 1 });
      let acked = false;
      const pub = agent.publishAsync('xiang/v1/F1/A1/data', 'x1', { qos: 1 }).then(() => {
        acked = true;
      });
      for (let i = 0; i < 50 && handed.length === 0; i++) await settle(20);
      expect(handed).toEqual(['xiang/v1/F1/A1/data x1']);
      await settle(200);
      expect(acked).toBe(false); // held by the ingest: no PUBACK yet
      release();
      await pub;
      for (let i = 0; i < 50 && toOther.length === 0; i++) await settle(20);
      expect(toOther).toEqual(['xiang/v1/F1/A1/data']);
      // The platform's own commands still flow to agents; handed-off uplink never reaches its subscription.
      await platform.publishAsync('xiang/v1/F1/A1/cmd', '{}', { qos: 1 });
      for (let i = 0; i < 50 && toPlatform.length === 0; i++) await settle(20);
      expect(toPlatform).toEqual(['xiang/v1/F1/A1/cmd']);
    } finally {
      await Promise.all([platform.endAsync(), other.endAsync(), agent.endAsync(true)]);
      await b.close();
    }
  });

  it('a message the ingest could not make durable is never acknowledged: the connection is closed', async () => {
    const b = await startEmbeddedBroker({ ingestClientId: 'xiang-platform' });
    b.attachIngest({
      filters: ['xiang/v1/+/+/+'],
      handle: async () => {
        throw new Error('store down');
      },
    });
    const agent = await mqtt.connectAsync(b.url, { ...opts, clientId: 'agent-1' });
    try {
      const closed = new Promise<void>((r) => agent.once('close', () => r()));
      let acked = false;
      agent.publish('xiang/v1/F1/A1/data', 'x1', { qos: 1 }, (err) => {
        if (!err) acked = true;
      });
      await closed;
      expect(acked).toBe(false);
    } finally {
      await agent.endAsync(true);
      await b.close();
    }
  });
});
