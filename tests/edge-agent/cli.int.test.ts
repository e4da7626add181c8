import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { validateConfig } from '../../edge-agent/src/index.js';
import { freePort } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { tempDataDir } from './helpers/agent-config.js';
import { startTestOpcuaServer, TEST_NS_URI, type TestOpcuaServer } from './helpers/opcua-server.js';

const BIN = path.resolve(import.meta.dirname, '../../edge-agent/bin/xiang-edge.js');

function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    // A bound, not a synchronisation: on a loaded 2-core machine loading node-opcua alone can take 20 s.
    const t = setTimeout(() => p.kill('SIGKILL'), 150_000);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('xiang-edge CLI: browse → config skeleton → check', () => {
  let server: TestOpcuaServer | null = null;
  let mq: Service | null = null;
  afterAll(async () => {
    await server?.dispose();
    await mq?.dispose();
  });

  it('browse writes a valid skeleton with units, quantities and device metadata; check reports OK / FAILED', async (ctx) => {
    mq = await startMosquitto();
    if (!mq) return ctx.skip();
    server = await startTestOpcuaServer({
      variables: [
        { deviceId: 'MAIN', key: 'activePower', unit: ['KWT', 'kW', 'kilowatt'] },
        { deviceId: 'MAIN', key: 'energyImport', unit: ['WHR', 'Wh', 'watt hour'] },
        { deviceId: 'MAIN', key: 'voltage.L1', unit: ['VLT', 'V', 'volt'] },
        { deviceId: 'CNC1', key: 'state', dataType: 'Int32', valueAt: (n) => n % 4 },
        { deviceId: 'CNC1', key: 'currentProduct', dataType: 'String', valueAt: () => 'P-100' },
      ],
      deviceProperties: {
        MAIN: { Medium: 'electricity', MeterRole: 'mainIncomer', AssetPath: '' },
        CNC1: { DeviceKind: 'machine', AssetPath: 'WS1/L1', RatedPowerKw: 22, ParentMeter: 'MAIN' },
      },
    });
    const dir = tempDataDir();
    const out = path.join(dir, 'skeleton.yaml');
    const browse = await cli(['browse', server.endpoint, '--depth', '5', '--out', out], dir);
    expect(browse.stderr).toMatch(/level 1: \d+ nodes/); // progress on stderr
    expect(browse.code, browse.stderr).toBe(0);
    const doc = parse(readFileSync(out, 'utf8'));
    const nodes = doc.sources[0].nodes as Array<Record<string, unknown>>;
    const byKey = Object.fromEntries(nodes.map((n) => [`${n.deviceId}.${n.key}`, n]));
    expect(byKey['MAIN.activePower']).toMatchObject({
      quantity: 'activePower',
      nodeId: `nsu=${TEST_NS_URI};s=MAIN.activePower`,
    });
    expect(byKey['MAIN.activePower']?.unit).toBeUndefined(); // kW is canonical
    expect(byKey['MAIN.energyImport']).toMatchObject({ quantity: 'activeEnergyImport', unit: 'Wh' });
    expect(byKey['MAIN.voltage.L1']).toMatchObject({ quantity: 'voltage', phase: 'L1' });
    expect(byKey['CNC1.state']).toMatchObject({ quantity: 'machineState', datatype: 'int' });
    expect(byKey['CNC1.currentProduct']).toMatchObject({ quantity: 'currentProduct', datatype: 'string' });
    const devices = Object.fromEntries((doc.devices as Array<{ id: string }>).map((d) => [d.id, d]));
    expect(devices.MAIN).toMatchObject({ medium: 'electricity', meterRole: 'mainIncomer' });
    expect(devices.CNC1).toMatchObject({
      kind: 'machine',
      assetPath: 'WS1/L1',
      ratedPowerKw: 22,
      parentMeter: 'MAIN',
    });
    expect(() => validateConfig(doc, dir)).not.toThrow();

    // check: the skeleton pointed at the test broker (only uplink.url changes) passes.
    doc.uplink.url = mq.url;
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, stringify(doc));
    const ok = await cli(['check', '--config', good], dir);
    expect(ok.stdout).toMatch(/uplink .* OK/);
    expect(ok.stdout).toMatch(/opcua opcua1 .* OK +5 nodes readable/);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);

    // check: an unreachable endpoint and a missing node are FAILED with reasons, exit code 1.
    const badDoc = structuredClone(doc);
    badDoc.sources[0].nodes.push({
      deviceId: 'MAIN',
      key: 'ghost',
      nodeId: `nsu=${TEST_NS_URI};s=MAIN.ghost`,
      quantity: 'other',
    });
    badDoc.sources.push({
      ...structuredClone(doc.sources[0]),
      name: 'down',
      endpoint: `opc.tcp://127.0.0.1:${await freePort()}`,
      nodes: [{ deviceId: 'DOWN', key: 'activePower', nodeId: 'ns=1;s=x', quantity: 'activePower' }],
    });
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, stringify(badDoc));
    const failed = await cli(['check', '--config', bad], dir);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      /opcua opcua1 .* FAILED +1\/6 nodes unusable: MAIN\.ghost: BadNodeIdUnknown/,
    );
    expect(failed.stdout).toMatch(/opcua down .* FAILED +connection refused/);

    // check: an invalid config names the path and what was expected, exit code 2.
    const invalid = structuredClone(doc);
    invalid.sources[0].nodes[1].unit = 'kvar';
    invalid.sources[0].nodes[2].nodeId = 'MAIN.voltage';
    const inv = path.join(dir, 'invalid.yaml');
    writeFileSync(inv, stringify(invalid));
    const res = await cli(['check', '--config', inv], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('sources[0].nodes[2].nodeId: expected "ns=<n>;s=<id>" or "nsu=<uri>;…"');
  }, 900_000);
});
