import { isGood } from '@xiang/protocol';
import type {
  DiagnosisInput,
  DiagnosisOptionsInput,
  IntervalSeries,
  LineOutputSeries,
  MachineSeries,
  MeterSeries,
  PhaseSeries,
} from '../energy/types.js';
import type { RegistryMetric, RegistrySnapshot } from '../registry/model.js';
import type { SeriesKey, TimeSeriesStore } from '../store/types.js';
import { loadFineSeries } from './energy-inputs-fine.js';
import {
  carriedGaugeMean,
  metricHealth,
  onChangeCounter,
  SLOT_MS,
  slotSummaries,
  valuesInForce,
} from './energy-inputs-onchange.js';
import { lineOutputSources, type MeterPlan, meterPlans, metricsByDevice } from './energy-inputs-plan.js';
import { offlineIntervals } from './oee-inputs.js';

/**
 * Store + registry + period → DiagnosisInput for the pure energy domain. Metrics are found by quantity, not
 * key (the simulator calls the energy counter "energyImport", an agent may say "activeEnergyImport"):
 *  - every meter metric read once, as quarter-hour `summaries()` (counter increase, Good-value aggregates,
 *    sample counts): a year of 15-min data for hundreds of meters is one store pass per series;
 *  - consumption per quarter-hour from the counter's increase, or the mean active power × 0.25 h when a
 *    meter has no counter; reactive energy likewise from its counter or mean reactive power;
 *  - 15-min means of active power, phase voltages, THD (worst phase), unbalance and flow;
 *  - everything read as published on change: a silent quarter-hour is "unchanged"; a non-Good sample or an
 *    offline device (registry history) makes it unknown — a gap stays a gap, never a zero;
 *  - the share of Good samples of every meter metric, so a channel reporting Bad quality is reported even
 *    when the diagnosis does not use it;
 *  - machine states as raw points (`raw`) from a look-back before the period, Good quality only;
 *  - line output from the line's registered output counter (else the last station's good count, stated as an
 *    assumption); a quarter-hour without a covering sample pair is "no parts" unless the device was offline.
 * Queries go in batches; `onProgress` reports each finished batch for long periods.
 */
export type EnergyInputsOptions = {
  fromMs: number;
  toMs: number;
  options?: DiagnosisOptionsInput;
  /** Stamped into the result; default: toMs (the domain reads no clock). */
  generatedAtMs?: number;
  /** Series per store call (default 20). */
  batchSize?: number;
  /** Counter gap limit (default 7 days: on-change counters are silent while they do not move). */
  meterMaxGapMs?: number;
  /** Look-back for the machine state in force at the period start (default 24 h). */
  stateLookbackMs?: number;
  /** Outdoor temperature series for degree-days in the baseline. */
  outdoorTemperature?: { deviceId: string; metric: string };
  onProgress?: (p: { stage: string; done: number; total: number }) => void;
};

const DAY_MS = 86_400_000;
type Job = { p: MeterPlan; m: RegistryMetric; kind: string };
type Acc = {
  consumption?: IntervalSeries;
  source?: 'counter' | 'power';
  reactive?: IntervalSeries;
  power?: IntervalSeries;
  voltage: PhaseSeries;
  thd?: Float64Array;
  unbalance?: IntervalSeries;
  flow?: IntervalSeries;
  resets: number;
  rollovers: number;
  /** Samples and Good samples of each metric, by metric key. */
  health: Map<string, { samples: number; good: number }>;
};
const GAUGE_KINDS = new Set([
  'powerAsEnergy',
  'power',
  'reactivePower',
  'voltage',
  'thd',
  'unbalance',
  'flow',
]);

