import { connect, type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent, validateConfig } from '../../edge-agent/src/index.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { tempDataDir } from './helpers/agent-config.js';
import { UplinkSubscriber } from './helpers/subscriber.js';

describe('MQTT source: JSON devices, bad payloads counted, good values kept', () => {
  let mq: Service | null = null;
  let agent: Agent | null = null;
  let sub: UplinkSubscriber | null = null;
  let dev: MqttClient | null = null;
  afterAll(async () => {
    await agent?.stop();
    await sub?.stop();
    dev?.end(true);
    await mq?.dispose();
  });

  it('maps topic tags and JSON paths, converts units, rejects per reason without crashing', async (ctx) => {
    mq = await startMosquitto();
    if (!mq) return ctx.skip();
    sub = new UplinkSubscriber(mq.url);
    await sub.start();
    const cfg = validateConfig({
      factoryId: 'F1',
      agentId: 'A2',
      dataDir: tempDataDir(),
      uplink: { url: mq.url },
      batching: { maxPoints: 100, maxDelayMs: 50 },
      health: { port: 0, logIntervalS: 0 },
      logLevel: 'silent',
      sources: [
        {
          type: 'mqtt',
          name: 'utility',
          broker: { url: mq.url },
          subscriptions: [
            {
              topic: 'plant/+factory/utility/+device',
              deviceId: '{device}',
              devices: ['GAS1', 'AIR1'],
              timestamp: { path: '$.ts', format: 'epochMs' },
              device: { kind: 'meter', medium: 'naturalGas', meterRole: 'utility', assetPath: 'WS1' },
              values: [
                { path: '$.values.flow', key: 'flow', quantity: 'volumeFlow', unit: 'm3/min' },
                { path: '$.readings[0].v', key: 'total', quantity: 'volume', unit: 'L' },
              ],
            },
          ],
        },
      ],
    });
    agent = await startAgent(cfg);
    const a = agent;
    const s = sub;
    dev = connect(mq.url, { protocolVersion: 5, clientId: 'fake-device' });
    const d = dev;
    await new Promise<void>((r) => d.once('connect', () => r()));
    await waitFor(() => a.stats().sources[0]?.connected, 'MQTT source connected', 10_000);
    const pub = (topic: string, payload: string) =>
      new Promise<void>((r) => d.publish(topic, payload, { qos: 1 }, () => r()));

    const t0 = Date.UTC(2026, 0, 5, 8, 0, 0);
    await pub(
      'plant/F1/utility/GAS1',
      JSON.stringify({ ts: t0, values: { flow: 2.5 }, readings: [{ v: 1500 }] }),
    );
    await pub('plant/F1/utility/GAS1', '{"ts": 1767600000000, "values": {"flow": 3'); // malformed JSON
    await pub(
      'plant/F1/utility/GAS1',
      JSON.stringify({ ts: t0 + 1000, values: {}, readings: [{ v: 1600 }] }),
    ); // flow missing
    await pub(
      'plant/F1/utility/GAS1',
      JSON.stringify({ ts: t0 + 2000, values: { flow: 'high' }, readings: [{ v: 1700 }] }),
    ); // wrong type
    await pub(
      'plant/F1/utility/GAS1',
      JSON.stringify({ ts: 'yesterday', values: { flow: 1 }, readings: [{ v: 1 }] }),
    ); // bad timestamp
    await pub('plant/F1/utility/GAS1', JSON.stringify({ values: { flow: 1 }, readings: [{ v: 1 }] })); // no timestamp
    await pub(
      'plant/F1/utility/BOILER9',
      JSON.stringify({ ts: t0, values: { flow: 1 }, readings: [{ v: 1 }] }),
    ); // unknown device
    await pub('plant/F1/utility/AIR1', '\u0000\u00ff garbage');
    await pub(
      'plant/F1/utility/AIR1',
      JSON.stringify({ ts: t0 + 5000, values: { flow: 0.5 }, readings: [{ v: 42 }] }),
    );

    await waitFor(() => s.readingsOf('AIR1.flow').length === 1, 'the last good message delivered', 15_000);
    const rejected = a.stats().sources[0]!.rejected;
    expect(rejected).toEqual({
      malformedJson: 2,
      missingField: 1,
      wrongType: 1,
      badTimestamp: 1,
      missingTimestamp: 1,
      unknownDevice: 1,
    });
    // Good values, including the good half of the partly bad payloads, with converted units.
    expect(s.readingsOf('GAS1.flow').map((r) => [r.ts, r.value])).toEqual([[t0, 150]]); // 2.5 m³/min = 150 m³/h
    expect(s.readingsOf('GAS1.total').map((r) => [r.ts, r.value])).toEqual([
      [t0, 1.5],
      [t0 + 1000, 1.6],
      [t0 + 2000, 1.7],
    ]);
    expect(s.readingsOf('AIR1.total').map((r) => r.value)).toEqual([0.042]);
    expect(s.units.get('GAS1.flow')).toBe('m3/h');
    const birth = [...s.events].reverse().find((e) => e.kind === 'birth')!.raw as {
      devices: Array<{ id: string; medium?: string }>;
    };
    expect(birth.devices.find((x) => x.id === 'GAS1')?.medium).toBe('naturalGas');
    // The health endpoint reports the rejections per reason.
    const prom = await (await fetch(`${a.healthUrl}/metrics`)).text();
    expect(prom).toContain('xiang_edge_rejected_total{source="utility",reason="malformedJson"} 2');
    expect(a.stats().uplink.connected).toBe(true);

    // cmd: rebirth → a new birth (seq 0) in the same session; a malformed command is ignored.
    const births = () => s.events.filter((e) => e.kind === 'birth');
    const before = births().length;
    const session = a.stats().uplink.sessionId;
    await pub('xiang/v1/F1/A2/cmd', 'not json');
    await pub('xiang/v1/F1/A2/cmd', JSON.stringify({ command: 'rebirth', reason: 'test' }));
    await waitFor(() => births().length === before + 1, 'a birth after the rebirth command', 10_000);
    expect(births().at(-1)?.sessionId).toBe(session);
    expect((births().at(-1)!.raw as { metrics: unknown[] }).metrics).toHaveLength(4);
    expect(s.errors).toEqual([]);
  });
});
