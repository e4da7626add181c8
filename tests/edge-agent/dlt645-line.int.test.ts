import { createSimulation, loadScenario } from '@xiang/simulators';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDlt645 } from '../../edge-agent/src/sources/dlt645/check.js';
import { dlt645SourceSchema } from '../../edge-agent/src/sources/dlt645/index.js';
import { readBlock, readItem } from '../../edge-agent/src/sources/dlt645/read.js';
import { dlt645Scan } from '../../edge-agent/src/sources/dlt645/scan.js';
import { StreamLink } from '../../edge-agent/src/sources/dlt645/transport.js';
import { type Dlt645Simulator, startDlt645Simulator } from '../../simulators/src/dlt645/index.js';
import { type PtyPair, socatAvailable, startPtyPair } from '../../simulators/src/modbus/index.js';

/**
 * The DL/T 645 line itself: the agent's serial transport (serialport 13) on one end of a socat pty pair with the
 * simulated meters on the other; and `xiang-edge scan dlt645` finding meters whose addresses share their low
 * digits (the address read collides, the abbreviated-address walk must narrow by a second byte).
 */
const scenario = await loadScenario('tiny');
const START_MS = Date.parse('2025-03-03T10:00:00+08:00');

describe('dlt645 line: serial pty pair and address search', () => {
  let sim: Dlt645Simulator | null = null;
  let pty: PtyPair | null = null;
  afterAll(async () => {
    await sim?.close();
    await pty?.close();
  });

  it('check reads every meter over a serial port (pty pair, 2400 8E1)', async () => {
    if (!socatAvailable()) {
      if (process.env.CI) throw new Error('socat is required on CI');
      console.warn('SKIP: socat not installed');
      return;
    }
    pty = await startPtyPair();
    const pair = { a: pty.simPath, b: pty.agentPath };
    const simulation = createSimulation(scenario, { startMs: START_MS });
    sim = await startDlt645Simulator({ scenario, simulation, speed: false, serialPath: pair.a });
    const cfg = dlt645SourceSchema.parse({
      type: 'dlt645',
      name: 'rs485',
      connection: { transport: 'serial', path: pair.b },
      timeoutMs: 1000,
      devices: sim.meters.map((m) => ({
        deviceId: m.deviceId,
        address: m.address,
        only: ['energyImport', 'voltage.L1'],
      })),
    });
    const rows = await checkDlt645(cfg);
    expect(rows).toHaveLength(sim.meters.length);
    for (const r of rows) expect(r, r.target).toMatchObject({ ok: true });
    expect(rows[0]!.detail).toMatch(/energyImport=\d+(\.\d+)?/);
    await sim.close();
    sim = null;
    await pty.close();
    pty = null;
  });

  it('scan finds meters sharing low digits by narrowing the abbreviated address, and skips a dead one', async () => {
    const simulation = createSimulation(scenario, { startMs: START_MS });
    sim = await startDlt645Simulator({
      scenario,
      simulation,
      speed: false,
      gatewayPort: 0,
      addresses: ['000000001201', '000000002201', '000000000305'],
      meterFaults: { deadAddresses: ['000000000305'] },
    });
    const progress: string[] = [];
    const r = await dlt645Scan.run(
      { host: '127.0.0.1', port: String(sim.gatewayPort), timeout: '60' },
      [],
      (m) => progress.push(m),
    );
    const devices = (r.source.devices as Array<{ address: string }>).map((d) => d.address).sort();
    expect(devices).toEqual(['000000001201', '000000002201']);
    expect(progress.some((p) => /several meters answer/.test(p))).toBe(true);
    expect(progress.some((p) => /…01: several meters answer, narrowing/.test(p))).toBe(true);
    // The skeleton validates as a source entry.
    expect(() => dlt645SourceSchema.parse(r.source)).not.toThrow();
    expect(sim.line.stats.collisions).toBeGreaterThanOrEqual(2);
  });

  it('data blocks split into follow-up frames (a meter with a 10-byte answer buffer) read the same values as item by item', async () => {
    const simulation = createSimulation(scenario, { startMs: START_MS });
    sim = await startDlt645Simulator({
      scenario,
      simulation,
      speed: false,
      gatewayPort: 0,
      meterFaults: { maxDataBytes: 10 },
    });
    const link = new StreamLink({ transport: 'tcp', host: '127.0.0.1', port: sim.gatewayPort! });
    await link.open();
    try {
      const address = sim.meters[0]!.address;
      const P = { format: 'XX.XXXX', signed: true } as const;
      const V = { format: 'XXX.X', signed: false } as const;
      const before = sim.line.stats.requests;
      // 4 powers × 3 bytes + DI = 16 > 10: B1H (DI + 2 powers), B2H?/92H follow-ups (DI + 1 power + SEQ each).
      const powers = await readBlock(link, address, '0203FF00', [P, P, P, P], 2000);
      expect(sim.line.stats.requests - before).toBe(3); // 11H, then 12H SEQ 1 and SEQ 2
      const single = [];
      for (const di of ['02030000', '02030100', '02030200', '02030300'])
        single.push(await readItem(link, address, { di, ...P }, 2000));
      expect(powers).toEqual(single);
      expect(powers.some((x) => x !== 0)).toBe(true);
      const volts = await readBlock(link, address, '0201FF00', [V, V, V], 2000); // 4 + 6 = 10: one frame
      expect(volts[0]).toBe(await readItem(link, address, { di: '02010100', ...V }, 2000));
      expect(sim.line.stats.abnormal).toBe(0);
    } finally {
      await link.close();
    }
  });
});
