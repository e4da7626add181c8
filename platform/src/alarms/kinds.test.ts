import type { Birth } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { openPlatformDb } from '../registry/db.js';
import { DEFAULT_FACTORY_SETTINGS } from '../registry/factory-settings.js';
import { Registry } from '../registry/registry.js';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import type { StoredPoint } from '../store/types.js';
import { demand } from './demand/index.js';
import { deviceOffline } from './device-offline/index.js';
import { LiveData } from './live-data.js';
import { meterSilent } from './meter-silent/index.js';
import { powerFactor } from './power-factor/index.js';
import type { AlarmContext } from './types.js';

/**
 * Each live alarm kind on a real embedded store and registry, with figures worked out by hand: a frozen counter
 * against a silent meter, the demand predicted for the current 15-min window, the month's power factor, an
 * offline device.
 */
const MIN = 60_000;
const NOW = Date.parse('2025-03-20T10:07:00+08:00'); // 7 min into the 10:00 window
let store: EmbeddedStore | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
});

async function plant(points: [string, string, number, number][], contractDemandKw?: number) {
  const db = openPlatformDb(':memory:');
  const registry = new Registry(db);
  registry.putFactory({
    id: 'F',
    name: '',
    industry: 'discrete',
    province: '湖南',
    products: [],
    powerFactorStandard: 0.9,
    transformers: [],
    ...(contractDemandKw ? { contractDemandKw } : {}),
  });
  const metric = (
    i: number,
    deviceId: string,
    key: string,
    quantity: string,
    kind: 'gauge' | 'counter',
    unit: string,
  ) => ({
    i,
    deviceId,
    key,
    quantity,
    kind,
    datatype: 'double',
    unit,
    samplingIntervalMs: 0,
  });
  const birth = {
    sessionId: 's1',
    seq: 0,
    timestamp: NOW - 40 * 86_400_000,
    agent: { version: '0.1.0' },
    assets: [],
    devices: ['M1', 'M2'].map((id) => ({
      id,
      kind: 'meter',
      assetPath: '',
      name: id,
      medium: 'electricity',
      ...(id === 'M1' ? { meterRole: 'mainIncomer' } : {}),
    })),
    metrics: ['M1', 'M2'].flatMap((d, k) => [
      metric(k * 4, d, 'activePower', 'activePower', 'gauge', 'kW'),
      metric(k * 4 + 1, d, 'energyImport', 'activeEnergyImport', 'counter', 'kWh'),
      metric(k * 4 + 2, d, 'reactiveEnergyImport', 'reactiveEnergyImport', 'counter', 'kvarh'),
      metric(k * 4 + 3, d, 'voltage', 'voltage', 'gauge', 'V'),
    ]),
  } as unknown as Birth;
  registry.applyBirth('F', 'A', birth, NOW - 40 * 86_400_000);
  registry.applyStatus('F', 'A', {
    timestamp: NOW - 40 * 86_400_000,
    devices: [
      { id: 'M1', online: true },
      { id: 'M2', online: true },
    ],
  } as never);
  store = new EmbeddedStore({ file: ':memory:', rollupRefreshMs: 0 });
  await store.init();
  await store.write(
    points.map(
      ([deviceId, metric, tsMs, value]): StoredPoint => ({
        factoryId: 'F',
        deviceId,
        metric,
        tsMs,
        value,
        status: 0,
      }),
    ),
  );
  await store.flush();
  const snapshot = registry.snapshot('F', { historyFromMs: NOW - 86_400_000, historyToMs: NOW + 1 });
  const ctx: AlarmContext = {
    factoryId: 'F',
    nowMs: NOW,
    snapshot,
    calendar: undefined,
    thresholds: DEFAULT_FACTORY_SETTINGS.alarms,
    mainIncomerId: 'M1',
    data: new LiveData(store, snapshot),
  };
  return { ctx, registry };
}

