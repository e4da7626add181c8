import type { DiagnosisInput, DiagnosisOptionsInput, IntervalSeries } from '../energy/types.js';
import type { RegistryMetric, RegistrySnapshot } from '../registry/model.js';
import { ColumnPool } from '../store/index.js';
import type { SeriesCounterSummaries, SeriesKey, TimeSeriesStore } from '../store/types.js';
import { readFineSeries } from './energy-inputs-fine.js';
import { loadLineOutputs, loadMachineStates } from './energy-inputs-lines.js';
import { type Acc, addToMeter, GAUGE_KINDS, type Job, newAcc, toMeterSeries } from './energy-inputs-meter.js';
import {
  arraysDoneWith,
  COUNTER_EVIDENCE_MS,
  heldGauge,
  onChangeCounter,
  SLOT_MS,
  slotSummaries,
} from './energy-inputs-onchange.js';
import { lineOutputSources, type MeterPlan, meterPlans, metricsByDevice } from './energy-inputs-plan.js';
import { maxHoldFor } from './held-values.js';
import { offlineIntervals } from './oee-inputs.js';

/**
 * Store + registry + period → DiagnosisInput for the pure energy domain. Metrics are found by quantity, not
 * key (the simulator calls the energy counter "energyImport", an agent may say "activeEnergyImport"):
 *  - every meter metric read once, as quarter-hour `summaries()` (counter increase, Good-value aggregates,
 *    sample counts): a year of 15-min data for hundreds of meters is one store pass per series;
 *  - consumption per quarter-hour from the counter's increase where sample pairs within the evidence limit
 *    cover it — a silent stretch is never interpolated: it adds nothing, is reported per slot (counter
 *    evidence: silent share, silent and flat runs) and the rise across it is unattributed (gap) consumption —
 *    or the time-weighted mean active power × 0.25 h when a meter has no counter; reactive energy likewise;
 *  - 15-min time-weighted means of active power, phase voltages, THD (worst phase), unbalance and flow: a
 *    value holds until the next sample, a Bad one, the device going offline, or the staleness limit
 *    (query/held-values.ts);
 *  - the covered share of the period per series, and of each slot's consumption;
 *  - a non-Good sample or an offline device (registry history) makes time unknown — a gap stays a gap;
 *  - the share of Good samples of every meter metric, so a channel reporting Bad quality is reported even
 *    when the diagnosis does not use it;
 *  - machine states as raw points (`raw`) from a look-back before the period, Good quality only;
 *  - line output from the line's registered output counter (else the last station's good count, stated as an
 *    assumption); a quarter-hour without a covering sample pair is "no parts" unless the device was offline.
 * Queries go in batches, one batch read ahead while the previous is folded, with the machine states and the
 * finer series read beside them (a remote store works while Node folds); `onProgress` reports each finished
 * batch for long periods.
 */
export type EnergyInputsOptions = {
  fromMs: number;
  toMs: number;
  options?: DiagnosisOptionsInput;
  /** Stamped into the result; default: toMs (the domain reads no clock). */
  generatedAtMs?: number;
  /** Series per store call (default 20). */
  batchSize?: number;
  /** Counter evidence limit: readings further apart leave the time between them silent (default 15 min). */
  meterMaxGapMs?: number;
  /** Look-back for the machine state in force at the period start (default 24 h). */
  stateLookbackMs?: number;
  /**
   * Minute consumption of the billing meters and 10-min PQ means (default true). Monitoring screens account
   * quarter-hours only and leave them out: a month of minute summaries is most of their read.
   */
  fineSeries?: boolean;
  /** Outdoor temperature series for degree-days in the baseline. */
  outdoorTemperature?: { deviceId: string; metric: string };
  onProgress?: (p: { stage: string; done: number; total: number }) => void;
};

