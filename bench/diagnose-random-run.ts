/**
 * One random plant through the platform's own stack, without a broker: generate (seeded), simulate N days,
 * write the on-change history through the store API (as an agent publishes it: counters of the billing meter
 * every minute, other meters every 5 min, machine states on change), build the registry from the simulated
 * birth plus what a person enters (the real Registry on an in-memory database), load the energy inputs
 * (query/) and diagnose. Judged by the simulators' checker against the ground truth. Used by
 * `npm run bench -- diagnose-random` and the random-plant unit property (platform/src/energy).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StatusCodes } from '@xiang/protocol';
import {
  buildBirth,
  checkPlant,
  GroundTruth,
  type InjectedPlant,
  type PlantCheck,
  randomPlant,
  Simulation,
  scenarioRegistrySettings,
  selectMetrics,
  withRandomFaults,
} from '@xiang/simulators';
import { diagnose } from '../platform/src/energy/diagnose.js';
import type { DiagnosisResult } from '../platform/src/energy/result.js';
import { loadEnergyInputs } from '../platform/src/query/energy-inputs.js';
import { openPlatformDb } from '../platform/src/registry/db.js';
import { factoryProfileSchema, lineSettingsSchema } from '../platform/src/registry/model.js';
import { Registry } from '../platform/src/registry/registry.js';
import { createStore } from '../platform/src/store/index.js';
import type { StoredPoint, TimeSeriesStore } from '../platform/src/store/types.js';

export type RandomRun = {
  seed: number;
  plant: InjectedPlant;
  meters: number;
  workshops: number;
  result: DiagnosisResult;
  check: PlantCheck;
  points: number;
  ms: { simulate: number; diagnose: number };
};

const KEEP_EVERY_TICK = new Set(['state', 'operationMode']);
const SKIP = new Set([
  'demand15',
  'powerFactor',
  'reactivePower',
  'currentProduct',
  'idealCycleTime',
  'rejectCount',
  'humidity',
]);

export async function runRandomPlant(
  seed: number,
  opts: { days?: number; store?: TimeSeriesStore; influxUrl?: string } = {},
): Promise<RandomRun> {
  const plant = withRandomFaults(randomPlant(seed, { days: opts.days ?? 14 }));
  const s = plant.scenario;
  const fid = s.factory.id;
  const sim = new Simulation(s, { historyDays: plant.days + 1 });
  const metrics = selectMetrics(sim.catalog, 'energy');
  const settings = scenarioRegistrySettings(s);
  const outputCounters = new Set(
    settings.lines.flatMap((l) => (l.outputCounter ? [l.outputCounter.deviceId] : [])),
  );
  const pqFaulted = new Set(
    s.faults.flatMap((f) =>
      f.type === 'harmonicDistortion' || f.type === 'phaseUnbalance' ? [f.meter] : [],
    ),
  );
  const billing = s.meters.find((m) => m.role === 'mainIncomer')?.id;
  const every = (deviceId: string, key: string): number => {
    if (KEEP_EVERY_TICK.has(key)) return 1;
    if (deviceId === billing && key === 'energyImport') return 1;
    if ((key === 'voltageThd' || key === 'voltageUnbalance') && pqFaulted.has(deviceId)) return 1;
    if (key === 'voltageThd' || key === 'voltageUnbalance') return 15;
    return 5;
  };
  const plan = metrics
    .filter((m) => !SKIP.has(m.key) && (m.key !== 'goodCount' || outputCounters.has(m.deviceId)))
    .map((m) => ({ m, every: every(m.deviceId, m.key) }));
  const dir = await mkdtemp(path.join(os.tmpdir(), `xiang-random-${seed}-`));
  const store =
    opts.store ??
    (await createStore({
      dataDir: dir,
      rollupRefreshMs: 0,
      ...(opts.influxUrl
        ? { influxUrl: opts.influxUrl, database: `random_${seed}`, influx: { retention: { raw: 'INF' } } }
        : {}),
    }));
  const db = openPlatformDb(':memory:');
  try {
    const t0 = Date.now();
    const ticks = plant.days * 1440;
    const last: (number | string | undefined)[] = [];
    const lastStatus: number[] = [];
    let buf: StoredPoint[] = [];
    let points = 0;
    for (let k = 0; k <= ticks; k++) {
      const snap = sim.step();
      for (const { m, every: e } of plan) {
        if (k % e !== 0 && k !== ticks) continue;
        const v = snap.values[m.index] as number | string;
        const st = snap.status[m.index] ?? 0;
        if (last[m.index] === v && lastStatus[m.index] === st) continue;
        last[m.index] = v;
        lastStatus[m.index] = st;
        if (typeof v === 'string') continue;
        buf.push({
          factoryId: fid,
          deviceId: m.deviceId,
          metric: m.key,
          tsMs: snap.timeMs,
          value: st === StatusCodes.Good ? v : null,
          status: st,
        });
        points++;
      }
      if (buf.length > 50_000) {
        await store.write(buf);
        buf = [];
      }
    }
    await store.write(buf);
    await store.flush();
    const simulate = Date.now() - t0;
    const registry = new Registry(db);
    registry.applyBirth(
      fid,
      'history',
      buildBirth(sim.catalog, metrics, `random-${seed}-0001`, sim.startMs),
      sim.startMs,
    );
    registry.putFactory(factoryProfileSchema.parse(settings.profile));
    for (const l of settings.lines) registry.putLine(lineSettingsSchema.parse(l));
    for (const d of settings.devices) registry.patchDevice(fid, d.id, d.patch);
    const fromMs = sim.startMs;
    const toMs = fromMs + plant.days * 86_400_000;
    const t1 = Date.now();
    const input = await loadEnergyInputs(store, registry.snapshot(fid), { fromMs, toMs });
    const result = diagnose(input);
    const truths = new GroundTruth(sim).faults(fromMs, toMs);
    return {
      seed,
      plant,
      meters: s.meters.length,
      workshops: s.workshops.length,
      result,
      check: checkPlant(result, truths, s, plant.stated),
      points,
      ms: { simulate, diagnose: Date.now() - t1 },
    };
  } finally {
    db.close();
    if (!opts.store) await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
