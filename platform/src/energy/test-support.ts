import { type ShiftCalendarInput, shiftCalendarSchema } from '@xiang/protocol';
import {
  type FactoryProfile,
  factoryProfileSchema,
  type RegistryDevice,
  type RegistrySnapshot,
} from '../registry/model.js';
import { seriesFrom } from './series.js';
import type {
  DiagnosisInput,
  DiagnosisOptionsInput,
  IntervalSeries,
  LineOutputSeries,
  MachineSeries,
  MeterSeries,
} from './types.js';

/**
 * Builders for hand-computable diagnosis inputs in tests: a Monday-start grid in UTC+8, devices with
 * defaults, and series from per-slot functions of local time.
 */
export const H = 3_600_000;
export const SLOT = 900_000;
/** Monday 2026-03-02 00:00 local (UTC+8). */
export const MONDAY = Date.parse('2026-03-02T00:00:00+08:00');

/** Local time of slot i on a grid starting at `fromMs` (UTC+8). */
export function localOf(
  fromMs: number,
  i: number,
): { day: number; hour: number; minute: number; weekday: number } {
  const local = fromMs + i * SLOT + 8 * H;
  const dayIndex = Math.floor(local / 86_400_000);
  const minuteOfDay = Math.floor((local - dayIndex * 86_400_000) / 60_000);
  return {
    day: Math.floor((fromMs + i * SLOT - MONDAY) / 86_400_000),
    hour: Math.floor(minuteOfDay / 60),
    minute: minuteOfDay % 60,
    weekday: ((((dayIndex + 3) % 7) + 7) % 7) + 1,
  };
}

export type SlotFn = (i: number, t: ReturnType<typeof localOf>) => number | null;

export function series(fromMs: number, n: number, fn: SlotFn): IntervalSeries {
  const vals: (number | null)[] = [];
  for (let i = 0; i < n; i++) vals.push(fn(i, localOf(fromMs, i)));
  return seriesFrom(fromMs, vals);
}

/** Electricity meter from a kW profile (consumption = kW × 0.25 h per slot). */
export function elecMeter(
  id: string,
  fromMs: number,
  n: number,
  kw: SlotFn,
  extra: Partial<MeterSeries> = {},
): MeterSeries {
  return {
    deviceId: id,
    medium: 'electricity',
    unit: 'kWh',
    consumption: series(fromMs, n, (i, t) => {
      const v = kw(i, t);
      return v === null ? null : v * 0.25;
    }),
    consumptionSource: 'counter',
    counterResets: 0,
    counterRollovers: 0,
    ...extra,
  };
}

export function device(
  id: string,
  kind: RegistryDevice['kind'],
  extra: Partial<RegistryDevice> = {},
): RegistryDevice {
  return {
    factoryId: 'F1',
    id,
    agentId: 'A1',
    kind,
    assetPath: '',
    production: kind === 'machine',
    online: true,
    firstSeenMs: 0,
    lastSeenMs: null,
    ...(kind === 'meter' ? { medium: 'electricity' as const } : {}),
    ...extra,
  };
}

export const dayShift: ShiftCalendarInput = {
  utcOffsetMinutes: 480,
  workdays: [1, 2, 3, 4, 5],
  shifts: [{ name: 'day', start: '08:00', end: '17:00', breaks: [{ start: '12:00', end: '13:00' }] }],
};

export function registry(
  devices: RegistryDevice[],
  factory: Partial<FactoryProfile> = {},
  calendar: ShiftCalendarInput | null = dayShift,
): RegistrySnapshot {
  return {
    factory: factoryProfileSchema.parse({
      id: 'F1',
      name: '测试工厂',
      ...(calendar ? { calendar: shiftCalendarSchema.parse(calendar) } : {}),
      ...factory,
    }),
    assets: [],
    devices,
    metrics: [],
    lines: [],
    onlineHistory: [],
  };
}

export function input(args: {
  registry: RegistrySnapshot;
  fromMs?: number;
  days: number;
  meters: MeterSeries[];
  machines?: MachineSeries[];
  lines?: LineOutputSeries[];
  options?: DiagnosisOptionsInput;
  outdoorTempC?: IntervalSeries;
}): DiagnosisInput {
  const fromMs = args.fromMs ?? MONDAY;
  return {
    registry: args.registry,
    period: { fromMs, toMs: fromMs + args.days * 86_400_000 },
    meters: args.meters,
    machines: args.machines ?? [],
    lines: args.lines ?? [],
    options: args.options ?? {},
    generatedAtMs: fromMs + args.days * 86_400_000,
    ...(args.outdoorTempC ? { outdoorTempC: args.outdoorTempC } : {}),
  };
}

/** State changes from [localHoursFromStart, state] pairs (hours since `fromMs`). */
export function states(fromMs: number, changes: [number, number][]): MachineSeries['states'] {
  return {
    tMs: Float64Array.from(changes.map(([h]) => fromMs + h * H)),
    state: Uint8Array.from(changes.map(([, s]) => s)),
  };
}

/** Slots per day. */
export const PER_DAY = 96;
