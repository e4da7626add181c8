import { createSimulation, groundTruth, loadScenario } from '@xiang/simulators';
import { afterAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent, validateConfig } from '../../edge-agent/src/index.js';
import {
  MODELS,
  type ModbusSimulator,
  type PtyPair,
  registerPrecision,
  socatAvailable,
  startModbusSimulator,
  startPtyPair,
} from '../../simulators/src/modbus/index.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import { tempDataDir } from './helpers/agent-config.js';
import { UplinkSubscriber } from './helpers/subscriber.js';

/**
 * Modbus RTU over a serial line end to end: the simulator's RTU slaves on one end of a socat pty pair, the agent's
 * serial transport (modbus-serial + serialport 13) on the other, 9600 8N1, with a noisy line (answers leave with a
 * corrupted CRC at a seeded rate). Every CRC error the line produced is counted by the agent as one (no more, no
 * less), retried behind the other units, and a read that fails every try travels as BadCommunicationError — the
 * agent keeps running, and hourly kWh per meter through the platform still equals the simulator's ground truth.
 */
const scenario = await loadScenario('tiny');
const HOUR_MS = 3_600_000;
const START_MS = Date.parse('2025-03-04T08:00:00+08:00');
/** OPC UA Part 4 §7.39 / Part 6 A.2 StatusCode table: Bad_CommunicationError. */
const BAD_COMMUNICATION_ERROR = 0x80050000;

