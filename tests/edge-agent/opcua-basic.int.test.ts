import { qualityClass, StatusCodes } from '@xiang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../edge-agent/src/index.js';
import { startAgent } from '../../edge-agent/src/index.js';
import type { OpcuaSource } from '../../edge-agent/src/sources/opcua/source.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { opcuaAgentConfig } from './helpers/agent-config.js';
import { startTestOpcuaServer, type TestOpcuaServer, type TestVariable } from './helpers/opcua-server.js';
import { UplinkSubscriber } from './helpers/subscriber.js';

// 20 power meters' values in W (converted to kW by the agent), one variable that goes Bad every 5th tick,
// one String variable configured as a number (type mismatch), and one NodeId the server does not have.
const meters: TestVariable[] = Array.from({ length: 20 }, (_, i) => ({
  deviceId: `M${String(i + 1).padStart(2, '0')}`,
  key: 'activePower',
  unit: ['WTT', 'W', 'watt'] as [string, string, string],
  valueAt: (n: number) => 1000 * (i + 1) + n,
}));
const flaky: TestVariable = {
  deviceId: 'S1',
  key: 'activePower',
  valueAt: (n) => n,
  statusAt: (n) => (n % 5 === 4 ? StatusCodes.BadSensorFailure : 0),
};
const text: TestVariable = {
  deviceId: 'S2',
  key: 'activePower',
  dataType: 'String',
  quantity: 'activePower',
  valueAt: (n) => `v${n}`,
};

describe('OPC UA → agent → Mosquitto → independent subscriber', () => {
  let mq: Service | null;
  let server: TestOpcuaServer;
  let agent: Agent;
  let sub: UplinkSubscriber;

  beforeAll(async () => {
    mq = await startMosquitto();
    if (!mq) return;
    server = await startTestOpcuaServer({
      variables: [...meters, flaky, text],
      maxMonitoredItemsPerCall: 5,
      tickMs: 50,
    });
    sub = new UplinkSubscriber(mq.url);
    await sub.start();
    // Publishing every 250 ms = 5 ticks per publish; M20 keeps only 2 of them, so its server-side queue
    // overflows and the server sets the Overflow info bit on what it delivers.
    const cfg = opcuaAgentConfig(
      mq.url,
      server,
      {},
      {
        defaults: { samplingIntervalMs: 0, queueSize: 100, publishingIntervalMs: 250 },
      },
    );
    const src = cfg.sources[0]!;
    if (src.type === 'opcua') {
      src.nodes[19]!.queueSize = 2;
      src.nodes.push({
        ...src.nodes[0]!,
        deviceId: 'GHOST',
        nodeId: `ns=${server.nsIndex};s=NoSuch.node`,
        key: 'activePower',
      });
    }
    agent = await startAgent(cfg);
  });

  afterAll(async () => {
    await agent?.stop();
    await sub?.stop();
    await server?.dispose();
    await mq?.dispose();
  });

  it('delivers values in kW with their source timestamps, births first, bad nodes isolated', async (ctx) => {
    if (!mq) return ctx.skip();
    await waitFor(
      () => meters.every((m) => sub.countFor(`${m.deviceId}.activePower`) >= 30),
      '30 readings per meter',
      30_000,
    );
    await waitFor(
      () => sub.readingsOf('S1.activePower').some((r) => r.status !== 0),
      'a Bad reading of S1',
      10_000,
    );

    // Births precede data: the first message is a birth and no data arrived for an unknown session.
    expect(sub.events[0]?.kind).toBe('birth');
    expect(sub.dataBeforeBirth).toBe(0);
    expect(sub.errors).toEqual([]);
    expect(sub.units.get('M01.activePower')).toBe('kW');

    // Every value and timestamp matches what the server wrote at that source timestamp (W → kW).
    for (const m of meters) {
      const name = `${m.deviceId}.activePower`;
      const got = sub.readingsOf(name);
      for (const r of got) {
        const truth = server.valueAt(name, r.ts);
        expect(truth, `${name}@${r.ts} exists on the server`).toBeDefined();
        expect(r.value).toBeCloseTo((truth!.value as number) / 1000, 9);
        expect(qualityClass(r.status)).toBe('good');
      }
    }
    // Overflow info bits (InfoType DataValue 0x400 + Overflow 0x80) are carried through and counted.
    expect(sub.readingsOf('M20.activePower').some((r) => r.status === 0x480)).toBe(true);
    expect(sub.readingsOf('M01.activePower').every((r) => r.status === 0)).toBe(true);
    expect(agent.stats().sources[0]!.counters.queueOverflows).toBeGreaterThan(0);

    // Bad values are forwarded with their status (and null value where the server sent none).
    const bad = sub.readingsOf('S1.activePower').filter((r) => r.status !== 0);
    expect(bad.length).toBeGreaterThan(0);
    for (const r of bad) expect(r.status >>> 0).toBe(StatusCodes.BadSensorFailure);

    // A type mismatch travels as null + BadTypeMismatch, and does not block other nodes.
    const mism = await waitFor(() => sub.readingsOf('S2.activePower')[0], 'S2 mismatch reading', 10_000);
    expect(mism.value).toBeNull();
    expect(mism.status >>> 0).toBe(StatusCodes.BadTypeMismatch);

    // The unknown node is reported per node; monitored items were created in calls of at most 5.
    const stats = agent.stats();
    const plc = stats.sources.find((s) => s.name === 'plc1')!;
    expect(plc.nodes?.['GHOST.activePower']?.status).toMatch(/BadNodeIdUnknown/);
    expect(plc.nodes?.['M01.activePower']?.status).toMatch(/Good|monitored/);
    const source = agent.sources[0] as OpcuaSource;
    expect(source.limits?.maxMonitoredItemsPerCall).toBe(5);
    expect(source.monitorCalls).toBeGreaterThanOrEqual(Math.ceil(23 / 5));

    // Health endpoint serves JSON and Prometheus text.
    const health = (await (await fetch(`${agent.healthUrl}/status`)).json()) as { valuesRead: number };
    expect(health.valuesRead).toBeGreaterThan(0);
    const prom = await (await fetch(`${agent.healthUrl}/metrics`)).text();
    expect(prom).toMatch(/xiang_edge_values_read_total\{source="plc1"\} \d+/);

    // Everything the agent took in reaches the subscriber (after a clean stop flushes the last batch).
    await agent.stop();
    const counts = agent.metricCounts();
    await waitFor(
      () => Object.entries(counts).every(([name, c]) => sub.countFor(name) === c.takenIn - c.dropped),
      'subscriber has every value the agent took in',
      15_000,
    );
    expect(Object.values(counts).reduce((a, c) => a + c.takenIn, 0)).toBeGreaterThan(600);
    await waitFor(() => sub.events.some((e) => e.kind === 'death'), 'explicit death on clean stop', 5000);
  });
});
