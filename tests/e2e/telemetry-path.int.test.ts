import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/ports.js';
import {
  electricityMeterIds,
  expectEveryCounterTick,
  expectStoredExactlyOnce,
  getJson,
  hourlyComparison,
  machineIds,
  stateDurationsFromApi,
} from './checks.js';
import { useE2EServices } from './services.js';
import { E2EStack, FACTORY, HOUR_MS, START_MS, type StoreKind } from './stack.js';

/**
 * Issue 3 §6, the whole real path: OPC UA + MQTT simulators → edge agent → Mosquitto (MQTT 5) → platform →
 * store → HTTP API, over one simulated day (Monday 00:00–24:00 +08:00: a night, the day shift with a morning
 * and a lunch break, an evening), once on the embedded store and once on a real InfluxDB.
 */
const DAY_END_MS = START_MS + 24 * HOUR_MS;
const svc = useE2EServices();

describe.each(['embedded', 'influx'] as StoreKind[])(
  'one simulated day through the whole path, %s store',
  (kind) => {
    let available = false;
    let stack: E2EStack;

    beforeAll(async () => {
      available = await svc.ready(kind);
      if (!available) return;
      stack = await E2EStack.start({
        name: `day-${kind}`,
        brokerUrl: svc.broker!.url,
        store: kind,
        ...(svc.influx ? { influxUrl: svc.influx.url } : {}),
      });
      stack.run(DAY_END_MS);
      await stack.settle(DAY_END_MS);
    });
    afterAll(async () => {
      await stack?.dispose();
    });

    it('each meter’s consumption per hour from the API equals the ground truth within 0.1 %', async (ctx) => {
      if (!available) return ctx.skip();
      const hourly = await hourlyComparison(stack.api, stack.truth, START_MS, DAY_END_MS);
      const elec = electricityMeterIds();
      // Every electricity meter, every hour of the day.
      for (const id of elec) {
        const rows = hourly.filter((r) => r.deviceId === id);
        expect(rows.map((r) => r.hourStartMs)).toEqual(
          Array.from({ length: 24 }, (_, h) => START_MS + h * HOUR_MS),
        );
        for (const r of rows) {
          expect(r.quantity).toBe('activeEnergyImport');
          expect(r.api, `${id} ${new Date(r.hourStartMs).toISOString()}`).not.toBeNull();
          expect(r.relError, `${id} ${new Date(r.hourStartMs).toISOString()}`).toBeLessThanOrEqual(0.001);
        }
      }
      // The day really has a shift: the main incomer draws several times more in a production hour than at night.
      const main = (h: number) =>
        hourly.find((r) => r.deviceId === 'M-MAIN' && r.hourStartMs === START_MS + h * HOUR_MS)!;
      expect(main(9).truth).toBeGreaterThan(3 * main(3).truth);
      // Utility meters too: the compressed-air counter (OPC UA) every hour; the water meter (MQTT-only device)
      // publishes from tick 1 on, so its first hour has no reading at 00:00 and must be a gap (null), never a
      // guess, and every later hour must match.
      const air = hourly.filter((r) => r.deviceId === 'M-AIR');
      expect(air).toHaveLength(24);
      for (const r of air) expect(r.relError).toBeLessThanOrEqual(0.001);
      const water = hourly.filter((r) => r.deviceId === 'M-WATER');
      expect(water).toHaveLength(24);
      expect(water[0]!.api).toBeNull();
      for (const r of water.slice(1)) expect(r.relError).toBeLessThanOrEqual(0.001);
      const worst = Math.max(...hourly.filter((r) => r.api !== null).map((r) => r.relError));
      console.info(
        `[e2e ${kind}] hourly consumption: ${hourly.filter((r) => r.api !== null).length} meter-hours, max relative error ${worst.toExponential(2)}`,
      );
    });

    it('each machine’s time in each state, from the raw state series of the API, equals the ground truth', async (ctx) => {
      if (!available) return ctx.skip();
      // States change only on tick boundaries and every sample carries its tick time as source timestamp,
      // so the durations must agree to the millisecond: tolerance 0.
      let changes = 0;
      for (const id of machineIds()) {
        const fromApi = await stateDurationsFromApi(stack.api, id, START_MS, DAY_END_MS);
        const truth = stack.truth.stateDurations(id, START_MS, DAY_END_MS);
        expect(fromApi.states, id).toEqual(truth.states);
        changes += fromApi.samples - 1;
      }
      // Not a trivial day: the machines ran, idled and stood still, with many state changes.
      const cnc = stack.truth.stateDurations('CNC01', START_MS, DAY_END_MS).states;
      expect(cnc.Executing).toBeGreaterThan(4 * HOUR_MS);
      expect(cnc.NotAvailable).toBeGreaterThan(12 * HOUR_MS);
      expect(changes).toBeGreaterThan(20);
      console.info(`[e2e ${kind}] machine states: ${changes} state changes, durations exact`);
    });

    it('every value the agent took in is stored exactly once, and nothing the simulator produced is missing', async (ctx) => {
      if (!available) return ctx.skip();
      // Nothing disturbed this run, so every metric — OPC UA and MQTT devices alike — must match exactly.
      const r = await expectStoredExactlyOnce(stack);
      expect(r.repeatsTakenIn).toBe(0);
      // Against the simulator itself: 1 441 ticks (00:00 … 24:00 inclusive) per electricity counter.
      await expectEveryCounterTick(stack, START_MS, DAY_END_MS);
      console.info(`[e2e ${kind}] ${r.series} series, ${r.points} points stored, each exactly once`);
    });

    it('an agent that dies shows its devices offline through the API within seconds', async (ctx) => {
      if (!available) return ctx.skip();
      type Dev = { id: string; online: boolean; agentId: string };
      const devices = () => getJson<Dev[]>(stack.api, `/factories/${FACTORY}/devices`);
      const before = await devices();
      expect(before.length).toBeGreaterThanOrEqual(10);
      expect(before.filter((d) => !d.online).map((d) => d.id)).toEqual([]);
      const t0 = Date.now();
      // Crash-like: no death message from the agent; the broker publishes its Will when the socket drops.
      await stack.agent!.abort();
      await waitFor(
        async () => (await devices()).every((d) => !d.online),
        'every device offline after the agent died',
        5_000,
        100,
      );
      console.info(`[e2e ${kind}] agent died → devices offline in ${Date.now() - t0} ms`);
      const history = await getJson<{ deviceId: string; online: boolean; reason: string }[]>(
        stack.api,
        `/factories/${FACTORY}/devices/CNC01/online-history`,
      );
      expect(history.at(-1)?.online).toBe(false);
    });
  },
);
