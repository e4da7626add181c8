import { localMidnight } from '@xiang/protocol';
import { accountEnergy } from '../../energy/accounting/index.js';
import { buildContext, type DiagnosisContext } from '../../energy/context.js';
import type { Accounting } from '../../energy/result.js';
import type {
  DiagnosisInput,
  DiagnosisOptionsInput,
  IntervalSeries,
  UnattributedQuantity,
} from '../../energy/types.js';
import { loadEnergyInputs } from '../../query/energy-inputs.js';
import type { RegistryMetric, RegistrySnapshot } from '../../registry/model.js';
import type { TimeSeriesStore } from '../../store/types.js';
import type { ClosedInput } from './closed-store.js';

/**
 * Reading for monitoring: the diagnosis adapter (query/energy-inputs) over a registry snapshot cut down to
 * what consumption needs — each meter's consumption counter (its active power only when it has no counter)
 * and, when asked, the good-part counters that measure line output — so a screen refresh reads a few series
 * per meter instead of every voltage and THD channel. The pure accounting (energy/accounting) then runs on
 * slices of that one read, one slice per period shown.
 */
export const SLOT_MS = 900_000;
export const DAY_MS = 86_400_000;
const COUNTER_QUANTITIES = new Set(['activeEnergyImport', 'volume', 'mass']);

/** The snapshot with meters (and optionally the machines counting line output) and only the metrics read. */
export function monitoringSnapshot(
  s: RegistrySnapshot,
  o: { meterIds?: Set<string>; lineOutput?: boolean } = {},
): RegistrySnapshot {
  const seen = new Set<string>();
  const metrics: RegistryMetric[] = [];
  const byDevice = new Map<string, RegistryMetric[]>();
  for (const m of s.metrics) {
    const k = `${m.deviceId}\u0000${m.key}`;
    if (seen.has(k)) continue; // the same metric declared by two agents (history replay + live agent)
    seen.add(k);
    byDevice.set(m.deviceId, [...(byDevice.get(m.deviceId) ?? []), m]);
  }
  const meters = s.devices.filter((d) => d.kind === 'meter' && (!o.meterIds || o.meterIds.has(d.id)));
  for (const d of meters) {
    const ms = (byDevice.get(d.id) ?? []).filter((m) => !m.phase);
    const counters = ms.filter((m) => COUNTER_QUANTITIES.has(m.quantity));
    metrics.push(...(counters.length ? counters : ms.filter((m) => m.quantity === 'activePower')));
  }
  const machines = o.lineOutput ? s.devices.filter((d) => d.kind === 'machine') : [];
  for (const d of machines)
    metrics.push(...(byDevice.get(d.id) ?? []).filter((m) => m.quantity === 'goodCount'));
  return {
    ...s,
    devices: [...meters, ...machines],
    metrics,
    lines: o.lineOutput ? s.lines : [],
  };
}

export async function loadMonitoringInputs(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  fromMs: number,
  toMs: number,
  o: { meterIds?: Set<string>; lineOutput?: boolean } = {},
): Promise<DiagnosisInput> {
  // Quarter-hours only: the slices accounted (sliceInput) carry no minute or 10-min series.
  return loadEnergyInputs(store, monitoringSnapshot(snapshot, o), {
    fromMs,
    toMs,
    batchSize: 50,
    fineSeries: false,
  });
}

const cut = (s: IntervalSeries, a: number, b: number, fromMs: number): IntervalSeries => ({
  startMs: fromMs,
  intervalMs: s.intervalMs,
  values: s.values.subarray(a, b),
});

/** Rises across silent stretches whose reading resumed in [fromMs, toMs) (booked there, as the store does). */
const sliceRises = (rises: UnattributedQuantity[] | undefined, fromMs: number, toMs: number) => {
  const kept = (rises ?? []).filter((u) => u.toMs > fromMs && u.toMs <= toMs);
  return kept.length ? { unattributed: kept } : {};
};

/** The input restricted to [fromMs, toMs) (quarter-hour aligned, inside the loaded period). */
export function sliceInput(input: DiagnosisInput, fromMs: number, toMs: number): DiagnosisInput {
  const a = Math.max(0, Math.round((fromMs - input.period.fromMs) / SLOT_MS));
  const b = Math.max(a, Math.round((toMs - input.period.fromMs) / SLOT_MS));
  const from = input.period.fromMs + a * SLOT_MS;
  return {
    ...input,
    period: { fromMs: from, toMs: input.period.fromMs + b * SLOT_MS },
    meters: input.meters.map((m) => ({
      deviceId: m.deviceId,
      medium: m.medium,
      unit: m.unit,
      consumption: cut(m.consumption, a, b, from),
      consumptionSource: m.consumptionSource,
      counterResets: 0,
      counterRollovers: 0,
      ...sliceRises(m.unattributed, from, input.period.fromMs + b * SLOT_MS),
    })),
    machines: [],
    lines: input.lines.map((l) => ({ ...l, output: cut(l.output, a, b, from) })),
  };
}

