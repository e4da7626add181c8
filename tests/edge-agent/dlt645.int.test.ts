import { createSimulation, groundTruth, loadScenario } from '@xiang/simulators';
import { afterAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent, validateConfig } from '../../edge-agent/src/index.js';
import { DATA_ITEMS } from '../../edge-agent/src/sources/dlt645/dis.js';
import {
  bcdPrecision,
  type Dlt645Simulator,
  SIM_ITEMS,
  startDlt645Simulator,
} from '../../simulators/src/dlt645/index.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import { tempDataDir } from './helpers/agent-config.js';
import { UplinkSubscriber } from './helpers/subscriber.js';

/**
 * The DL/T 645 source against the simulator's meters behind a TCP transparent gateway. Values: every item the
 * agent publishes equals the simulation's value at the precision of the BCD format, decoded by the agent's
 * frames and table from bytes the simulator encodes with its own, independent code. Path: simulator → agent →
 * Mosquitto → platform, hourly kWh per meter from the API equals the simulation's ground truth, while a dead
 * meter on the same line costs the others no more than its timeout.
 */
const scenario = await loadScenario('tiny');
const HOUR_MS = 3_600_000;
const START_MS = Date.parse('2025-03-03T06:00:00+08:00');

describe('dlt645 source against the simulated meters', () => {
  let mq: Service | null = null;
  let sim: Dlt645Simulator | null = null;
  let agent: Agent | null = null;
  let sub: UplinkSubscriber | null = null;
  const h = new PlatformHarness();
  afterAll(async () => {
    await agent?.stop();
    await sub?.stop();
    await sim?.close();
    await h.dispose();
    await mq?.dispose();
  });

  it.each([
    { how: 'item by item', blocks: false, maxDataBytes: undefined },
    // Data blocks (02 0x FF 00) from meters that split answers beyond 10 data bytes into follow-up frames (12H).
    { how: 'data blocks in follow-up frames', blocks: true, maxDataBytes: 10 },
  ])(
    'every standard item equals the simulation ($how); items a meter lacks are abnormal answers',
    async (v) => {
      mq ??= await startMosquitto();
      if (!mq) return;
      const simulation = createSimulation(scenario, { startMs: START_MS });
      sim = await startDlt645Simulator({
        scenario,
        simulation,
        speed: false,
        gatewayPort: 0,
        ...(v.maxDataBytes ? { meterFaults: { maxDataBytes: v.maxDataBytes } } : {}),
      });
      const s = sim;
      sub = new UplinkSubscriber(mq.url);
      await sub.start();
      const cfg = validateConfig({
        factoryId: 'F1',
        agentId: v.blocks ? 'DLT-blocks' : 'DLT-values',
        dataDir: tempDataDir(),
        uplink: { url: mq.url },
        batching: { maxPoints: 500, maxDelayMs: 50 },
        health: { port: 0, logIntervalS: 0 },
        logLevel: 'warn',
        sources: [
          {
            type: 'dlt645',
            name: 'line1',
            connection: { transport: 'tcp', host: '127.0.0.1', port: s.gatewayPort! },
            pollIntervalMs: 100,
            timeoutMs: 500,
            blocks: v.blocks,
            devices: s.meters.map((m) => ({ deviceId: m.deviceId, address: m.address })),
          },
        ],
      });
      const a = await startAgent(cfg);
      agent = a;
      const u = sub;
      const lacking: string[] = [];
      for (let round = 0; round < 2; round++) {
        const snap = simulation.current!;
        for (const m of s.meters) {
          for (const item of DATA_ITEMS) {
            const simItem = SIM_ITEMS[item.di]!;
            const def = simulation.catalog.metric(m.deviceId, simItem.key);
            const metric = `${m.deviceId}.${item.key}`;
            if (!def && !simItem.derive) {
              if (round === 0) lacking.push(metric);
              continue;
            }
            const raw = simItem.derive ? simItem.derive(() => 0)! : Number(snap.values[def!.index]);
            const expected = bcdPrecision(raw, simItem);
            await waitFor(
              () => u.readingsOf(metric).some((x) => Math.abs((x.value as number) - expected) <= 1e-9),
              `${metric} = ${expected} (DI ${item.di}, round ${round}); got ${u
                .readingsOf(metric)
                .slice(-3)
                .map((x) => x.value)
                .join(', ')}`,
              30_000,
            );
          }
        }
        simulation.step();
      }
      const st = a.stats().sources[0]!;
      for (const [name, n] of Object.entries(st.nodes ?? {}))
        expect(n.status, name).toMatch(lacking.includes(name) ? /^BadNotSupported/ : /^Good$/);
      expect(st.connected).toBe(true);
      expect(st.counters.timeout).toBe(0);
      expect(st.counters.crcError).toBe(0);
      if (v.blocks) expect(s.line.stats.followUps).toBeGreaterThan(0);
      else expect(s.line.stats.followUps).toBe(0);
      if (lacking.length > 0) expect(st.counters.exceptions).toBeGreaterThan(0);
      else expect(st.counters.exceptions).toBe(0);
      await a.stop();
      agent = null;
      await sim.close();
      sim = null;
    },
  );

  it('hourly kWh per meter through the platform equals the ground truth; a dead meter costs one timeout', async () => {
    mq ??= await startMosquitto();
    if (!mq) return;
    const simulation = createSimulation(scenario, { startMs: START_MS, historyDays: 1 });
    const truth = groundTruth(simulation);
    simulation.step(); // tick 0
    const live = simulation.scenario.meters.filter((m) => m.medium === 'electricity').map((m) => m.id);
    const dead = live.pop()!;
    sim = await startDlt645Simulator({
      scenario,
      simulation,
      speed: false,
      gatewayPort: 0,
      meterFaults: { deadAddresses: ['000000000003'] },
      lineFaults: { checksumErrorRate: 0.02, seed: 7 },
    });
    const s = sim;
    expect(s.meters.find((m) => m.address === '000000000003')!.deviceId).toBe(dead);
    const platform = await h.start(mq.url, await h.tempDir());
    const factory = scenario.factory.id;
    const pollIntervalMs = 20;
    const timeoutMs = 400;
    const cfg = validateConfig({
      factoryId: factory,
      agentId: 'DLT-path',
      dataDir: tempDataDir(),
      uplink: { url: mq.url },
      batching: { maxPoints: 500, maxDelayMs: 50 },
      health: { port: 0, logIntervalS: 0 },
      logLevel: 'warn',
      sources: [
        {
          type: 'dlt645',
          name: 'line1',
          connection: { transport: 'tcp', host: '127.0.0.1', port: s.gatewayPort! },
          pollIntervalMs,
          timeoutMs,
          retries: 2,
          devices: s.meters.map((m) => ({
            deviceId: m.deviceId,
            address: m.address,
            kind: 'meter',
            medium: 'electricity',
            only: ['energyImport', 'activePower'],
            // The dead meter on its own interval, so that its back-off (8 × 500 ms) keeps the plant stepping fast.
            ...(m.address === '000000000003' ? { pollIntervalMs: 500 } : {}),
          })),
        },
      ],
    });
    const a = await startAgent(cfg, { now: () => simulation.nowMs });
    agent = a;
    // Step the plant one tick at a time; the next step waits until every live meter's energy of this tick
    // reached the agent (a reading is stamped with the simulated time it arrived in).
    const taken = (id: string) => a.metricCounts()[`${id}.energyImport`]?.takenIn ?? 0;
    const hours = 3;
    const ticks = (hours * HOUR_MS) / simulation.tickMs;
    const servedFrom = performance.now();
    for (let k = 0; k <= ticks; k++) {
      const before = live.map(taken);
      await waitFor(
        () => live.every((id, i) => taken(id) > before[i]!),
        `tick ${k}: every live meter read`,
        30_000,
        5,
      );
      if (k < ticks) simulation.step();
    }
    const endMs = START_MS + hours * HOUR_MS;
    a.flush();
    type Inc = { series: { deviceId: string; intervals: { startMs: number; increase: number | null }[] }[] };
    const query = `/api/v1/factories/${factory}/timeseries/increase?series=${live.map((id) => `${id}:energyImport`).join(',')}&from=${START_MS}&to=${endMs}&interval=1h`;
    const fetchInc = async () => {
      const res = await fetch(`${platform.url}${query}`, {
        headers: { authorization: `Bearer ${h.adminToken}` },
      });
      return res.ok ? ((await res.json()) as Inc) : null;
    };
    const body = await waitFor(
      async () => {
        const b = await fetchInc();
        const done =
          b?.series.length === live.length && b.series.every((x) => x.intervals.at(-1)?.increase != null);
        return done ? b : null;
      },
      'the platform has the last hour of every live meter',
      60_000,
    );
    let worst = 0;
    for (const x of body.series) {
      expect(x.intervals.map((iv) => iv.startMs)).toEqual([0, 1, 2].map((i) => START_MS + i * HOUR_MS));
      for (const iv of x.intervals) {
        const t = truth.counterIncrease(x.deviceId, iv.startMs, iv.startMs + HOUR_MS);
        // Each reading keeps 0.01 kWh (XXXXXX.XX, rounded): the difference of two is within 0.01 kWh.
        expect(
          Math.abs(iv.increase! - t),
          `${x.deviceId} ${new Date(iv.startMs).toISOString()}`,
        ).toBeLessThanOrEqual(0.01 + 1e-9);
        worst = Math.max(worst, Math.abs(iv.increase! - t));
      }
    }
    // The dead meter: offline, its values BadTimeout, asked far less often than the live ones (back-off) …
    const st = a.stats().sources[0]!;
    expect(st.nodes?.[`${dead}.energyImport`]?.status).toMatch(/^BadTimeout/);
    expect(st.counters.timeout).toBeGreaterThan(0);
    expect(st.counters.crcError).toBeGreaterThan(0); // checksum errors on the line were seen and retried
    // … and between two answers of a live meter there is at most one poll interval and one timeout of the dead
    // meter per failure of the live meter's own: a live meter's retry after a checksum error goes back in line,
    // possibly behind the dead meter's retry, so 2 timeouts; 300 ms covers scheduling on a loaded machine (the
    // figure is printed). Polling the dead meter's requests and retries in a row would take 2 items × 3 tries ×
    // 400 ms = 2400 ms.
    const gaps = live.map((id) => {
      const addr = s.meters.find((m) => m.deviceId === id)!.address;
      const t = (s.line.servedAt.get(addr) ?? []).filter((x) => x >= servedFrom);
      let max = 0;
      for (let i = 1; i < t.length; i++) max = Math.max(max, t[i]! - t[i - 1]!);
      return max;
    });
    console.log(
      `[dlt645] ${live.length} live meters × ${hours} h: max |hourly kWh − truth| ${worst.toFixed(4)} kWh; ` +
        `max gap between answers of a live meter ${Math.max(...gaps).toFixed(0)} ms (interval ${pollIntervalMs}, timeout ${timeoutMs}); ` +
        `requests ${st.counters.requests}, timeouts ${st.counters.timeout}, checksum errors ${st.counters.crcError}`,
    );
    for (const g of gaps) expect(g).toBeLessThanOrEqual(pollIntervalMs + 2 * timeoutMs + 400);
    await a.stop();
    agent = null;
  });
});
