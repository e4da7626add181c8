import type { IntervalSeries, MeterSeries, PhaseSeries } from '../energy/types.js';
import type { RegistryMetric } from '../registry/model.js';
import type { SeriesCounterSummaries } from '../store/types.js';
import { metricHealth, type OnChangeCounter, SLOT_MS } from './energy-inputs-onchange.js';
import type { MeterPlan } from './energy-inputs-plan.js';

/** One use of one metric of a meter: its counter, a gauge, or its quality check. */
export type Job = { p: MeterPlan; m: RegistryMetric; kind: string };

export const GAUGE_KINDS = new Set([
  'powerAsEnergy',
  'power',
  'reactivePower',
  'voltage',
  'thd',
  'unbalance',
  'flow',
]);

/** What the reads of one meter's metrics add up to, before it becomes a MeterSeries. */
export type Acc = {
  consumption?: IntervalSeries;
  consumptionCoverage?: IntervalSeries;
  evidence?: MeterSeries['counterEvidence'];
  unattributed?: MeterSeries['unattributed'];
  coverage: NonNullable<MeterSeries['coverage']>;
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

export const newAcc = (): Acc => ({ voltage: {}, resets: 0, rollovers: 0, health: new Map(), coverage: {} });

/** Mean of a year of quarter-hours: a plain loop (reduce calls back per element, a heap number each). */
function mean(a: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] as number;
  return a.length ? sum / a.length : 0;
}

/** Adds one job's answer (its series' summaries, read as a counter or a held gauge) to the meter. */
export function addToMeter(
  x: Acc,
  j: Job,
  r: {
    s: SeriesCounterSummaries;
    counter: OnChangeCounter | null;
    held: { values: Float64Array; coveredMs: Float64Array } | null;
    series: (v: Float64Array) => IntervalSeries;
  },
): void {
  const { series } = r;
  if (j.kind === 'health') x.health.set(j.m.key, metricHealth(r.s));
  else if (r.counter && j.kind === 'reactive') {
    x.reactive = series(r.counter.values);
    x.coverage.reactiveKvarh = mean(r.counter.coverage);
  } else if (r.counter && j.kind === 'consumption') {
    const c = r.counter;
    x.consumption = series(c.values);
    x.consumptionCoverage = series(c.coverage);
    x.coverage.consumption = mean(c.coverage);
    x.evidence = { silentShare: series(c.silentShare) };
    if (c.unattributed.length) x.unattributed = c.unattributed;
    x.source = 'counter';
    x.resets += c.resets;
    x.rollovers += c.rollovers;
  } else if (r.held) addGauge(x, j, r.held, series);
}

function addGauge(
  x: Acc,
  j: Job,
  held: { values: Float64Array; coveredMs: Float64Array },
  series: (v: Float64Array) => IntervalSeries,
): void {
  const v = held.values;
  const shareOfSlot = held.coveredMs.map((c) => c / SLOT_MS);
  const share = mean(shareOfSlot);
  // Energy from power only where a value was in force the whole quarter-hour (never extrapolated).
  const energy = () => v.map((p, q) => (held.coveredMs[q]! >= SLOT_MS ? p * 0.25 : Number.NaN));
  if (j.kind === 'power') {
    x.power = series(v);
    x.coverage.powerKw = share;
  } else if (j.kind === 'powerAsEnergy') {
    x.consumption = series(energy());
    x.consumptionCoverage = series(shareOfSlot);
    x.coverage.consumption = share;
    x.source = 'power';
  } else if (j.kind === 'reactivePower') {
    x.reactive = series(energy());
    x.coverage.reactiveKvarh = share;
  } else if (j.kind === 'voltage') {
    x.voltage[j.m.phase ?? 'L1'] = series(v);
    x.coverage.voltageV = Math.min(x.coverage.voltageV ?? 1, share);
  } else if (j.kind === 'thd') {
    x.thd = x.thd ? worst(x.thd, v) : v;
    x.coverage.voltageThdPct = Math.min(x.coverage.voltageThdPct ?? 1, share);
  } else if (j.kind === 'unbalance') {
    x.unbalance = series(v);
    x.coverage.voltageUnbalancePct = share;
  } else {
    x.flow = series(v);
    x.coverage.flowPerH = share;
  }
}

/** Worst (largest) value per slot of two THD series, NaN-aware. */
function worst(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => (Number.isNaN(v) ? b[i]! : Number.isNaN(b[i]!) ? v : Math.max(v, b[i]!)));
}

/** The meter's MeterSeries (none without a consumption series). */
export function toMeterSeries(
  p: MeterPlan,
  x: Acc,
  series: (v: Float64Array) => IntervalSeries,
): MeterSeries[] {
  if (!x.consumption) return [];
  // In registry order, so the data-quality appendix lists them as registered.
  const badMetrics = p.all.flatMap((m) => {
    const h = x.health.get(m.key);
    return h && h.samples > h.good ? [{ metric: m.key, goodShare: h.samples ? h.good / h.samples : 0 }] : [];
  });
  const unit = p.medium === 'electricity' ? 'kWh' : p.counter?.unit === 't' ? 't' : 'm3';
  return [
    {
      deviceId: p.deviceId,
      medium: p.medium,
      unit,
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
      ...(x.consumptionCoverage ? { consumptionCoverage: x.consumptionCoverage } : {}),
      ...(x.evidence && x.source === 'counter' ? { counterEvidence: x.evidence } : {}),
      ...(x.unattributed && x.source === 'counter' ? { unattributed: x.unattributed } : {}),
      coverage: x.coverage,
    },
  ];
}
