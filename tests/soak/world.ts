import { freePort } from '../harness/ports.js';
import { type Service, startInflux, startMosquitto } from '../harness/services.js';
import { BIN, Proc } from './procs.js';
import type { SharedWorld } from './stack.js';
import type { StoreKind } from './steps.js';

export type WorldOptions = {
  stores: StoreKind[];
  /** Simulated seconds per real second of the OPC UA simulator (tick 60 s: 300 → 5 ticks/s). */
  simSpeed?: number;
  nodeStride?: number;
};

export type World = SharedWorld & { dispose(): Promise<void> };

/**
 * Starts what all schedules share: `xiang-sim opcua` (tiny scenario; its simulated clock starts 20 days
 * back so a long soak never reaches the platform's future-skew limit) and, when a store needs it, InfluxDB.
 * Returns null when Mosquitto is missing on this machine, and `influx: null` when InfluxDB is (the harness
 * has warned loudly; on CI both throw instead).
 */
export async function startWorld(o: WorldOptions): Promise<World | null> {
  const probe = await startMosquitto();
  if (!probe) return null;
  await probe.dispose();
  const influx: Service | null = o.stores.includes('influx') ? await startInflux() : null;
  const port = await freePort();
  const simStartIso = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 20 * 86_400_000).toISOString();
  const simSpeed = o.simSpeed ?? 300;
  const opcua = new Proc('xiang-sim opcua', BIN.sim, [
    'opcua',
    ...['--scenario', 'tiny', '--port', String(port), '--host', '127.0.0.1'],
    ...['--speed', String(simSpeed), '--start', simStartIso],
  ]);
  try {
    const m = await opcua.waitFor(/"endpoint":"(opc\.tcp:[^"]+)"/, 180_000);
    return {
      influx,
      opcuaEndpoint: m[1]!,
      nodeStride: o.nodeStride ?? 3,
      simSpeed,
      simStartIso,
      async dispose() {
        await opcua.stop(5000);
        await influx?.dispose();
      },
    };
  } catch (e) {
    await opcua.kill();
    await influx?.dispose();
    throw e;
  }
}
