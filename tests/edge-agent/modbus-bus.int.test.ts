import { createSimulation, groundTruth, loadScenario } from '@xiang/simulators';
import { afterAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent, validateConfig } from '../../edge-agent/src/index.js';
import { MODELS, type ModbusSimulator, startModbusSimulator } from '../../simulators/src/modbus/index.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import { tempDataDir } from './helpers/agent-config.js';

/**
 * One Modbus TCP gateway with several unit ids behind it (the simulator's meters), one of them dead: simulator →
 * agent → Mosquitto → platform. The hourly kWh of every live meter from the platform's API equals the
 * simulation's ground truth (the simulator's GroundTruth, not the agent's code) at the precision of the meter's
 * energy register, the dead meter's hours are missing (never zero), and the dead slave costs each live meter at
 * most one of its timeouts between two answers (measured on the simulator's side: when each unit was answered).
 */
const scenario = await loadScenario('tiny');
const HOUR_MS = 3_600_000;
const START_MS = Date.parse('2025-03-03T06:00:00+08:00');
const DEAD_UNIT = 2;

/** Worst error of a difference of two readings of `value`'s size in this register encoding (kWh). */
function energyResolution(model: string, value: number): number {
  const r = MODELS[model]!.find((x) => x.key === 'energyImport')!;
  if (r.encoding === 'float32') {
    // Two readings, each rounded to half a float32 ulp at this magnitude.
    return 2 ** (Math.floor(Math.log2(Math.max(1, value * r.factor))) - 23) / r.factor;
  }
  return 1 / r.factor; // integer registers: each reading rounded to half a step
}