describe('modbus RTU over a pty pair', () => {
  let mq: Service | null = null;
  let pty: PtyPair | null = null;
  let sim: ModbusSimulator | null = null;
  let agent: Agent | null = null;
  let sub: UplinkSubscriber | null = null;
  const h = new PlatformHarness();
  afterAll(async () => {
    await agent?.stop();
    await sub?.stop();
    await sim?.close();
    await pty?.close();
    await h.dispose();
    await mq?.dispose();
  });

  it('values reach the platform equal to the ground truth; CRC errors are counted quality, not a crash', async () => {
    if (!socatAvailable()) {
      if (process.env.CI) throw new Error('socat is required on CI');
      console.warn('SKIP: socat not installed');
      return;
    }
    mq = await startMosquitto();
    if (!mq) return;
    pty = await startPtyPair();
    const simulation = createSimulation(scenario, { startMs: START_MS, historyDays: 1 });
    const truth = groundTruth(simulation);
    simulation.step(); // tick 0
    const crcErrorRate = 0.2;
    sim = await startModbusSimulator({
      scenario,
      simulation,
      speed: false,
      serialPath: pty.simPath,
      busFaults: { crcErrorRate, seed: 15 },
    });
    const s = sim;
    const platform = await h.start(mq.url, await h.tempDir());
    sub = new UplinkSubscriber(mq.url);
    await sub.start();
    const u = sub;
    const factory = scenario.factory.id;
    const retries = 1;
    const cfg = validateConfig({
      factoryId: factory,
      agentId: 'MB-rtu',
      dataDir: tempDataDir(),
      uplink: { url: mq.url },
      batching: { maxPoints: 500, maxDelayMs: 20 },
      health: { port: 0, logIntervalS: 0 },
      logLevel: 'warn',
      sources: [
        {
          type: 'modbus',
          name: 'rs485',
          connection: { transport: 'rtu', path: pty.agentPath, baudRate: 9600 },
          pollIntervalMs: 20,
          timeoutMs: 1000,
          retries,
          devices: s.meters.map((m) => ({
            deviceId: m.deviceId,
            unit: m.unit,
            model: m.model,
            kind: 'meter',
            medium: 'electricity',
            only: ['energyImport', 'activePower', 'voltage.L1'],
          })),
        },
      ],
    });
    const a = await startAgent(cfg, { now: () => simulation.nowMs });
    agent = a;
    // Each tick: wait until every meter's energy of this simulated minute was read Good (a read that failed
    // every try is followed by the next poll of the same minute), then step.
    const energy = (id: string) =>
      Number(simulation.current!.values[simulation.catalog.metric(id, 'energyImport')!.index]);
    const node = (id: string) => a.stats().sources[0]!.nodes![`${id}.energyImport`]!;
    const hours = 2;
    const ticks = (hours * HOUR_MS) / simulation.tickMs;
    for (let k = 0; k <= ticks; k++) {
      const at = simulation.nowMs;
      await waitFor(
        () =>
          s.meters.every((m) => node(m.deviceId).lastSourceTs === at && node(m.deviceId).status === 'Good'),
        `tick ${k}: every meter's energy read Good at ${new Date(at).toISOString()}`,
        30_000,
        5,
      );
      if (k < ticks) simulation.step();
    }
    const endMs = START_MS + hours * HOUR_MS;
    a.flush();
    type Inc = { series: { deviceId: string; intervals: { startMs: number; increase: number | null }[] }[] };
    const ids = s.meters.map((m) => m.deviceId);
    const query = `/api/v1/factories/${factory}/timeseries/increase?series=${ids.map((id) => `${id}:energyImport`).join(',')}&from=${START_MS}&to=${endMs}&interval=1h`;
    const body = await waitFor(
      async () => {
        const res = await fetch(`${platform.url}${query}`, {
          headers: { authorization: `Bearer ${h.adminToken}` },
        });
        const b = res.ok ? ((await res.json()) as Inc) : null;
        const done =
          b?.series.length === ids.length && b.series.every((x) => x.intervals.at(-1)?.increase != null);
        return done ? b : null;
      },
      'the platform has the last hour of every meter',
      60_000,
    );
    for (const x of body.series) {
      const m = s.meters.find((y) => y.deviceId === x.deviceId)!;
      const r = MODELS[m.model]!.find((y) => y.key === 'energyImport')!;
      expect(x.intervals.map((iv) => iv.startMs)).toEqual([0, 1].map((i) => START_MS + i * HOUR_MS));
      for (const iv of x.intervals) {
        const from = iv.startMs;
        const to = from + HOUR_MS;
        const t = truth.counterIncrease(m.deviceId, from, to);
        expect(t).toBeGreaterThan(0);
        // Exactly the difference of the two boundary readings as the register keeps them: the counter at the
        // boundaries is the truth's (counter at `from` + increase), each rounded by the simulator's encoding.
        const start = energy(m.deviceId) - truth.counterIncrease(m.deviceId, from, endMs);
        const q = (v: number) => registerPrecision(v, r.encoding, r.factor);
        const tol = Math.abs(q(start + t) - (start + t)) + Math.abs(q(start) - start) + 1e-9;
        expect(
          Math.abs(iv.increase! - t),
          `${m.deviceId} (${m.model}) ${new Date(from).toISOString()}`,
        ).toBeLessThanOrEqual(tol);
      }
    }
    // The noisy line: every corrupted answer the simulator sent was counted by the agent as one CRC error, the
    // simulator never received a bad frame from the agent, nothing timed out, the port stayed open.
    const st = a.stats().sources[0]!;
    const c = st.counters;
    console.log(
      `[modbus-rtu] ${s.meters.length} units, 9600 8N1 over a pty, ${hours} h: requests ${c.requests}, ` +
        `CRC errors ${c.crcError} (simulator corrupted ${s.framing.crcCorrupted}), retries ${c.retries}, ` +
        `timeouts ${c.timeout}`,
    );
    expect(c.crcError).toBeGreaterThan(0);
    expect(c.crcError).toBe(s.framing.crcCorrupted);
    expect(s.framing.badCrcIn).toBe(0);
    expect(c.timeout).toBe(0);
    expect(st.connected).toBe(true);
    expect(st.reconnections).toBe(0);
    // A CRC error either was retried or ended its cycle; the reads that failed every try went out as
    // BadCommunicationError (null), once per change per point, and were followed by Good values again.
    const givenUp = c.crcError! - c.retries!;
    expect(givenUp).toBeGreaterThan(0);
    const bad = ids.flatMap((id) =>
      ['energyImport', 'activePower', 'voltage.L1'].flatMap((k) =>
        u.readingsOf(`${id}.${k}`).filter((x) => x.status !== 0),
      ),
    );
    expect(bad.length).toBeGreaterThan(0);
    for (const x of bad) {
      expect(x.status, x.metric).toBe(BAD_COMMUNICATION_ERROR);
      expect(x.value, x.metric).toBeNull();
    }
    await a.stop();
    agent = null;
  });
});