export type PeriodAccount = { ctx: DiagnosisContext; accounting: Accounting; input: DiagnosisInput };

/** The pure accounting of one slice, priced with the factory's tariff options. */
export function accountPeriod(
  input: DiagnosisInput,
  fromMs: number,
  toMs: number,
  options: DiagnosisOptionsInput,
): PeriodAccount {
  const sliced = { ...sliceInput(input, fromMs, toMs), options };
  const ctx = buildContext(sliced);
  return { ctx, accounting: accountEnergy(ctx), input: sliced };
}

/** Local calendar boundaries around `atMs` (quarter-hour `nowMs` = the end of "so far"). */
export type Periods = {
  nowMs: number;
  todayStart: number;
  yesterdayStart: number;
  monthStart: number;
  lastMonthStart: number;
  monthBeforeStart: number;
};

function monthStartOf(dayStartMs: number, offMs: number, back: number): number {
  const d = new Date(dayStartMs + offMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1) - offMs;
}

export function periodsAt(atMs: number, utcOffsetMinutes: number): Periods {
  const off = utcOffsetMinutes * 60_000;
  const nowMs = Math.ceil(atMs / SLOT_MS) * SLOT_MS;
  const todayStart = localMidnight({ utcOffsetMinutes }, atMs);
  return {
    nowMs,
    todayStart,
    yesterdayStart: todayStart - DAY_MS,
    monthStart: monthStartOf(todayStart, off, 0),
    lastMonthStart: monthStartOf(todayStart, off, 1),
    monthBeforeStart: monthStartOf(todayStart, off, 2),
  };
}

/** Σ of known values and the count of known slots of a slice of a series. */
export function knownSum(values: Float64Array, a = 0, b = values.length): { sum: number; known: number } {
  let sum = 0;
  let known = 0;
  for (let i = a; i < b; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) {
      sum += v;
      known++;
    }
  }
  return { sum, known };
}

/**
 * Two inputs of adjacent periods as one ([a.from, b.to)): series joined, a meter or line missing from one side
 * is unknown (NaN) there, never zero.
 */
export function concatInputs(a: ClosedInput, b: DiagnosisInput): DiagnosisInput {
  const na = (a.period.toMs - a.period.fromMs) / SLOT_MS;
  const nb = (b.period.toMs - b.period.fromMs) / SLOT_MS;
  const join = (x: Float64Array | undefined, y: Float64Array | undefined): Float64Array => {
    const out = new Float64Array(na + nb).fill(Number.NaN);
    if (x) out.set(x.subarray(0, na), 0);
    if (y) out.set(y.subarray(0, nb), na);
    return out;
  };
  const series = (values: Float64Array): IntervalSeries => ({
    startMs: a.period.fromMs,
    intervalMs: SLOT_MS,
    values,
  });
  const meterIds = [...new Set([...a.meters, ...b.meters].map((m) => m.deviceId))];
  const lineIds = [...new Set([...a.lines, ...b.lines].map((l) => l.assetPath))];
  return {
    ...b,
    period: { fromMs: a.period.fromMs, toMs: b.period.toMs },
    meters: meterIds.map((id) => {
      const x = a.meters.find((m) => m.deviceId === id);
      const y = b.meters.find((m) => m.deviceId === id);
      const m = (y ?? x)!;
      return {
        deviceId: id,
        medium: m.medium,
        unit: m.unit,
        consumption: series(join(x?.consumption.values, y?.consumption.values)),
        consumptionSource: m.consumptionSource,
        counterResets: (x?.counterResets ?? 0) + (y?.counterResets ?? 0),
        counterRollovers: (x?.counterRollovers ?? 0) + (y?.counterRollovers ?? 0),
        ...sliceRises(
          [...(x?.unattributed ?? []), ...(y?.unattributed ?? [])],
          a.period.fromMs,
          b.period.toMs,
        ),
      };
    }),
    machines: [],
    lines: lineIds.map((path) => {
      const x = a.lines.find((l) => l.assetPath === path);
      const y = b.lines.find((l) => l.assetPath === path);
      return { ...(y ?? x)!, output: series(join(x?.output.values, y?.output.values)) };
    }),
  };
}
