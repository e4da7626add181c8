import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AttributeIds,
  BrowseDirection,
  ClientMonitoredItem,
  type ClientSession,
  ClientSubscription,
  type DataValue,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
} from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../../tests/harness/ports.js';
import { LiveClock } from '../clock.js';
import { loadScenario, parseScenario } from '../scenario/load.js';
import { type OpcuaSimulator, startOpcuaSimulator } from './server.js';

// One PKI folder per file keeps startup fast (the key pair is made once).
let pkiDir: string;
let clientPki: OPCUACertificateManager;
let srv: OpcuaSimulator;

const DROP_FROM = '2025-03-03T02:00:00+08:00';
const DROP_TO = '2025-03-03T03:00:00+08:00';

function client(extra: Partial<Parameters<typeof OPCUAClient.create>[0]> = {}) {
  return OPCUAClient.create({
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 100 },
    clientCertificateManager: clientPki,
    ...extra,
  });
}

async function withSession<T>(endpoint: string, fn: (s: ClientSession) => Promise<T>): Promise<T> {
  const c = client();
  await c.connect(endpoint);
  const session = await c.createSession();
  try {
    return await fn(session);
  } finally {
    await session.close();
    await c.disconnect();
  }
}

beforeAll(async () => {
  pkiDir = await mkdtemp(path.join(os.tmpdir(), 'xiang-sim-pki-'));
  clientPki = new OPCUACertificateManager({
    rootFolder: path.join(pkiDir, 'client'),
    automaticallyAcceptUnknownCertificate: true,
  });
  await clientPki.initialize();
  const tiny = await loadScenario('tiny');
  const scenario = parseScenario({
    ...tiny,
    faults: [
      ...tiny.faults,
      { id: 'drop', type: 'meterDropout', device: 'M-WS1', from: DROP_FROM, to: DROP_TO },
    ],
  });
  srv = await startOpcuaSimulator({
    scenario,
    port: await freePort(),
    speed: false,
    pkiDir: path.join(pkiDir, 'server'),
  });
  srv.sim.step();
});

afterAll(async () => {
  await srv?.close();
  await clientPki?.dispose();
  await rm(pkiDir, { recursive: true, force: true });
});

