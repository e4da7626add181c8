import { createSimulation, loadScenario } from '@xiang/simulators';
import { afterAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent, validateConfig } from '../../edge-agent/src/index.js';
import {
  MODELS,
  type ModbusSimulator,
  registerPrecision,
  startModbusSimulator,
} from '../../simulators/src/modbus/index.js';

import { waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { tempDataDir } from './helpers/agent-config.js';
import { UplinkSubscriber } from './helpers/subscriber.js';

/**
 * The Modbus source against the simulator's meters (Modbus TCP and RTU behind a TCP gateway): every value the
 * agent publishes equals the simulation's value at the precision the register layout keeps, decoded by the
 * agent's shipped maps from registers the simulator encodes with its own, independent layout table.
 */
const scenario = await loadScenario('tiny');

describe('modbus source against the simulated meters', () => {
  let mq: Service | null = null;
  let sim: ModbusSimulator | null = null;
  let agent: Agent | null = null;
  let sub: UplinkSubscriber | null = null;
  afterAll(async () => {
    await agent?.stop();
    await sub?.stop();
    await sim?.close();
    await mq?.dispose();
  });

  it.each(['tcp', 'rtuOverTcp'] as const)(
    '%s: values equal the simulation, through the shipped maps',
    async (transport) => {
      mq ??= await startMosquitto();
      if (!mq) return;
      await agent?.stop();
      await sim?.close();
      const simulation = createSimulation(scenario, { startMs: Date.parse('2025-03-03T09:00:00+08:00') });
      sim = await startModbusSimulator({ scenario, simulation, speed: false, tcpPort: 0, gatewayPort: 0 });
      const s = sim;
      const port = transport === 'tcp' ? s.tcpPort! : s.gatewayPort!;
      await sub?.stop();
      sub = new UplinkSubscriber(mq.url);
      await sub.start();
      const cfg = validateConfig({
        factoryId: 'F1',
        agentId: `MB-${transport}`,
        dataDir: tempDataDir(),
        uplink: { url: mq.url },
        batching: { maxPoints: 500, maxDelayMs: 50 },
        health: { port: 0, logIntervalS: 0 },
        logLevel: 'warn',
        sources: [
          {
            type: 'modbus',
            name: 'bus1',
            connection: { transport, host: '127.0.0.1', port },
            pollIntervalMs: 100,
            timeoutMs: 500,
            devices: s.meters.map((m) => ({ deviceId: m.deviceId, unit: m.unit, model: m.model })),
          },
        ],
      });
      const a = await startAgent(cfg);
      agent = a;
      const u = sub;
      // Two ticks: the values before and after a step of the simulation.
      for (let round = 0; round < 2; round++) {
        const snap = simulation.current!;
        for (const m of s.meters) {
          for (const r of MODELS[m.model]!) {
            if (r.derive || (r.key.includes('.') && r.key !== 'voltage.L1' && r.key !== 'current.L2'))
              continue;
            const def = simulation.catalog.metric(m.deviceId, r.key)!;
            const expected = registerPrecision(Number(snap.values[def.index]), r.encoding, r.factor);
            const metric = `${m.deviceId}.${r.key}`;
            // Units on the wire: the agent converts W → kW; the simulation is in kW already.
            await waitFor(
              () =>
                u
                  .readingsOf(metric)
                  .some(
                    (x) => Math.abs((x.value as number) - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
                  ),
              `${metric} = ${expected} (${m.model}, round ${round}); got ${u
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
      // Every point of the shipped maps is served by the simulated meters and Good.
      for (const [name, n] of Object.entries(st.nodes ?? {})) expect(n.status, name).toBe('Good');
      expect(st.connected).toBe(true);
      expect(st.counters.timeout).toBe(0);
      expect(st.counters.requests).toBeGreaterThan(0);
      expect(st.counters.exceptions).toBe(0);
      await a.stop();
      agent = null;
    },
  );
});