describe('alarm kinds', () => {
  it('a counter stuck while the meter keeps sending is frozen; a meter sending nothing is silent, not frozen', async () => {
    const pts: [string, string, number, number][] = [];
    // M1: counter last moved 2 h ago, power 50 kW, voltage still reported every 10 min.
    pts.push(['M1', 'energyImport', NOW - 120 * MIN, 1000], ['M1', 'activePower', NOW - 180 * MIN, 50]);
    for (let t = NOW - 180 * MIN; t <= NOW; t += 10 * MIN) pts.push(['M1', 'voltage', t, 230 + (t % 3)]);
    // M2: everything stopped 5 h ago (beyond the 240-min silence limit), power was 50 kW.
    pts.push(['M2', 'energyImport', NOW - 300 * MIN, 500], ['M2', 'activePower', NOW - 300 * MIN, 50]);
    const { ctx } = await plant(pts);
    const got = await meterSilent.evaluate(ctx);
    expect(got.map((c) => c.key).sort()).toEqual(['M1:frozen', 'M2:silent']);
    expect(got.find((c) => c.key === 'M1:frozen')).toMatchObject({ severity: 'major', value: 120 });
    expect(got.find((c) => c.key === 'M2:silent')).toMatchObject({ severity: 'warning', value: 300 });
  });

  it('a meter that stopped sending altogether is not "frozen" before it is silent', async () => {
    // Everything from M1 stopped 100 min ago (under the 240-min silence limit): no alarm yet.
    const { ctx } = await plant([
      ['M1', 'energyImport', NOW - 100 * MIN, 1000],
      ['M1', 'activePower', NOW - 100 * MIN, 50],
      ['M1', 'voltage', NOW - 100 * MIN, 230],
      ['M2', 'voltage', NOW - MIN, 230],
    ]);
    expect(await meterSilent.evaluate(ctx)).toEqual([]);
  });

  it('predicts the demand of the current window from the energy drawn so far and the present power', async () => {
    const w = Date.parse('2025-03-20T10:00:00+08:00');
    // 30 kWh since 10:00 (7 min), 240 kW now: (30 + 240 × 8/60) / 0.25 = 248 kW — above the 240 kW contract.
    const { ctx } = await plant(
      [
        ['M1', 'energyImport', w - MIN, 10_000],
        ['M1', 'energyImport', w, 10_000],
        ['M1', 'energyImport', NOW - MIN, 10_030],
        ['M1', 'activePower', NOW - MIN, 240],
      ],
      240,
    );
    const [c] = await demand.evaluate(ctx);
    expect(c).toMatchObject({ key: 'M1', severity: 'critical' });
    expect(c!.value).toBeCloseTo(248, 9);
    const calm = await plant(
      [
        ['M1', 'energyImport', w, 10_000],
        ['M1', 'energyImport', NOW - MIN, 10_010],
        ['M1', 'activePower', NOW - MIN, 60],
      ],
      240,
    );
    expect(await demand.evaluate(calm.ctx)).toEqual([]); // (10 + 8) / 0.25 = 72 kW
  });

  it("judges the month's power factor against the contract's standard", async () => {
    const month = Date.parse('2025-03-01T00:00:00+08:00');
    // Since the 1st: 1000 kWh, 600 kvarh → PF 1000 / √(1000² + 600²) = 0.857… → 0.86 < 0.90.
    const { ctx } = await plant([
      ['M1', 'energyImport', month - MIN, 0],
      ['M1', 'reactiveEnergyImport', month - MIN, 0],
      ['M1', 'energyImport', NOW - MIN, 1000],
      ['M1', 'reactiveEnergyImport', NOW - MIN, 600],
    ]);
    const [c] = await powerFactor.evaluate(ctx);
    expect(c).toMatchObject({ severity: 'major', value: 0.86, threshold: 0.9 });
    expect(c!.params.variant).toBe('below');
  });

  it('reports a device offline for longer than the threshold', async () => {
    const { ctx, registry } = await plant([]);
    registry.applyStatus('F', 'A', {
      timestamp: NOW - 10 * MIN,
      devices: [{ id: 'M2', online: false }],
    } as never);
    const snapshot = registry.snapshot('F', { historyFromMs: NOW - 86_400_000, historyToMs: NOW + 1 });
    const got = await deviceOffline.evaluate({ ...ctx, snapshot });
    expect(got).toEqual([expect.objectContaining({ key: 'M2', severity: 'major', value: 10 })]);
  });
});