const DAY_MS = 86_400_000;
export async function loadEnergyInputs(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  opts: EnergyInputsOptions,
): Promise<DiagnosisInput> {
  const fromMs = Math.floor(opts.fromMs / SLOT_MS) * SLOT_MS;
  const toMs = Math.ceil(opts.toMs / SLOT_MS) * SLOT_MS;
  const _n = Math.max(0, (toMs - fromMs) / SLOT_MS);
  const key = (deviceId: string, metric: string): SeriesKey => ({
    factoryId: snapshot.factory.id,
    deviceId,
    metric,
  });
  const series = (values: Float64Array): IntervalSeries => ({ startMs: fromMs, intervalMs: SLOT_MS, values });
  const offlineOf = (deviceId: string) => offlineIntervals(snapshot, deviceId, fromMs, toMs);
  const batch = Math.max(1, opts.batchSize ?? 20);
  const counterGapMs = opts.meterMaxGapMs ?? COUNTER_EVIDENCE_MS;
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
  const fine = opts.fineSeries !== false;
  const total = batches(meterSeries.length) + (fine ? 1 : 0) + machines.length + batches(lineSources.length);
  let done = 0;
  const step = (stage: string) =>
    opts.onProgress?.({ stage, done: ++done, total: total + (opts.outdoorTemperature ? 1 : 0) });
  const acc = new Map<string, Acc>();
  const a = (id: string): Acc => {
    const hit = acc.get(id);
    if (hit) return hit;
    const x = newAcc();
    acc.set(id, x);
    return x;
  };
  const keyOf = (j: Job) => key(j.p.deviceId, j.m.key);
  const counterReadAs = (js: Job[]) =>
    js.some((j) => j.kind === 'consumption') ? 'consumption' : 'reactive';
  // The finer series and the machine states need no quarter-hour result: started now, a remote store answers
  // them while the counters are folded here (a rejection is handled where they are awaited).
  const fineRead = fine ? readFineSeries(store, snapshot, plans, fromMs, toMs) : null;
  const statesRead = loadMachineStates(store, key, machines, metricsOf, {
    fromMs,
    toMs,
    lookbackMs: opts.stateLookbackMs ?? DAY_MS,
    onDone: () => step('machine states'),
  });
  for (const p of [fineRead, statesRead]) p?.catch(() => {});

  // Gauges need the time-weighted columns (and their look-back), read per staleness limit; counters and
  // quality checks do not.
  const isGauge = (js: Job[]) => js.some((j) => GAUGE_KINDS.has(j.kind));
  // Each series' answer is spent once its jobs are done: the next batches are built in its arrays.
  const columns = new ColumnPool();
  const holdOf = (js: Job[]) => (isGauge(js) ? maxHoldFor(js[0]!.m) : 0);
  const readGroup = async (group: Job[][]): Promise<Map<Job[], SeriesCounterSummaries>> => {
    const sums = new Map<Job[], SeriesCounterSummaries>();
    for (const hold of new Set(group.map(holdOf))) {
      const part = group.filter((js) => holdOf(js) === hold);
      const keys = part.map((js) => keyOf(js[0]!));
      const opts = { maxGapMs: counterGapMs, columns, ...(hold > 0 ? { maxHoldMs: hold } : {}) };
      const res = await slotSummaries(store, keys, fromMs, toMs, opts);
      part.forEach((js, k) => {
        sums.set(js, res[k]!);
      });
    }
    return sums;
  };
  const groupAt = (i: number) => meterSeries.slice(i, i + batch);
  // One batch read ahead: a remote store answers the next batch while this one is folded here.
  let ahead = meterSeries.length > 0 ? readGroup(groupAt(0)) : null;
  for (let i = 0; i < meterSeries.length; i += batch) {
    const group = groupAt(i);
    const sums = await (ahead as Promise<Map<Job[], SeriesCounterSummaries>>);
    ahead = i + batch < meterSeries.length ? readGroup(groupAt(i + batch)) : null;
    ahead?.catch(() => {}); // awaited (and thrown) on the next turn
    for (const js of group) {
      const s = sums.get(js)!;
      const offline = offlineOf(js[0]!.p.deviceId);
      const held = isGauge(js) ? await heldGauge(store, s, fromMs, holdOf(js), offline) : null;
      const r = js.some((j) => j.kind === 'consumption' || j.kind === 'reactive')
        ? onChangeCounter(s, fromMs, offline)
        : null;
      for (const j of js) addToMeter(a(j.p.deviceId), j, { s, counter: r, held, series });
      columns.give(...arraysDoneWith(s, r === null ? null : counterReadAs(js)));
    }
    // Series come counters first, then gauges, then metrics read for their quality only: the stage names
    // what the batch starts with.
    const first = group[0]![0]!.kind;
    step(GAUGE_KINDS.has(first) ? 'gauges' : first === 'health' ? 'metric quality' : 'counters');
  }

  const meters = plans.flatMap((p) => {
    const x = acc.get(p.deviceId);
    return x ? toMeterSeries(p, x, series) : [];
  });
  // Minute consumption of the billing meters (滑差 demand) and 10-min PQ values (energy-inputs-fine.ts).
  if (fineRead) {
    const byId = new Map(meters.map((m) => [m.deviceId, m]));
    for (const [id, f] of await fineRead) {
      const m = byId.get(id);
      if (!m) continue;
      // In a fixed order whichever read finished first: the same input gives the same object, key for key.
      if (f.minuteKwh) m.minuteKwh = f.minuteKwh;
      if (f.voltageThdShort) m.voltageThdShort = f.voltageThdShort;
      if (f.voltageUnbalanceShort) m.voltageUnbalanceShort = f.voltageUnbalanceShort;
    }
    step('fine series');
  }
  const machineSeries = await statesRead;
  const lines = await loadLineOutputs(store, key, lineSources, {
    fromMs,
    toMs,
    batch,
    offlineOf,
    onBatch: () => step('line output'),
  });

  let outdoorTempC: IntervalSeries | undefined;
  if (opts.outdoorTemperature) {
    const t = opts.outdoorTemperature;
    const k = key(t.deviceId, t.metric);
    const maxHoldMs = maxHoldFor({ quantity: 'temperature' });
    const [s] = await slotSummaries(store, [k], fromMs, toMs, { maxHoldMs });
    outdoorTempC = series((await heldGauge(store, s!, fromMs, maxHoldMs, offlineOf(t.deviceId))).values);
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
