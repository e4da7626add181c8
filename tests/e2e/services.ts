import { afterAll, beforeAll } from 'vitest';
import { type Service, startInflux, startMosquitto } from '../harness/services.js';
import type { StoreKind } from './stack.js';

/**
 * The real services one e2e file needs, started in hooks rather than at import time: a run that filters out
 * every test of the file then starts (and leaks) nothing. Mosquitto for every file; InfluxDB only once a
 * test of the InfluxDB variant is about to run. Missing locally → null (the harness warns loudly) and the
 * tests skip at run time; on CI the harness throws instead.
 */
export type E2EServices = {
  readonly broker: Service | null;
  readonly influx: Service | null;
  /** Starts InfluxDB when the variant needs it; true when every service of the variant is there. */
  ready(kind: StoreKind): Promise<boolean>;
};

export function useE2EServices(): E2EServices {
  let broker: Service | null = null;
  let influx: Service | null = null;
  let influxTried = false;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await influx?.dispose();
    await broker?.dispose();
  });
  return {
    get broker() {
      return broker;
    },
    get influx() {
      return influx;
    },
    async ready(kind) {
      if (!broker) return false;
      if (kind === 'embedded') return true;
      if (!influxTried) {
        influxTried = true;
        influx = await startInflux();
      }
      return !!influx;
    },
  };
}
