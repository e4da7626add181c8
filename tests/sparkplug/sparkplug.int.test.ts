import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningPlatform } from '../../platform/src/main.js';
import { waitFor } from '../harness/ports.js';
import { startMosquitto } from '../harness/services.js';
import { api, PlatformHarness } from '../platform/platform-harness.js';
import { SpecEdgeNode } from './edge-node.js';
import { DT, encodeSpec } from './spec-encoder.js';

/**
 * A Sparkplug B edge node written from the 3.0 spec (not our agent, not sparkplug-client) publishes at QoS 1 to a
 * real Mosquitto; the platform, with Sparkplug ingest on and the README's sample mapping, must show its devices,
 * metrics, stored values, births/deaths and online history through the API, ask for a rebirth on a gap, keep the
 * node's session across a restart and a crash (every value stored, none dead-lettered), and announce itself as
 * Primary Host Application (STATE) to a second node that waits for it before its births.
 */
const broker = await startMosquitto();
const h = new PlatformHarness();
let p: RunningPlatform;
let node: SpecEdgeNode;
let waiter: SpecEdgeNode;
const HOST_ID = 'xiang-host';
let dataDir: string;
let sparkplug: {
  enabled: true;
  mappingFile: string;
  groups: string[];
  rebirthMinIntervalMs: number;
  hostId: string;
};

const README = path.join(import.meta.dirname, '../../platform/src/sparkplug/README.md');
/** The README's sample mapping (the yaml block that starts with `groups:`). */
const sampleMapping = () => {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map(
    (m) => m[1] as string,
  );
  return blocks.find((b) => b.startsWith('groups:')) as string;
};

type Device = {
  id: string;
  kind: string;
  assetPath: string;
  meterRole?: string;
  online: boolean;
  agentId: string;
};
type Raw = {
  series: { deviceId: string; metric: string; points: { tsMs: number; value: number | null }[] }[];
};
const get = <T>(url: string) => api<T>(p, h.adminToken, url);
const raw = (series: string) =>
  get<Raw>(`/api/v1/factories/F1/timeseries/raw?series=${series}&from=0&to=${Date.now() + 86_400_000}`);
const values = async (series: string) => (await raw(series)).series[0]?.points.map((x) => x.value) ?? [];
/** Energy values of the crash test: its 300 s from fromMs on (older than every other point of the suite). */
const energyFrom = async (fromMs: number) =>
  ((await raw('PM1:energyImport')).series[0]?.points ?? [])
    .filter((x) => x.tsMs >= fromMs && x.tsMs < fromMs + 300_000)
    .map((x) => x.value);
type Stats = { totals: { staleDeaths: number; rejectedMessages: Record<string, number> } };
/** The retained STATE of the platform as a newly connecting client gets it. */
async function retainedState(): Promise<{ online: boolean; timestamp: number }> {
  const c = await mqtt.connectAsync(broker!.url, { clientId: `state-${process.pid}`, protocolVersion: 4 });
  try {
    const got = new Promise<Buffer>((resolve) => c.once('message', (_t, payload) => resolve(payload)));
    await c.subscribeAsync(`spBv1.0/STATE/${HOST_ID}`, { qos: 1 });
    return JSON.parse((await got).toString('utf8'));
  } finally {
    await c.endAsync();
  }
}

