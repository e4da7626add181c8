import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StatusCodes, shiftCalendarSchema } from '@xiang/protocol';
import { GroundTruth, parseScenarioYaml, resolveScenarioPath, selectMetrics, Simulation } from '../simulators/src/index.js';
import { diagnose } from '../platform/src/energy/diagnose.js';
import { renderReport } from '../platform/src/energy/report/html.js';
import { loadEnergyInputs } from '../platform/src/query/energy-inputs.js';
import { factoryProfileSchema, type RegistrySnapshot } from '../platform/src/registry/model.js';
import { createStore } from '../platform/src/store/index.js';
import type { StoredPoint } from '../platform/src/store/types.js';
import { writeFileSync } from 'node:fs';

const name = process.argv[2] ?? 'tiny';
const days = Number(process.argv[3] ?? 14);
const faults = process.argv[4] !== 'clean';
const scenario = parseScenarioYaml(await readFile(resolveScenarioPath(name), 'utf8'));
const sim = new Simulation(scenario, { historyDays: days + 2, faults });
const metrics = selectMetrics(sim.catalog, 'energy');
const dir = await mkdtemp(path.join(os.tmpdir(), 'calib-'));
const store = await createStore({ dataDir: dir, rollupRefreshMs: 0 });
const fid = scenario.factory.id;
const ticks = Math.round((days * 86400) / sim.dtS);
const last: (number | string | undefined)[] = [];
const lastSt: number[] = [];
let buf: StoredPoint[] = [];
let total = 0;
const t0 = Date.now();
for (let n = 0; n <= ticks; n++) {
  const snap = sim.step();
  for (const m of metrics) {
    const i = m.index;
    const v = snap.values[i] as number | string;
    const st = snap.status[i] ?? 0;
    if (last[i] === v && lastSt[i] === st) continue;
    last[i] = v; lastSt[i] = st;
    if (typeof v === 'string') continue;
    buf.push({ factoryId: fid, deviceId: m.deviceId, metric: m.key, tsMs: snap.timeMs, value: st === StatusCodes.Good || (st >>> 30) === 1 ? v : null, status: st });
    total++;
  }
  if (buf.length > 100_000) { await store.write(buf); buf = []; }
}
await store.write(buf);
await store.flush();
console.error(`generated ${total} points in ${Date.now() - t0} ms`);
const cat = sim.catalog;
const snapshot: RegistrySnapshot = {
  factory: factoryProfileSchema.parse({
    id: fid, name: scenario.factory.name, nameEn: scenario.factory.nameEn, industry: scenario.factory.industry,
    calendar: shiftCalendarSchema.parse(scenario.calendar),
    ...(scenario.factory.contractDemandKw ? { contractDemandKw: scenario.factory.contractDemandKw } : {}),
    products: scenario.factory.products,
  }),
  assets: cat.assets.map((a) => ({ factoryId: fid, ...a })),
  devices: cat.devices.map((d) => ({ factoryId: fid, id: d.id, agentId: 'a', kind: d.kind, assetPath: d.assetPath, name: d.name, ...(d.medium ? { medium: d.medium } : {}), ...(d.meterRole ? { meterRole: d.meterRole } : {}), ...(d.parentMeter ? { parentMeter: d.parentMeter } : {}), ...(d.ratedPowerKw ? { ratedPowerKw: d.ratedPowerKw } : {}), production: d.kind === 'machine', online: true, firstSeenMs: 0, lastSeenMs: null })),
  metrics: metrics.map((m) => ({ factoryId: fid, agentId: 'a', i: m.index, deviceId: m.deviceId, key: m.key, quantity: m.quantity, kind: m.kind, datatype: m.datatype, unit: m.unit, ...(m.phase ? { phase: m.phase } : {}) })),
  lines: [],
  onlineHistory: [],
};
const fromMs = sim.timeOf(0);
const t1 = Date.now();
let lastT = Date.now();
const inp = await loadEnergyInputs(store, snapshot, { onProgress: (p) => { console.error('progress', p.stage, p.done, p.total, Date.now() - lastT, 'ms'); lastT = Date.now(); }, fromMs, toMs: fromMs + days * 86_400_000, options: { flatPriceCnyPerKwh: 0.65, demandPriceCnyPerKwMonth: 32 } });
const t2 = Date.now();
const r = diagnose(inp);
console.error(`adapter ${t2 - t1} ms, diagnose ${Date.now() - t2} ms`);
for (const f of r.findings) {
  const figs = f.evidence.figures.filter((x) => x.value !== null).slice(0, 5).map((x) => `${x.key}=${Math.round(x.value! * 1000) / 1000}`).join(' ');
  console.log(f.severity.padEnd(6), f.id.padEnd(44), figs);
  if (f.rule === 'meteringData') console.log('       ', f.what.en);
}
console.log('notes', r.dataQuality.notes.map((n) => n.code + (n.deviceId ? ':' + n.deviceId : '')).join(' '));
console.log('skipped', r.dataQuality.rulesSkipped.map((s) => s.rule).join(' '));
if (faults) for (const f of new GroundTruth(sim).faults(fromMs, fromMs + days * 86_400_000)) console.log('TRUTH', f.id, f.type, JSON.stringify(f.truth));
writeFileSync(`/tmp/calib/${name}-${faults ? 'faults' : 'clean'}.html`, renderReport(r));
await store.close();
await rm(dir, { recursive: true, force: true });
