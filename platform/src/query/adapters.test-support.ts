import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Quantity, StatusCodes } from '@xiang/protocol';
import type { RegistryDevice, RegistryMetric } from '../registry/model.js';
import { createStore } from '../store/index.js';
import type { StoredPoint, TimeSeriesStore } from '../store/types.js';

/** Test support for the query adapters: a real embedded store in a temp dir, and registry rows. */
export async function tempStore(): Promise<{ store: TimeSeriesStore; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-query-'));
  const store = await createStore({ dataDir: dir, rollupRefreshMs: 0 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function point(
  deviceId: string,
  metric: string,
  tsMs: number,
  value: number | null,
  status: number = StatusCodes.Good,
): StoredPoint {
  return { factoryId: 'F1', deviceId, metric, tsMs, value, status };
}

export function device(
  id: string,
  kind: RegistryDevice['kind'],
  assetPath: string,
  firstSeenMs: number,
): RegistryDevice {
  return {
    factoryId: 'F1',
    id,
    agentId: 'edge1',
    kind,
    assetPath,
    production: false,
    online: true,
    firstSeenMs,
    lastSeenMs: null,
  };
}

let index = 0;
export function registryMetric(
  deviceId: string,
  key: string,
  quantity: Quantity,
  samplingIntervalMs = 0,
): RegistryMetric {
  return {
    factoryId: 'F1',
    agentId: 'edge1',
    i: index++,
    deviceId,
    key,
    quantity,
    kind: 'gauge',
    datatype: 'double',
    unit: '',
    samplingIntervalMs,
  };
}