describe('OPC UA simulator server', () => {
  it('browses Objects/<factory>/Meters and Workshops/…/Machines with metadata properties', async () => {
    await withSession(srv.endpointUrl, async (s) => {
      const ns = await s.readNamespaceArray();
      expect(ns[1]).toBe('urn:xiang-iiot:simulator');
      const meters = await s.browse({
        nodeId: 'ns=1;s=tiny.Meters',
        browseDirection: BrowseDirection.Forward,
        resultMask: 63,
      });
      const names = meters.references!.map((r) => r.browseName.name);
      expect(names).toEqual(expect.arrayContaining(['M-MAIN', 'M-WS1', 'M-AC01', 'M-AIR']));
      expect(names).not.toContain('M-WATER'); // MQTT-only device
      const machines = await s.browse('ns=1;s=asset/WS1/L1.Machines');
      expect(machines.references!.map((r) => r.browseName.name).sort()).toEqual(['CNC01', 'CNC02']);
      const props = await s.read(
        ['Medium', 'MeterRole', 'ParentMeter', 'AssetPath', 'DeviceKind'].map((p) => ({
          nodeId: `ns=1;s=M-WS1.${p}`,
          attributeId: AttributeIds.Value,
        })),
      );
      expect(props.map((d) => d.value.value)).toEqual(['electricity', 'feeder', 'M-MAIN', 'WS1', 'meter']);
      const rated = await s.read({ nodeId: 'ns=1;s=CNC01.RatedPowerKw', attributeId: AttributeIds.Value });
      expect(rated.value.value).toBe(22);
    });
  });

  it('exposes AnalogItemType units and ranges, and OPC 40001-1 state numbers with names', async () => {
    await withSession(srv.endpointUrl, async (s) => {
      const eu = await s.read({ nodeId: 'ns=1;s=M-MAIN.energyImport', attributeId: AttributeIds.Value });
      expect(typeof eu.value.value).toBe('number');
      const euRef = await s.translateBrowsePath({
        startingNode: 'ns=1;s=M-MAIN.energyImport',
        relativePath: {
          elements: [
            {
              referenceTypeId: 'i=46',
              isInverse: false,
              includeSubtypes: true,
              targetName: { namespaceIndex: 0, name: 'EngineeringUnits' },
            },
          ],
        },
      });
      const unit = await s.read({ nodeId: euRef.targets![0]!.targetId, attributeId: AttributeIds.Value });
      expect(unit.value.value.displayName.text).toBe('kWh');
      expect(unit.value.value.unitId).toBe(0x4b5748); // UNECE "KWH"
      const stateText = await s.translateBrowsePath({
        startingNode: 'ns=1;s=CNC01.state',
        relativePath: {
          elements: [
            {
              referenceTypeId: 'i=46',
              isInverse: false,
              includeSubtypes: true,
              targetName: { namespaceIndex: 0, name: 'ValueAsText' },
            },
          ],
        },
      });
      const [state, text] = await s.read([
        { nodeId: 'ns=1;s=CNC01.state', attributeId: AttributeIds.Value },
        { nodeId: stateText.targets![0]!.targetId, attributeId: AttributeIds.Value },
      ]);
      expect(state!.value.value).toBe(0); // Monday 00:00: NotAvailable
      expect(text!.value.value.text).toBe('NotAvailable');
    });
  });

  it('enforces the operation limits so clients must batch', async () => {
    await withSession(srv.endpointUrl, async (s) => {
      const limit = await s.read({ nodeId: 'i=11705', attributeId: AttributeIds.Value }); // MaxNodesPerRead
      expect(limit.value.value).toBe(200);
      const ids = srv.sim.catalog.metrics
        .slice(0, 70)
        .map((m) => ({ nodeId: `ns=1;s=${m.deviceId}.${m.key}`, attributeId: AttributeIds.Value }));
      await expect(s.read([...ids, ...ids, ...ids])).rejects.toThrow(/BadTooManyOperations/);
    });
  });

  it('delivers every tick of a counter with sourceTimestamp = virtual tick time, and Bad status on dropout', async () => {
    await withSession(srv.endpointUrl, async (s) => {
      const sub = ClientSubscription.create(s, {
        requestedPublishingInterval: 50,
        requestedMaxKeepAliveCount: 20,
        requestedLifetimeCount: 600,
        maxNotificationsPerPublish: 0,
        publishingEnabled: true,
      });
      const got: Record<string, DataValue[]> = { main: [], ws1: [] };
      const monitor = async (nodeId: string, into: DataValue[]) => {
        const mi = ClientMonitoredItem.create(
          sub,
          { nodeId, attributeId: AttributeIds.Value },
          { samplingInterval: 0, queueSize: 1000, discardOldest: false },
          TimestampsToReturn.Both,
        );
        mi.on('changed', (v) => into.push(v));
        await new Promise((r) => mi.once('initialized', r));
      };
      await monitor('ns=1;s=M-MAIN.energyImport', got.main!);
      await monitor('ns=1;s=M-WS1.energyImport', got.ws1!);
      await waitFor(() => got.main!.length >= 1 && got.ws1!.length >= 1, 'initial values');
      const firstTick = srv.sim.tick;
      const until = srv.sim.startMs + 4 * 3_600_000; // 4 simulated hours = 240 ticks at speed 3600 ≈ 4 s
      const clock = new LiveClock(srv.sim, { speed: 3600, untilMs: until });
      clock.start();
      const ticks = (until - srv.sim.timeOf(firstTick)) / srv.sim.tickMs + 1;
      await waitFor(() => got.main!.length >= ticks, `${ticks} counter values`, 30_000);
      clock.stop();
      await sub.terminate();
      const ts = got.main!.map((d) => d.sourceTimestamp!.getTime());
      expect(ts).toEqual(Array.from({ length: ticks }, (_, k) => srv.sim.timeOf(firstTick + k)));
      for (const d of got.main!)
        expect(d.value.value).toBe(srv.truth.counterAt('M-MAIN', d.sourceTimestamp!.getTime()));
      // the dropped-out meter: one Bad notification at 02:00, nothing until 03:00, then Good again
      const bad = got.ws1!.filter((d) => d.statusCode.value !== StatusCodes.Good.value);
      expect(bad).toHaveLength(1);
      expect(bad[0]!.statusCode.value).toBe(StatusCodes.BadNoCommunication.value);
      expect(bad[0]!.sourceTimestamp!.getTime()).toBe(Date.parse(DROP_FROM));
      const inside = got.ws1!.filter(
        (d) =>
          d.sourceTimestamp!.getTime() > Date.parse(DROP_FROM) &&
          d.sourceTimestamp!.getTime() < Date.parse(DROP_TO),
      );
      expect(inside).toHaveLength(0);
      const after = got.ws1!.find((d) => d.sourceTimestamp!.getTime() === Date.parse(DROP_TO))!;
      expect(after.statusCode.value).toBe(StatusCodes.Good.value);
      expect(after.value.value).toBe(srv.truth.counterAt('M-WS1', Date.parse(DROP_TO)));
    });
    await waitFor(() => srv.sessionCount() === 0, 'sessions closed');
  });

  it('restarts on the same port with the same certificate', async () => {
    const pemBefore = await readFile(srv.certificateFile, 'utf8');
    const derOf = (pem: string) =>
      Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    await srv.stopServer();
    await expect(withSession(srv.endpointUrl, async () => 1)).rejects.toThrow();
    await srv.startServer();
    expect(await readFile(srv.certificateFile, 'utf8')).toBe(pemBefore);
    const c = client();
    await c.connect(srv.endpointUrl);
    const eps = await c.getEndpoints();
    await c.disconnect();
    expect(Buffer.from(eps[0]!.serverCertificate).equals(derOf(pemBefore))).toBe(true);
    await withSession(srv.endpointUrl, async (s) => {
      const dv = await s.read({ nodeId: 'ns=1;s=M-MAIN.energyImport', attributeId: AttributeIds.Value });
      expect(dv.value.value).toBe(srv.truth.counterAt('M-MAIN', srv.sim.nowMs));
    });
  });

  it('offers SignAndEncrypt with Basic256Sha256 and username/password users', async () => {
    const tiny = await loadScenario('tiny');
    const secure = await startOpcuaSimulator({
      scenario: tiny,
      port: await freePort(),
      speed: false,
      pkiDir: path.join(pkiDir, 'server'),
      // None stays offered for GetEndpoints (node-opcua clients discover the server certificate over it)
      securityModes: ['None', 'SignAndEncrypt'],
      users: [{ username: 'agent', password: 's3cret' }],
    });
    try {
      secure.sim.step();
      const c = client({
        securityMode: MessageSecurityMode.SignAndEncrypt,
        securityPolicy: SecurityPolicy.Basic256Sha256,
      });
      await c.connect(secure.endpointUrl);
      await expect(c.createSession({ type: 1, userName: 'agent', password: 'wrong' })).rejects.toThrow(
        /BadUserAccessDenied|BadIdentityToken/,
      );
      await expect(c.createSession()).rejects.toThrow(/ANONYMOUS|BadIdentityToken|BadUserAccessDenied/);
      const session = await c.createSession({ type: 1, userName: 'agent', password: 's3cret' });
      const dv = await session.read({ nodeId: 'ns=1;s=M-MAIN.activePower', attributeId: AttributeIds.Value });
      expect(dv.statusCode.value).toBe(StatusCodes.Good.value);
      await session.close();
      await c.disconnect();
      const plain = client();
      await plain.connect(secure.endpointUrl);
      const eps = await plain.getEndpoints();
      await plain.disconnect();
      expect(
        eps.some(
          (e) =>
            e.securityMode === MessageSecurityMode.SignAndEncrypt &&
            e.securityPolicyUri === SecurityPolicy.Basic256Sha256,
        ),
      ).toBe(true);
    } finally {
      await secure.close();
    }
  });
});
