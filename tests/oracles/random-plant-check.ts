import { StatusCodes, shiftCalendarSchema } from '@xiang/protocol';
import { computeIndicators } from '../../platform/src/grading/indicators/index.js';
import { computeFactoryOee } from '../../platform/src/oee/index.js';
import { loadGradingInputs } from '../../platform/src/query/grading-inputs.js';
import { loadOeeInputs } from '../../platform/src/query/oee-inputs.js';
import { type OeeRow, oeeRows } from '../../platform/src/query/oee-report.js';
import type { RegistrySnapshot } from '../../platform/src/registry/model.js';
import type { StoredPoint, TimeSeriesStore } from '../../platform/src/store/types.js';
import { indicatorTruth } from './indicator-reference.js';
import { PlantReference, type RefFigures, type RefRow } from './oee-reference.js';
import { publishedPoints, type RandomPlant } from './random-plant.js';

/**
 * Glue between a random plant and the platform, shared by the unit property test, `npm run bench -- oee-random`
 * and the integration test through Mosquitto: the registry a person and a birth would give the platform, the
 * published points as stored points, the platform's OEE rows over a window, and their comparison with the
 * reference rows (tests/oracles/oee-reference.ts) — the exact set of rows, their literal windows, every
 * additive total, A/P/Q/OEE and coverage.
 */
const QUANTITY = {
  state: 'machineState',
  operationMode: 'operationMode',
  goodCount: 'goodCount',
  rejectCount: 'rejectCount',
  idealCycleTime: 'idealCycleTime',
} as const;

export function plantMetrics(plant: RandomPlant) {
  let i = 0;
  return plant.machines.flatMap((m) =>
    (Object.keys(QUANTITY) as (keyof typeof QUANTITY)[])
      .filter(
        (k) => (k !== 'rejectCount' || m.hasRejectCounter) && (k !== 'idealCycleTime' || m.hasIdealSeries),
      )
      .map((key) => ({
        i: i++,
        deviceId: m.id,
        key,
        quantity: QUANTITY[key],
        kind:
          key === 'goodCount' || key === 'rejectCount'
            ? ('counter' as const)
            : key === 'state' || key === 'operationMode'
              ? ('state' as const)
              : ('gauge' as const),
        datatype: 'double' as const,
        unit: key === 'idealCycleTime' ? 's' : '',
        samplingIntervalMs: 0,
      })),
  );
}

/** The registry snapshot of a plant: calendar, devices (as born at the data start), on-change metrics, lines. */
export function plantSnapshot(plant: RandomPlant): RegistrySnapshot {
  const factoryId = plant.factoryId;
  return {
    factory: {
      id: factoryId,
      name: `随机工厂 ${plant.seed}`,
      industry: 'discrete',
      province: '湖南',
      products: [],
      powerFactorStandard: 0.9,
      transformers: [],
      calendar: shiftCalendarSchema.parse(plant.calendar),
    },
    assets: [],
    devices: plant.machines.map((m) => ({
      factoryId,
      id: m.id,
      agentId: 'random',
      kind: 'machine' as const,
      assetPath: m.assetPath,
      production: true,
      online: true,
      firstSeenMs: plant.startMs,
      lastSeenMs: plant.endMs,
    })),
    metrics: plantMetrics(plant).map((m) => ({ ...m, factoryId, agentId: 'random' })),
    lines: plant.lines.map((l) => ({
      factoryId,
      path: l.path,
      idealCycleTimeS: l.idealCycleTimeS,
      ...(l.outputMachine ? { outputCounter: { deviceId: l.outputMachine, metric: 'goodCount' } } : {}),
    })),
    onlineHistory: plant.machines.map((m) => ({
      factoryId,
      deviceId: m.id,
      atMs: plant.startMs,
      online: true,
      reason: 'birth',
    })),
  };
}

export function plantStoredPoints(plant: RandomPlant): StoredPoint[] {
  return plant.machines.flatMap((m) =>
    publishedPoints(plant, m).map((p) => ({
      factoryId: plant.factoryId,
      deviceId: p.deviceId,
      metric: p.metric,
      tsMs: p.tsMs,
      value: p.value,
      status: p.good ? StatusCodes.Good : StatusCodes.BadNoCommunication,
    })),
  );
}