describe.skipIf(!broker)('Sparkplug B edge node → Mosquitto → platform', () => {
  beforeAll(async () => {
    dataDir = await h.tempDir();
    const mappingFile = path.join(dataDir, 'sparkplug-mapping.yaml');
    await writeFile(mappingFile, sampleMapping());
    sparkplug = { enabled: true, mappingFile, groups: ['+'], rebirthMinIntervalMs: 60_000, hostId: HOST_ID };
    p = await h.start(broker!.url, dataDir, { sparkplug });
    await waitFor(() => p.ingest.ready(), 'platform subscribed', 15_000);
    node = await SpecEdgeNode.connect(broker!.url, {
      group: 'Plant1',
      node: 'GW1',
      bdSeq: 3,
      qos: 1,
      nodeMetrics: [{ name: 'Uptime', alias: 1, datatype: DT.Int64, value: 10n }],
      devices: [
        {
          id: 'PM1',
          metrics: [
            { name: 'Active Power', alias: 10, datatype: DT.Float, value: 1.5 },
            { name: 'Energy/Import', alias: 11, datatype: DT.Double, value: 1000 },
            { name: 'Voltage L1', alias: 12, datatype: DT.Int16, value: 230 },
          ],
        },
        { id: 'Press1', metrics: [{ name: 'Running', alias: 20, datatype: DT.Boolean, value: true }] },
      ],
    });
  });
  afterAll(async () => {
    await node?.end().catch(() => {});
    await waiter?.end().catch(() => {});
    await h.dispose();
    await broker?.dispose();
  });

  it('births make devices with the mapped attributes and metric table; aliased DDATA is stored', async () => {
    const t0 = Date.now() - 60_000;
    await node.births(t0);
    for (let k = 1; k <= 3; k++) {
      await node.ddata(
        'PM1',
        [
          [10, 10 + k],
          [11, 1000 + k / 4],
          [12, 229 + k],
        ],
        t0 + k * 1000,
      );
      await node.ddata('Press1', [[20, k % 2 === 0]], t0 + k * 1000);
    }
    await waitFor(async () => (await values('PM1:voltage.L1')).length === 3, '3 voltage points', 20_000);
    expect(await values('PM1:activePower')).toEqual([11, 12, 13]);
    expect(await values('PM1:energyImport')).toEqual([1000.25, 1000.5, 1000.75]);
    expect(await values('PM1:voltage.L1')).toEqual([230, 231, 232]);
    expect((await raw('Press1:Running')).series[0]?.points).toHaveLength(3);

    const devices = await get<Device[]>('/api/v1/factories/F1/devices');
    const byId = new Map(devices.map((d) => [d.id, d]));
    expect(byId.get('PM1')).toMatchObject({
      kind: 'meter',
      assetPath: 'WS1',
      meterRole: 'feeder',
      online: true,
      agentId: 'GW1',
    });
    expect(byId.get('Press1')).toMatchObject({ kind: 'machine', assetPath: 'WS1/L1', online: true });
    expect(byId.get('GW1')?.online).toBe(true);
    const metrics = await get<{ key: string; quantity: string; unit: string; kind: string }[]>(
      '/api/v1/factories/F1/metrics?deviceId=PM1',
    );
    expect(metrics.map((m) => [m.key, m.quantity, m.unit, m.kind]).sort()).toEqual([
      ['activePower', 'activePower', 'kW', 'gauge'],
      ['energyImport', 'activeEnergyImport', 'kWh', 'counter'],
      ['voltage.L1', 'voltage', 'V', 'gauge'],
    ]);
  });

  it('a seq gap makes the platform publish NCMD Node Control/Rebirth; the node rebirths and data goes on', async () => {
    const t1 = Date.now() - 30_000;
    node.skip(3);
    await node.ddata('PM1', [[10, 20]], t1);
    await waitFor(() => node.rebirths === 1, 'rebirth command received', 20_000);
    expect(node.commands[0]).toEqual([{ name: 'Node Control/Rebirth', bool: true }]);
    await node.ddata('PM1', [[10, 21]], t1 + 1000);
    await waitFor(async () => (await values('PM1:activePower')).length === 5, '5 power points', 20_000);
    expect(await values('PM1:activePower')).toEqual([11, 12, 13, 20, 21]);
    const metricsText = await (await fetch(`${p.url}/metrics`)).text();
    expect(metricsText).toMatch(/xiang_sparkplug_rebirth_requests_total\{result="sent"\} 1\b/);
    expect(metricsText).toMatch(/xiang_sparkplug_seq_gaps_total 1\b/);
    expect(metricsText).toMatch(/xiang_sparkplug_messages_total\{type="DDATA",qos="1"\} 8\b/);
  });

  it('a group nobody mapped is counted and dead-lettered', async () => {
    const c = await mqtt.connectAsync(broker!.url, { clientId: `ghost-${process.pid}`, protocolVersion: 4 });
    await c.publishAsync('spBv1.0/Ghost/NBIRTH/X', Buffer.from([0x08, 0x01]), { qos: 1 });
    await c.endAsync();
    await waitFor(
      async () =>
        (await get<unknown[]>('/api/v1/ingest/dead-letters?reason=sparkplugUnknownGroup')).length === 1,
      'dead letter',
      20_000,
    );
    const stats = await get<{ totals: { rejectedMessages: Record<string, number> } }>('/api/v1/ingest/stats');
    expect(stats.totals.rejectedMessages.sparkplugUnknownGroup).toBe(1);
  });

  it('the platform is Primary Host Application: retained STATE online; a node waiting for it births then', async () => {
    const state = await retainedState();
    expect(state).toMatchObject({ online: true });
    expect(typeof state.timestamp).toBe('number');
    waiter = await SpecEdgeNode.connect(broker!.url, {
      group: 'Plant1',
      node: 'GW2',
      bdSeq: 0,
      qos: 1,
      primaryHostId: HOST_ID,
      devices: [{ id: 'PM2', metrics: [{ name: 'Active Power', alias: 1, datatype: DT.Float, value: 2 }] }],
    });
    await waitFor(() => waiter.birthsSent === 1, 'births after STATE online', 20_000);
    await waitFor(
      async () =>
        (await get<Device[]>('/api/v1/factories/F1/devices')).some((d) => d.id === 'PM2' && d.online),
      'PM2 born',
      20_000,
    );
    // A late Will of an earlier connection (older timestamp): the host republishes online (Sparkplug 3.0 §5.3,
    // tck-id-message-flow-hid-sparkplug-state-message-delivered); the node ignores the older STATE.
    const c = await mqtt.connectAsync(broker!.url, {
      clientId: `old-host-${process.pid}`,
      protocolVersion: 4,
    });
    const late = JSON.stringify({ online: false, timestamp: state.timestamp - 1 });
    await c.publishAsync(`spBv1.0/STATE/${HOST_ID}`, late, { qos: 1, retain: true });
    await c.endAsync();
    await waitFor(
      async () => (await retainedState()).timestamp > state.timestamp,
      'online republished',
      20_000,
    );
    expect((await retainedState()).online).toBe(true);
    expect(waiter.hostOnline).toBe(true);
    expect(waiter.birthsSent).toBe(1);
  });

  it('after a platform restart the node goes on by alias (no rebirth, no dead letter); a stale NDEATH is ignored', async () => {
    await p.stop();
    await waitFor(() => !waiter.hostOnline, 'STATE offline seen by the waiting node', 20_000);
    expect((await retainedState()).online).toBe(false);
    p = await h.start(broker!.url, dataDir, { sparkplug });
    await waitFor(() => p.ingest.ready(), 'platform subscribed again', 15_000);
    await waitFor(
      () => waiter.hostOnline && waiter.birthsSent === 2,
      'the waiting node births again',
      20_000,
    );
    const t2 = Date.now() - 20_000;
    await node.ddata('PM1', [[10, 30]], t2);
    await node.ddata('PM1', [[10, 31]], t2 + 1000);
    await waitFor(async () => (await values('PM1:activePower')).length === 7, '7 power points', 20_000);
    expect(await values('PM1:activePower')).toEqual([11, 12, 13, 20, 21, 30, 31]);
    // A Will of an earlier connection of GW1 (bdSeq 2), arriving after the restart: counted, nothing offline.
    const c = await mqtt.connectAsync(broker!.url, {
      clientId: `late-will-${process.pid}`,
      protocolVersion: 4,
    });
    await c.publishAsync(
      'spBv1.0/Plant1/NDEATH/GW1',
      encodeSpec({ metrics: [{ name: 'bdSeq', datatype: DT.UInt64, value: 2n }] }),
      { qos: 1 },
    );
    await c.endAsync();
    await waitFor(
      async () => (await get<Stats>('/api/v1/ingest/stats')).totals.staleDeaths === 1,
      'stale death counted',
      20_000,
    );
    const devices = await get<Device[]>('/api/v1/factories/F1/devices');
    expect(devices.filter((d) => d.agentId === 'GW1').every((d) => d.online)).toBe(true);
    expect(node.rebirths).toBe(1);
    expect(await get<unknown[]>('/api/v1/ingest/dead-letters?reason=sparkplugNoBirth')).toEqual([]);
  });

  it('a platform crash mid-stream at QoS 1: every value stored exactly once after the restart, none dead-lettered', async () => {
    const t3 = Date.now() - 10_000_000;
    const N = 300;
    const sent = (async () => {
      for (let k = 0; k < N; k++) await node.ddata('PM1', [[11, 5000 + k]], t3 + k * 1000);
    })();
    await waitFor(async () => (await energyFrom(t3)).length >= 20, 'some values stored', 20_000);
    await p.abort(); // no PUBACK for what was not yet durable: Mosquitto keeps it for the persistent session
    await sent;
    p = await h.start(broker!.url, dataDir, { sparkplug });
    await waitFor(async () => (await energyFrom(t3)).length === N, `${N} values stored`, 60_000);
    expect(await energyFrom(t3)).toEqual(Array.from({ length: N }, (_, k) => 5000 + k));
    const dead = await get<{ reason: string }[]>('/api/v1/ingest/dead-letters');
    expect(dead.map((d) => d.reason).filter((r) => r !== 'sparkplugUnknownGroup')).toEqual([]);
  });

  it('the node dies (its Will NDEATH carries the NBIRTH bdSeq): every device offline, online history shows it', async () => {
    node.crash();
    await waitFor(
      async () =>
        (await get<Device[]>('/api/v1/factories/F1/devices'))
          .filter((d) => d.agentId === 'GW1')
          .every((d) => !d.online),
      'all devices of GW1 offline',
      30_000,
    );
    const history = await get<{ online: boolean; reason: string }[]>(
      '/api/v1/factories/F1/devices/PM1/online-history',
    );
    expect(history.map((x) => [x.online, x.reason])).toEqual([
      [true, 'birth'],
      [false, 'agent death (will)'],
    ]);
    const agents = await get<{ agentId: string; online: boolean }[]>('/api/v1/factories/F1/agents');
    expect(agents.find((a) => a.agentId === 'GW1')?.online).toBe(false);
  });
});
