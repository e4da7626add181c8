import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Agent, loadConfigFile, startAgent, validateConfig } from '../../edge-agent/src/index.js';
import { freePort, waitFor, waitForPort } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { tempDataDir } from './helpers/agent-config.js';
import { UplinkSubscriber } from './helpers/subscriber.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SIM = path.join(ROOT, 'simulators/bin/xiang-sim.js');
const TINY = path.join(ROOT, 'simulators/scenarios/tiny.yaml');

function spawnSim(args: string[]): ChildProcess {
  return spawn(process.execPath, [SIM, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
}

describe('edge-agent/examples/simulator.yaml against the tiny scenario (OPC UA + MQTT simulators)', () => {
  let mq: Service | null = null;
  const sims: ChildProcess[] = [];
  let agent: Agent | null = null;
  let sub: UplinkSubscriber | null = null;
  afterAll(async () => {
    await agent?.stop();
    await sub?.stop();
    for (const p of sims) p.kill('SIGTERM');
    await Promise.all(sims.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
    await mq?.dispose();
  });

  it('reads every simulator metric and publishes births and data the subscriber can decode', async (ctx) => {
    mq = await startMosquitto();
    if (!mq) return ctx.skip();
    const port = await freePort();
    const opcua = spawnSim(['opcua', '--scenario', TINY, '--port', String(port)]);
    sims.push(opcua);
    await waitForPort(port, '127.0.0.1', 60_000);
    sims.push(spawnSim(['mqtt', '--broker', mq.url, '--scenario', TINY]));

    // The example as shipped, with only addresses and the data dir pointed at this test's services.
    const example = loadConfigFile(path.join(ROOT, 'edge-agent/examples/simulator.yaml'));
    const raw = JSON.parse(JSON.stringify(example));
    raw.uplink.url = mq.url;
    raw.dataDir = tempDataDir();
    raw.health = { port: 0, logIntervalS: 0 };
    raw.logLevel = 'warn';
    raw.sources[0].endpoint = `opc.tcp://127.0.0.1:${port}`;
    delete raw.sources[0].pki;
    raw.sources[1].broker.url = mq.url;
    const cfg = validateConfig(raw);
    sub = new UplinkSubscriber(mq.url);
    await sub.start();
    agent = await startAgent(cfg);
    const s = sub;
    const opcuaNodes = example.sources[0]!.type === 'opcua' ? example.sources[0]!.nodes : [];
    const expected = [
      ...opcuaNodes.map((n) => `${n.deviceId}.${n.key}`),
      'M-WATER.mass',
      'M-WATER.flow',
      'ENV-WS1.temperature',
      'ENV-WS1.humidity',
    ];
    await waitFor(() => expected.every((m) => s.countFor(m) > 0), 'a reading of every metric', 60_000, 200);
    expect(s.events[0]?.kind).toBe('birth');
    expect(s.dataBeforeBirth).toBe(0);
    expect(s.errors).toEqual([]);
    expect(s.units.get('M-MAIN.energyImport')).toBe('kWh');
    expect(s.units.get('M-WATER.mass')).toBe('t');
    // Source timestamps are the simulator's virtual clock (the scenario starts 2025-03-03), not wall time.
    const first = s.readingsOf('M-MAIN.energyImport')[0]!;
    expect(first.ts).toBeGreaterThanOrEqual(Date.parse('2025-03-03T00:00:00+08:00'));
    expect(first.ts).toBeLessThan(Date.now() - 86_400_000);
    // The energy counter never decreases.
    await waitFor(() => s.countFor('M-MAIN.energyImport') >= 10, '10 counter readings', 30_000);
    const kwh = s
      .readingsOf('M-MAIN.energyImport')
      .filter((r) => r.status === 0)
      .map((r) => r.value as number);
    for (let i = 1; i < kwh.length; i++) expect(kwh[i]!).toBeGreaterThanOrEqual(kwh[i - 1]!);
    const st = agent.stats();
    expect(st.sources.find((x) => x.name === 'sim-opcua')?.connected).toBe(true);
    expect(
      Object.values(st.sources.find((x) => x.name === 'sim-opcua')?.nodes ?? {}).every((n) => !n.error),
    ).toBe(true);
  });
});
