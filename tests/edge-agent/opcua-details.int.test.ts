import { Writable } from 'node:stream';
import type { Birth } from '@xiang/protocol';
import { make_warningLog } from 'node-opcua-debug';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type Agent, startAgent, validateConfig } from '../../edge-agent/src/index.js';
import { browseToConfig } from '../../edge-agent/src/sources/opcua/browse.js';
import { checkOpcua } from '../../edge-agent/src/sources/opcua/check.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { tempDataDir } from './helpers/agent-config.js';
import { startTestOpcuaServer, type TestOpcuaServer } from './helpers/opcua-server.js';
import { UplinkSubscriber } from './helpers/subscriber.js';

/**
 * Issue 8 item 5, the OPC UA details seen with a third-party server and real devices: array variables,
 * per-node status while disconnected, devices removed from the config, node-opcua's own printers, phase
 * suffixes in browse names.
 */
describe('OPC UA source details (arrays, status while disconnected, removed devices, logs, phases)', () => {
  let mq: Service | null = null;
  let server: TestOpcuaServer | null = null;
  let sub: UplinkSubscriber | null = null;
  const agents: Agent[] = [];
  afterAll(async () => {
    for (const a of agents) await a.stop().catch(() => {});
    await sub?.stop();
    await server?.dispose();
    await mq?.dispose();
  });

  it('maps arrays per element or refuses them, never forwards a permanent BadTypeMismatch', async (ctx) => {
    mq = await startMosquitto();
    if (!mq) return ctx.skip();
    server = await startTestOpcuaServer({
      tickMs: 100,
      variables: [
        { deviceId: 'M1', key: 'activePower' },
        { deviceId: 'M1', key: 'voltage', array: { length: 3 } },
        { deviceId: 'M1', key: 'samples', array: { length: 5, dimensionsUnknown: true } },
        { deviceId: 'M1', key: 'flex', array: { length: 2, valueRank: -2 } },
        { deviceId: 'M2', key: 'Voltage L1' },
        { deviceId: 'M2', key: 'Current Phase B' },
      ],
    });
    const srv = server;
    const ns = `nsu=urn:xiang-iiot:test;s=`;

    // browse: the fixed 3-element array becomes three per-phase metrics; the one of unknown length is
    // skipped with its reason; names with phase suffixes keep the phase.
    const found = await browseToConfig({
      endpoint: srv.endpoint,
      depth: 5,
      trustOnFirstUse: false,
      pkiDir: tempDataDir(),
    });
    const nodes = (found.source as { nodes: Array<Record<string, unknown>> }).nodes;
    const byName = new Map(nodes.map((n) => [`${n.deviceId}.${n.key}`, n]));
    for (const [i, ph] of ['L1', 'L2', 'L3'].entries()) {
      expect(byName.get(`M1.voltage.${ph}`)).toMatchObject({
        nodeId: `${ns}M1.voltage`,
        index: i,
        phase: ph,
        quantity: 'voltage',
      });
    }
    expect([...byName.keys()].some((k) => k.startsWith('M1.samples'))).toBe(false);
    expect(found.notes.join('\n')).toMatch(/skipped .*M1\.samples: array of unknown length/);
    expect(byName.get('TestPlant.voltage.L1') ?? byName.get('M2.voltage.L1')).toMatchObject({ phase: 'L1' });
    expect(byName.get('M2.current.L2') ?? byName.get('TestPlant.current.L2')).toMatchObject({
      phase: 'L2',
      quantity: 'current',
    });

    // check: an array without index, and an index on a scalar, are refused with their reason.
    const cfg = (over: Array<Record<string, unknown>>) =>
      validateConfig({
        factoryId: 'F1',
        agentId: 'A1',
        dataDir: tempDataDir(),
        uplink: { url: mq!.url },
        batching: { maxPoints: 200, maxDelayMs: 100 },
        health: { port: 0, logIntervalS: 0 },
        logLevel: 'warn',
        sources: [
          {
            type: 'opcua',
            name: 'plc1',
            endpoint: srv.endpoint,
            reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
            defaults: { samplingIntervalMs: 0, queueSize: 100, publishingIntervalMs: 100 },
            nodes: over,
          },
        ],
      });
    const bad = cfg([
      { deviceId: 'M1', key: 'samples', nodeId: `${ns}M1.samples`, quantity: 'other' },
      { deviceId: 'M1', key: 'p', nodeId: `${ns}M1.activePower`, index: 0, quantity: 'activePower' },
    ]).sources[0]!;
    if (bad.type !== 'opcua') throw new Error('opcua');
    const [refused] = await checkOpcua(bad);
    expect(refused!.ok).toBe(false);
    expect(refused!.detail).toMatch(/M1\.samples: array variable \(ValueRank 1[^)]*\): set "index"/);
    expect(refused!.detail).toMatch(/M1\.p: "index" 0 given, but the variable is a scalar/);
    const good = cfg(nodes.filter((n) => n.deviceId === 'M1') as Array<Record<string, unknown>>).sources[0]!;
    if (good.type !== 'opcua') throw new Error('opcua');
    expect((await checkOpcua(good))[0]).toMatchObject({ ok: true });

    // run: elements arrive as scalars equal to the server's element values; the "Any" node that turns out
    // to deliver an array is refused (status + counted), nothing travels as BadTypeMismatch.
    sub = new UplinkSubscriber(mq.url);
    await sub.start();
    const s = sub;
    const lines: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    const runCfg = cfg([
      ...(nodes.filter((n) => n.deviceId === 'M1') as Array<Record<string, unknown>>),
      // browse keeps M1.flex (ValueRank −2 "Any" may be a scalar); at run time it delivers an array
      { deviceId: 'M2', key: 'activePower', nodeId: `${ns}M2.Voltage L1`, quantity: 'other' },
    ]);
    const consoleLog = vi.spyOn(console, 'log');
    const agent = await startAgent(runCfg, { logger });
    agents.push(agent);
    await waitFor(() => s.countFor('M1.voltage.L3') >= 5, 'array elements as metrics', 30_000);
    for (const [e, ph] of ['L1', 'L2', 'L3'].entries()) {
      for (const r of s.readingsOf(`M1.voltage.${ph}`)) {
        const truth = srv.valueAt('M1.voltage', r.ts)?.value as number[] | undefined;
        expect(r.value).toBe(truth?.[e]);
        expect(r.status).toBe(0);
      }
    }
    const plc = () => agent.stats().sources[0]!;
    await waitFor(
      () => plc().nodes?.['M1.flex']?.status === 'arrayValue',
      'flex refused at run time',
      20_000,
    );
    expect(plc().nodes?.['M1.flex']?.error).toMatch(/sent an array/);
    expect(s.countFor('M1.flex')).toBe(0);
    expect(plc().rejected.typeMismatch ?? 0).toBe(0);
    expect([...s.readings.values()].some((r) => r.status === 0x80740000)).toBe(false);

    // node-opcua's printers go through the agent's pino logger: one JSON line per message, no console dump.
    make_warningLog('test')('first line\nsecond line');
    const routed = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'first line');
    expect(routed).toMatchObject({ component: 'node-opcua', detail: ['second line'] });

    // per-node status while the server is away: nothing says Good.
    await srv.stop();
    await waitFor(() => !plc().connected, 'source disconnected', 30_000);
    const statuses = Object.values(plc().nodes ?? {});
    expect(statuses.filter((n) => !n.error).every((n) => /^Bad/.test(n.status))).toBe(true);
    expect(statuses.some((n) => /Good/.test(n.status))).toBe(false);
    await srv.start();
    await waitFor(
      () => plc().nodes?.['M1.activePower']?.status === 'Good',
      'Good again after reconnect',
      60_000,
    );
    expect(consoleLog).not.toHaveBeenCalled();
    consoleLog.mockRestore();

    // a device removed from the config leaves the birth (nothing of it is queued any more).
    await agent.stop();
    const births = () => s.events.filter((e) => e.kind === 'birth').map((e) => e.raw as Birth);
    const before = births().length;
    const only = cfg(nodes.filter((n) => n.deviceId === 'M1') as Array<Record<string, unknown>>);
    only.dataDir = runCfg.dataDir;
    const again = await startAgent(only);
    agents.push(again);
    await waitFor(() => births().length > before, 'a new birth', 30_000);
    const last = births().at(-1)!;
    expect(last.devices.map((d) => d.id)).toEqual(['M1']);
    expect(last.metrics.some((m) => m.deviceId === 'M2')).toBe(false);
    // the indices of what stays are unchanged
    const first = births()[0]!;
    for (const m of last.metrics)
      expect(first.metrics.find((x) => x.key === m.key && x.deviceId === m.deviceId)?.i).toBe(m.i);
  });
});