export const ALL_LEVELS = ['machine', 'line', 'workshop', 'factory'] as const;

/** The platform's rows for a window through the query adapters and the domain (the API's path, minus HTTP). */
export async function platformRows(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  w: { fromMs: number; toMs: number; buckets: boolean },
): Promise<OeeRow[]> {
  const inputs = await loadOeeInputs(store, snapshot, {
    fromMs: w.fromMs,
    toMs: w.toMs,
    lookbackMs: 86_400_000,
    lookaheadMs: 15 * 60_000,
  });
  const result = computeFactoryOee({ snapshot, machines: inputs, fromMs: w.fromMs, toMs: w.toMs });
  const oee = { snapshot, inputs, result };
  return [
    ...oeeRows(oee, [...ALL_LEVELS]),
    ...(w.buckets ? oeeRows(oee, [...ALL_LEVELS, 'day', 'shift']) : []),
  ];
}

export type Comparison = {
  rows: number;
  values: number;
  maxRelErr: number;
  worst: string;
  problems: string[];
};

const TOTALS = [
  'calendarMs',
  'productionMs',
  'breakMs',
  'offShiftMs',
  'machinePlannedStopMs',
  'runOutsidePlanMs',
  'plannedProductionMs',
  'unknownMs',
  'unknownOutsideMs',
  'setupMs',
  'breakdownMs',
  'idleMs',
  'microStopMs',
  'microStopCount',
  'runningMs',
  'operatingMs',
  'goodCount',
  'rejectCount',
  'startupRejectCount',
  'idealOutputMs',
  'countGapMs',
  'unattributedGoodCount',
  'unattributedRejectCount',
] as const;

const rowKey = (r: { level: string; deviceId?: string | undefined; assetPath: string }, bucket: string) =>
  `${r.level} ${r.deviceId ?? (r.assetPath || '(factory)')} ${bucket}`;

function bucketOf(r: OeeRow, isPeriod: boolean): string {
  if (isPeriod) return 'period';
  return r.shift !== undefined ? `shift ${r.date} ${r.shift}` : `day ${r.date}`;
}

/** Relative error, absolute near zero; null against a number is infinite. */
export function relErr(actual: number | null | undefined, expected: number | null): number {
  if (actual === undefined) return Number.POSITIVE_INFINITY;
  if (actual === null || expected === null) return actual === expected ? 0 : Number.POSITIVE_INFINITY;
  const d = Math.abs(actual - expected);
  return Math.abs(expected) > 1e-9 ? d / Math.abs(expected) : d;
}

/**
 * Platform rows against reference rows of one window: same set of rows (level, asset, bucket), same literal
 * window and rule per row, every value within `tolerance`.
 */
export function compareRows(
  got: OeeRow[],
  periodRows: number,
  ref: RefRow[],
  label: string,
  tolerance = 1e-9,
): Comparison {
  const c: Comparison = { rows: 0, values: 0, maxRelErr: 0, worst: '', problems: [] };
  const mine = new Map(got.map((r, i) => [rowKey(r, bucketOf(r, i < periodRows)), r]));
  const truth = new Map(ref.map((r) => [rowKey(r, r.bucket), r]));
  const missing = [...truth.keys()].filter((k) => !mine.has(k));
  const extra = [...mine.keys()].filter((k) => !truth.has(k));
  if (missing.length > 0) c.problems.push(`${label}: rows missing: ${missing.slice(0, 5).join('; ')}`);
  if (extra.length > 0) c.problems.push(`${label}: rows not in the truth: ${extra.slice(0, 5).join('; ')}`);
  for (const [key, t] of truth) {
    const r = mine.get(key);
    if (!r) continue;
    c.rows++;
    const where = `${label} ${key}`;
    if (r.fromMs !== t.fromMs || r.toMs !== t.toMs)
      c.problems.push(`${where}: window [${r.fromMs}, ${r.toMs}) ≠ literal [${t.fromMs}, ${t.toMs})`);
    if (r.rule !== t.rule) c.problems.push(`${where}: rule ${r.rule} ≠ ${t.rule}`);
    const note = (what: string, a: number | null | undefined, e: number | null) => {
      const err = relErr(a, e);
      c.values++;
      if (err > c.maxRelErr || Number.isNaN(err)) {
        c.maxRelErr = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
        c.worst = `${where} ${what}: ${a} vs ${e}`;
      }
      if (!(err <= tolerance)) c.problems.push(`${where} ${what}: platform ${a}, truth ${e}`);
    };
    const f: RefFigures = t.figures;
    for (const k of TOTALS) note(k, r.totals[k], f.totals[k]);
    note('availability', r.availability, f.availability);
    note('performance', r.performance, f.performance);
    note('quality', r.quality, f.quality);
    note('oee', r.oee, f.oee);
    note('coverage', r.coverage, f.coverage);
  }
  return c;
}