export async function loadEnergyInputs(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  opts: EnergyInputsOptions,
): Promise<DiagnosisInput> {
  const fromMs = Math.floor(opts.fromMs / SLOT_MS) * SLOT_MS;
  const toMs = Math.ceil(opts.toMs / SLOT_MS) * SLOT_MS;
  const n = Math.max(0, (toMs - fromMs) / SLOT_MS);
  const key = (deviceId: string, metric: string): SeriesKey => ({
    factoryId: snapshot.factory.id,
    deviceId,
    metric,
  });
  const series = (values: Float64Array): IntervalSeries => ({ startMs: fromMs, intervalMs: SLOT_MS, values });
  const offlineOf = (deviceId: string) => offlineIntervals(snapshot, deviceId, fromMs, toMs);
  const batch = Math.max(1, opts.batchSize ?? 20);
  const metricsOf = metricsByDevice(snapshot);
  const plans = meterPlans(snapshot, metricsOf);
  const job = (p: MeterPlan, m: RegistryMetric | undefined, kind: string): Job[] =>
    m ? [{ p, m, kind }] : [];
  const counterJobs = plans.flatMap((p) => [
    ...job(p, p.counter, 'consumption'),
    ...job(p, p.reactiveCounter, 'reactive'),
  ]);
  const gaugeJobs = plans.flatMap((p) => [
    ...(p.counter ? [] : job(p, p.power, 'powerAsEnergy')),
    ...job(p, p.power, 'power'),
    ...(p.reactiveCounter ? [] : job(p, p.reactivePower, 'reactivePower')),
    ...p.voltage.map((m) => ({ p, m, kind: 'voltage' })),
    ...p.thd.map((m) => ({ p, m, kind: 'thd' })),
    ...job(p, p.unbalance, 'unbalance'),
    ...job(p, p.flow, 'flow'),
  ]);
  const healthJobs = plans.flatMap((p) => p.all.map((m) => ({ p, m, kind: 'health' })));
  // Every meter metric is read once: its counter, gauge and quality uses all come from one summary.
  const bySeries = new Map<string, Job[]>();
  for (const j of [...counterJobs, ...gaugeJobs, ...healthJobs]) {
    const id = `${j.p.deviceId}\u0000${j.m.key}`;
    const list = bySeries.get(id);
    if (list) list.push(j);
    else bySeries.set(id, [j]);
  }
  const meterSeries = [...bySeries.values()];
  const machines = snapshot.devices.filter((d) => d.kind === 'machine');
  const lineSources = lineOutputSources(snapshot, metricsOf);
  const batches = (k: number) => Math.ceil(k / batch);
  const total = batches(meterSeries.length) + machines.length + batches(lineSources.length);
  let done = 0;
  const step = (stage: string) =>
    opts.onProgress?.({ stage, done: ++done, total: total + (opts.outdoorTemperature ? 1 : 0) });
  const acc = new Map<string, Acc>();
  const a = (id: string): Acc => {
    const hit = acc.get(id);
    if (hit) return hit;
    const x: Acc = { voltage: {}, resets: 0, rollovers: 0, health: new Map() };
    acc.set(id, x);
    return x;
  };
  const keyOf = (j: Job) => key(j.p.deviceId, j.m.key);

  for (let i = 0; i < meterSeries.length; i += batch) {
    const group = meterSeries.slice(i, i + batch);
    const sums = await slotSummaries(
      store,
      group.map((js) => keyOf(js[0]!)),
      fromMs,
      toMs,
      opts.meterMaxGapMs,
    );
    const gauges = group.filter((js) => js.some((j) => GAUGE_KINDS.has(j.kind)));
    const carried = await valuesInForce(
      store,
      gauges.map((js) => keyOf(js[0]!)),
      fromMs,
    );
    const carry = new Map(gauges.map((js, k) => [js, carried[k]!]));
    group.forEach((js, k) => {
      const s = sums[k]!;
      for (const j of js) {
        const x = a(j.p.deviceId);
        if (j.kind === 'health') x.health.set(j.m.key, metricHealth(s));
        else if (j.kind === 'consumption' || j.kind === 'reactive') {
          const r = onChangeCounter(s, fromMs, offlineOf(j.p.deviceId));
          if (j.kind === 'reactive') x.reactive = series(r.values);
          else {
            x.consumption = series(r.values);
            x.source = 'counter';
            x.resets += r.resets;
            x.rollovers += r.rollovers;
          }
        } else {
          const v = carriedGaugeMean(s, carry.get(js) ?? Number.NaN, fromMs, offlineOf(j.p.deviceId));
          if (j.kind === 'power') x.power = series(v);
          else if (j.kind === 'powerAsEnergy') {
            x.consumption = series(v.map((p) => p * 0.25));
            x.source = 'power';
          } else if (j.kind === 'reactivePower') x.reactive = series(v.map((q) => q * 0.25));
          else if (j.kind === 'voltage') x.voltage[j.m.phase ?? 'L1'] = series(v);
          else if (j.kind === 'thd') x.thd = x.thd ? worst(x.thd, v) : v;
          else if (j.kind === 'unbalance') x.unbalance = series(v);
          else x.flow = series(v);
        }
      }
    });
    // Series come counters first, then gauges, then metrics read for their quality only: the stage names
    // what the batch starts with.
    const first = group[0]![0]!.kind;
    step(GAUGE_KINDS.has(first) ? 'gauges' : first === 'health' ? 'metric quality' : 'counters');
  }

  const meters: MeterSeries[] = plans.flatMap((p) => {
    const x = acc.get(p.deviceId);
    if (!x?.consumption) return [];
    // In registry order, so the data-quality appendix lists them as registered.
    const badMetrics = p.all.flatMap((m) => {
      const h = x.health.get(m.key);
      return h && h.samples > h.good
        ? [{ metric: m.key, goodShare: h.samples ? h.good / h.samples : 0 }]
        : [];
    });
    return [
      {
        deviceId: p.deviceId,
        medium: p.medium,
        unit:
          p.medium === 'electricity'
            ? ('kWh' as const)
            : p.counter?.unit === 't'
              ? ('t' as const)
              : ('m3' as const),
        consumption: x.consumption,
        consumptionSource: x.source ?? 'counter',
        ...(x.power ? { powerKw: x.power } : {}),
        ...(x.flow ? { flowPerH: x.flow } : {}),
        ...(x.reactive ? { reactiveKvarh: x.reactive } : {}),
        ...(Object.keys(x.voltage).length ? { voltageV: x.voltage } : {}),
        ...(x.thd ? { voltageThdPct: series(x.thd) } : {}),
        ...(x.unbalance ? { voltageUnbalancePct: x.unbalance } : {}),
        ...(badMetrics.length ? { badMetrics } : {}),
        counterResets: x.resets,
        counterRollovers: x.rollovers,
      },
    ];
  });

  // Minute consumption of the billing meters (滑差 demand) and 10-min PQ values (energy-inputs-fine.ts).
  await loadFineSeries(store, snapshot, plans, fromMs, toMs, meters);

  const machineSeries: MachineSeries[] = [];
  const lookback = opts.stateLookbackMs ?? DAY_MS;
  for (const d of machines) {
    const stateMetric = metricsOf.get(d.id)?.find((m) => m.quantity === 'machineState');
    if (stateMetric) {
      const t: number[] = [];
      const s: number[] = [];
      for (const pt of await store.raw(key(d.id, stateMetric.key), fromMs - lookback, toMs)) {
        if (pt.value === null || !isGood(pt.status) || s[s.length - 1] === pt.value) continue; // changes only
        t.push(pt.tsMs);
        s.push(pt.value);
      }
      machineSeries.push({
        deviceId: d.id,
        states: { tMs: Float64Array.from(t), state: Uint8Array.from(s) },
      });
    }
    step('machine states');
  }

  const lines: LineOutputSeries[] = [];
  for (let i = 0; i < lineSources.length; i += batch) {
    const jobs = lineSources.slice(i, i + batch);
    const keys = jobs.map((j) => key(j.deviceId, j.metric));
    const res = await slotSummaries(store, keys, fromMs, toMs, DAY_MS);
    jobs.forEach((j, k) => {
      const values = res[k]!.increase.slice(); // NaN where no covering sample pair
      // Part counters publish on change: no covering pair means "no parts" unless the device was offline.
      const offline = offlineOf(j.deviceId);
      for (let q = 0; q < n; q++) {
        const s0 = fromMs + q * SLOT_MS;
        if (Number.isNaN(values[q]!) && !offline.some((o) => o.startMs < s0 + SLOT_MS && o.endMs > s0))
          values[q] = 0;
      }
      lines.push({
        assetPath: j.assetPath,
        ...(j.productId ? { productId: j.productId } : {}),
        output: series(values),
        source: {
          deviceId: j.deviceId,
          metric: j.metric,
          ...(j.assumption ? { assumption: j.assumption } : {}),
        },
      });
    });
    step('line output');
  }

  let outdoorTempC: IntervalSeries | undefined;
  if (opts.outdoorTemperature) {
    const t = opts.outdoorTemperature;
    const k = key(t.deviceId, t.metric);
    const [s] = await slotSummaries(store, [k], fromMs, toMs);
    const [carry] = await valuesInForce(store, [k], fromMs);
    outdoorTempC = series(carriedGaugeMean(s!, carry!, fromMs, offlineOf(t.deviceId)));
    step('weather');
  }

  return {
    registry: snapshot,
    period: { fromMs, toMs },
    meters,
    machines: machineSeries,
    lines,
    ...(outdoorTempC ? { outdoorTempC } : {}),
    options: opts.options ?? {},
    generatedAtMs: opts.generatedAtMs ?? toMs,
  };
}

/** Worst (largest) value per slot of two THD series, NaN-aware. */
function worst(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => (Number.isNaN(v) ? b[i]! : Number.isNaN(b[i]!) ? v : Math.max(v, b[i]!)));
}