describe('modbus bus: several units behind one TCP gateway, one dead', () => {
  let mq: Service | null = null;
  let sim: ModbusSimulator | null = null;
  let agent: Agent | null = null;
  const h = new PlatformHarness();
  afterAll(async () => {
    await agent?.stop();
    await sim?.close();
    await h.dispose();
    await mq?.dispose();
  });

  it('hourly kWh per meter through the platform equals the ground truth; a dead unit costs one timeout', async () => {
    mq = await startMosquitto();
    if (!mq) return;
    const simulation = createSimulation(scenario, { startMs: START_MS, historyDays: 1 });
    const truth = groundTruth(simulation);
    simulation.step(); // tick 0
    sim = await startModbusSimulator({
      scenario,
      simulation,
      speed: false,
      tcpPort: 0,
      slaveFaults: { deadUnits: [DEAD_UNIT] },
    });
    const s = sim;
    expect(s.meters.length).toBeGreaterThanOrEqual(3);
    const dead = s.meters.find((m) => m.unit === DEAD_UNIT)!;
    const live = s.meters.filter((m) => m !== dead);
    const platform = await h.start(mq.url, await h.tempDir());
    const factory = scenario.factory.id;
    const pollIntervalMs = 20;
    const timeoutMs = 500;
    const retries = 2;
    const cfg = validateConfig({
      factoryId: factory,
      agentId: 'MB-bus',
      dataDir: tempDataDir(),
      uplink: { url: mq.url },
      batching: { maxPoints: 500, maxDelayMs: 50 },
      health: { port: 0, logIntervalS: 0 },
      logLevel: 'warn',
      sources: [
        {
          type: 'modbus',
          name: 'gw1',
          connection: { transport: 'tcp', host: '127.0.0.1', port: s.tcpPort! },
          pollIntervalMs,
          timeoutMs,
          retries,
          devices: s.meters.map((m) => ({
            deviceId: m.deviceId,
            unit: m.unit,
            model: m.model,
            kind: 'meter',
            medium: 'electricity',
            only: ['energyImport', 'activePower'],
            // The dead unit on its own interval, so that its back-off (8 × 500 ms) keeps the plant stepping fast.
            ...(m.unit === DEAD_UNIT ? { pollIntervalMs: 500 } : {}),
          })),
        },
      ],
    });
    const a = await startAgent(cfg, { now: () => simulation.nowMs });
    agent = a;
    // Step the plant one tick at a time; the next step waits until every live meter's energy of this tick reached
    // the agent (a reading is stamped with the simulated time it arrived in).
    const taken = (id: string) => a.metricCounts()[`${id}.energyImport`]?.takenIn ?? 0;
    const hours = 3;
    const ticks = (hours * HOUR_MS) / simulation.tickMs;
    const servedFrom = performance.now();
    for (let k = 0; k <= ticks; k++) {
      const before = live.map((m) => taken(m.deviceId));
      await waitFor(
        () => live.every((m, i) => taken(m.deviceId) > before[i]!),
        `tick ${k}: every live meter read`,
        30_000,
        5,
      );
      if (k < ticks) simulation.step();
    }
    const servedTo = performance.now();
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
        const done = live.every(
          (m) => b?.series.find((x) => x.deviceId === m.deviceId)?.intervals.at(-1)?.increase != null,
        );
        return done ? b : null;
      },
      'the platform has the last hour of every live meter',
      60_000,
    );
    const lastValue = (id: string) =>
      Number(simulation.current!.values[simulation.catalog.metric(id, 'energyImport')!.index]);
    let worst = 0;
    for (const m of live) {
      const x = body.series.find((y) => y.deviceId === m.deviceId)!;
      expect(x.intervals.map((iv) => iv.startMs)).toEqual([0, 1, 2].map((i) => START_MS + i * HOUR_MS));
      const tol = energyResolution(m.model, lastValue(m.deviceId)) + 1e-9;
      for (const iv of x.intervals) {
        const t = truth.counterIncrease(m.deviceId, iv.startMs, iv.startMs + HOUR_MS);
        expect(t, `${m.deviceId}: the plant used energy`).toBeGreaterThan(0);
        const err = Math.abs(iv.increase! - t);
        expect(err, `${m.deviceId} (${m.model}) ${new Date(iv.startMs).toISOString()}`).toBeLessThanOrEqual(
          tol,
        );
        worst = Math.max(worst, err);
      }
    }
    // The dead unit: no hour of it is made up (missing, never zero), its values BadTimeout, counted.
    const deadSeries = body.series.find((y) => y.deviceId === dead.deviceId);
    for (const iv of deadSeries?.intervals ?? []) expect(iv.increase, dead.deviceId).toBeNull();
    const st = a.stats().sources[0]!;
    expect(st.nodes?.[`${dead.deviceId}.energyImport`]?.status).toMatch(/^BadTimeout/);
    // At least one whole failed cycle of the dead unit (first try and every retry) ran while the others polled.
    expect(st.counters.timeout).toBeGreaterThanOrEqual(1 + retries);
    expect(st.counters.retries).toBeGreaterThanOrEqual(retries);
    expect(s.slaves.servedAt.get(DEAD_UNIT) ?? []).toHaveLength(0);
    // Between two answers of a live unit there is at most its own poll interval and one timeout of the dead unit:
    // the dead unit's retry goes back in line behind every unit already due, and a live unit never fails on TCP.
    // Retrying in place would cost (1 + retries) × timeout = 1500 ms per dead read; 400 ms covers scheduling on
    // a loaded 2-core machine (the figure is printed).
    const bound = pollIntervalMs + timeoutMs + 400;
    const gaps = live.map((m) => {
      const t = (s.slaves.servedAt.get(m.unit) ?? []).filter((x) => x >= servedFrom && x <= servedTo);
      let max = 0;
      for (let i = 1; i < t.length; i++) max = Math.max(max, t[i]! - t[i - 1]!);
      return max;
    });
    console.log(
      `[modbus-bus] ${live.length} live units + unit ${DEAD_UNIT} dead behind one Modbus TCP gateway × ${hours} h: ` +
        `max |hourly kWh − truth| ${worst.toFixed(5)} kWh; max gap between answers of a live unit ` +
        `${Math.max(...gaps).toFixed(0)} ms (interval ${pollIntervalMs}, timeout ${timeoutMs}, retries ${retries}, ` +
        `bound ${bound}); requests ${st.counters.requests}, timeouts ${st.counters.timeout}, retries ${st.counters.retries}`,
    );
    for (const g of gaps) expect(g).toBeLessThanOrEqual(bound);
    await a.stop();
    agent = null;
  });
});