/** One plant, every window: written to the store, queried, compared. */
export async function checkPlant(
  store: TimeSeriesStore,
  plant: RandomPlant,
  opts: { write?: boolean } = {},
): Promise<Comparison & { windows: number }> {
  if (opts.write !== false) {
    await store.write(plantStoredPoints(plant));
    await store.flush();
  }
  const snapshot = plantSnapshot(plant);
  const reference = new PlantReference(plant);
  const total: Comparison & { windows: number } = {
    rows: 0,
    values: 0,
    maxRelErr: 0,
    worst: '',
    problems: [],
    windows: 0,
  };
  for (const w of plant.windows) {
    const ind = await compareIndicators(store, snapshot, plant, reference, w);
    total.values += ind.values;
    total.problems.push(...ind.problems);
    if (ind.maxRelErr >= total.maxRelErr) {
      total.maxRelErr = ind.maxRelErr;
      total.worst = ind.worst;
    }
    const got = await platformRows(store, snapshot, w);
    const nPeriod = plant.machines.length + plant.lines.length + plant.workshops.length + 1;
    const label = `seed ${plant.seed} window [${new Date(w.fromMs).toISOString()}, ${new Date(w.toMs).toISOString()})`;
    const c = compareRows(got, nPeriod, reference.rows(w.fromMs, w.toMs, w.buckets), label);
    total.windows++;
    total.rows += c.rows;
    total.values += c.values;
    total.problems.push(...c.problems);
    if (c.maxRelErr >= total.maxRelErr) {
      total.maxRelErr = c.maxRelErr;
      total.worst = c.worst;
    }
  }
  return total;
}

/** A present far enough ahead that every window lies in the past. */
const NOW = Date.parse('2100-01-01T00:00:00Z');
const DEFINED = ['equipment-networking-rate', 'state-fault-capture', 'data-collection-coverage'];

/** The platform's indicators over a window (both definitions where there are two) against their truth. */
export async function compareIndicators(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  plant: RandomPlant,
  reference: PlantReference,
  w: { fromMs: number; toMs: number },
): Promise<Comparison> {
  const c: Comparison = { rows: 0, values: 0, maxRelErr: 0, worst: '', problems: [] };
  const machines = await loadOeeInputs(store, snapshot, { fromMs: w.fromMs, toMs: w.toMs, nowMs: NOW });
  const oee = computeFactoryOee({ snapshot, machines, fromMs: w.fromMs, toMs: w.toMs });
  const inputs = await loadGradingInputs(store, snapshot, {
    fromMs: w.fromMs,
    toMs: w.toMs,
    nowMs: NOW,
    oee,
  });
  const truth = indicatorTruth(plant, reference, w.fromMs, w.toMs);
  const label = `seed ${plant.seed} indicators [${new Date(w.fromMs).toISOString()}, ${new Date(w.toMs).toISOString()})`;
  for (const definition of ['online-time', 'delivered-data']) {
    const got = computeIndicators({
      ...inputs,
      config: { definitions: Object.fromEntries(DEFINED.map((id) => [id, definition])) },
    });
    for (const i of got) {
      const key = DEFINED.includes(i.id) ? `${i.id}/${definition}` : i.id;
      if (!(key in truth) || (definition === 'delivered-data' && !DEFINED.includes(i.id))) continue;
      const expected = truth[key] as number | null;
      const err = relErr(i.value, expected);
      c.values++;
      if (err > c.maxRelErr) {
        c.maxRelErr = err;
        c.worst = `${label} ${key}: ${i.value} vs ${expected}`;
      }
      if (!(err <= 1e-9)) c.problems.push(`${label} ${key}: platform ${i.value}, truth ${expected}`);
    }
  }
  return c;
}
