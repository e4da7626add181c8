import { type Medium, mediumSchema, type ShiftCalendar } from '@xiang/protocol';
import { z } from 'zod';
import type { RegistrySnapshot } from '../registry/model.js';
import { touTariffSchema } from './accounting/tou.js';
import { coefficientOverrideSchema } from './data/coefficients.js';
import { settingsOverrideSchema } from './data/settings.js';
import { SLOT_MS } from './slots.js';

/**
 * Inputs of the pure energy-diagnosis domain. Series are regular interval series on ONE grid shared by the
 * whole run: 15-minute quarter-hours from `period.fromMs` (quarter-hours align with the billing demand
 * windows, and with local time in China, UTC+8). Values live in Float64Arrays; NaN marks a gap (the JSON
 * form of a series uses null) — a gap is never read as zero.
 */
export { SLOT_MS };
/** Hours per slot. */
export const SLOT_H = 0.25;

export type IntervalSeries = { startMs: number; intervalMs: number; values: Float64Array };

/** Machine state changes (OPC 40001-1 MachineryItemState numbers), time-ordered; the first may precede the period. */
export type StateChanges = { tMs: Float64Array; state: Uint8Array };

export type PhaseSeries = { L1?: IntervalSeries; L2?: IntervalSeries; L3?: IntervalSeries };

/**
 * A counter's rise across a stretch without evidence (a silent or dropped-out counter): consumed — or
 * produced — somewhere in [fromMs, toMs], attributable to no slot. fromMs null: the reading before the stretch
 * is unknown; quantity null: the rise is unknown (no reading before it).
 */
export type UnattributedQuantity = { fromMs: number | null; toMs: number; quantity: number | null };

/**
 * Counter evidence per slot (query/energy-inputs-onchange.ts), for the freeze and gap checks. Only what a rule
 * reads: the store also answers the longest silent and flat runs per slot, which no rule uses — carried in
 * the input they were two more arrays of a year of quarter-hours per meter.
 */
export type CounterEvidence = {
  /** Share of the slot without a sample pair within the evidence limit (an on-change counter is silent while it does not move: idle, or frozen). */
  silentShare: IntervalSeries;
};

/** Covered share of the period (0..1) per series of a meter: known consumption, or time a gauge value was in force. */
export type SeriesCoverage = Partial<
  Record<
    | 'consumption'
    | 'powerKw'
    | 'flowPerH'
    | 'reactiveKvarh'
    | 'voltageV'
    | 'voltageThdPct'
    | 'voltageUnbalancePct',
    number
  >
>;

export type MeterSeries = {
  deviceId: string;
  medium: Medium;
  /** Native unit of `consumption` (kWh for electricity, m3 or t for the others). */
  unit: 'kWh' | 'm3' | 't';
  /** Consumption per quarter-hour in `unit` (counter increase); NaN = unknown. */
  consumption: IntervalSeries;
  /** Where the consumption came from: the energy counter, or the time-weighted mean power × 0.25 h. */
  consumptionSource: 'counter' | 'power';
  /** Time-weighted mean active power per quarter-hour, kW (electricity meters that report it). */
  powerKw?: IntervalSeries;
  /** Time-weighted mean flow per quarter-hour for utility meters, in `unit` per hour (m³/h, t/h) — cross-checks the counter. */
  flowPerH?: IntervalSeries;
  /** Reactive energy per quarter-hour, kvarh (counter increase, or time-weighted mean kvar × 0.25 h). */
  reactiveKvarh?: IntervalSeries;
  /** Time-weighted mean phase-to-neutral voltage per quarter-hour, V. */
  voltageV?: PhaseSeries;
  /** Voltage THD per quarter-hour (worst phase), %. */
  voltageThdPct?: IntervalSeries;
  /** Voltage unbalance reported by the meter, %. */
  voltageUnbalancePct?: IntervalSeries;
  /**
   * Short-interval PQ values for the 95 % statistic (GB/T 14549 / 15543), from the period start: e.g. 10-min
   * means of the meter's samples (`intervalMs` says which). Without them the 15-min means are used, said so.
   */
  voltageThdShort?: IntervalSeries;
  voltageUnbalanceShort?: IntervalSeries;
  /**
   * Billing points: consumption per minute (counter increase, kWh) from the period start, `intervalMs`
   * 60 000 — the 15-min demand sliding every minute (滑差) that billing meters use is computed from it.
   */
  minuteKwh?: IntervalSeries;
  /** The meter's own demand register (15-min sliding demand as it computes it): maximum per quarter-hour, kW. */
  demandRegisterMaxKw?: IntervalSeries;
  /** Metrics of the meter whose samples were not all Good (share of Good samples), from the store. */
  badMetrics?: { metric: string; goodShare: number }[];
  /** Counter resets and rollovers the store detected in the period. */
  counterResets: number;
  counterRollovers: number;
  /** Known share of each slot's consumption (0..1); `consumption` is NaN where it is below 1. */
  consumptionCoverage?: IntervalSeries;
  /** Counter evidence per slot (counter meters only). */
  counterEvidence?: CounterEvidence;
  /** Consumption the counter shows across silent stretches, booked to no slot (add it for period totals). */
  unattributed?: UnattributedQuantity[];
  /** Covered share of the period per series. */
  coverage?: SeriesCoverage;
};

export type MachineSeries = {
  deviceId: string;
  states?: StateChanges;
  /** Good parts per quarter-hour. */
  goodCount?: IntervalSeries;
};

export type LineOutputSeries = {
  /** Asset path of the line, e.g. "WS1/L1". */
  assetPath: string;
  productId?: string;
  /** Good output per quarter-hour in the product's unit. */
  output: IntervalSeries;
  /** Where the output came from (registry outputCounter or a fallback), for the evidence. */
  source: { deviceId: string; metric: string; assumption?: string };
  /** Output counted after a drop-out (Bad quality or offline), booked to no slot: made somewhere in the gap. */
  unattributed?: UnattributedQuantity[];
};

export const periodSchema = z
  .object({ fromMs: z.number().int(), toMs: z.number().int() })
  .refine((p) => p.toMs > p.fromMs, 'period.toMs must be after period.fromMs')
  .refine((p) => p.fromMs % SLOT_MS === 0 && p.toMs % SLOT_MS === 0, 'period must align to quarter-hours');
export type Period = z.infer<typeof periodSchema>;

export const measureSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  nameEn: z.string().optional(),
  /** When the measure took effect; the baseline is fitted before it and savings counted after it. */
  dateMs: z.number().int(),
  investmentCny: z.number().nonnegative().optional(),
});
export type Measure = z.infer<typeof measureSchema>;

/** Options of a run. Everything has a default; overrides are recorded in the result. */
export const diagnosisOptionsSchema = z.object({
  /** GB/T 2589-2020: 当量值 (equivalent, default) or 等价值 (equal) for electricity and heat. */
  electricityBasis: z.enum(['equivalent', 'equal']).default('equivalent'),
  gridFactor: z
    .object({
      scope: z.enum(['province', 'region', 'national']).default('province'),
      dataYear: z.number().int().optional(),
    })
    .default({ scope: 'province' }),
  /** Time-of-use tariff; default: the Hunan 湘发改价调〔2025〕385号 schedule. */
  tariff: touTariffSchema.optional(),
  /** Flat (平段) energy price, ¥/kWh — from the month's 代理购电 notice; without it costs are not computed. */
  flatPriceCnyPerKwh: z.number().positive().optional(),
  /** Basic charge by demand, ¥/(kW·month), for demand-shaving savings. */
  demandPriceCnyPerKwMonth: z.number().positive().optional(),
  coefficientOverrides: z.array(coefficientOverrideSchema).default([]),
  settings: settingsOverrideSchema.default({}),
  /** Compressors (electric meter + optional compressed-air flow meter); default: recognised by name. */
  compressors: z
    .array(
      z.object({
        meterId: z.string(),
        airMeterId: z.string().optional(),
        standbyPowerKw: z.number().optional(),
      }),
    )
    .optional(),
  /** Loads the factory can move in time, with the share of their peak energy that can move. */
  flexibleLoads: z
    .array(z.object({ meterId: z.string(), shiftableShare: z.number().min(0).max(1) }))
    .default([]),
  /** Energy-saving measures already taken (savings verification) — IPMVP Option C. */
  measures: z.array(measureSchema).default([]),
  /** Investment estimates for measures the findings suggest, matched by rule (and device when given). */
  investments: z
    .array(
      z.object({
        rule: z.string(),
        deviceId: z.string().optional(),
        investmentCny: z.number().nonnegative(),
      }),
    )
    .default([]),
  /** Nominal phase-to-neutral voltage per meter, V (default: inferred from the median reading). */
  nominalPhaseVoltageV: z.record(z.string(), z.number().positive()).default({}),
  /** Media produced in-house (their input energy is already metered; not counted again in 综合能耗). */
  inHouseMedia: z.array(mediumSchema).default(['compressedAir', 'oxygen', 'nitrogen']),
});
export type DiagnosisOptions = z.output<typeof diagnosisOptionsSchema>;
export type DiagnosisOptionsInput = z.input<typeof diagnosisOptionsSchema>;

export type DiagnosisInput = {
  registry: RegistrySnapshot;
  period: Period;
  /** The factory's shift calendar (default: registry.factory.calendar). Without one, off-shift rules are skipped. */
  calendar?: ShiftCalendar;
  meters: MeterSeries[];
  machines: MachineSeries[];
  lines: LineOutputSeries[];
  /** Mean outdoor temperature per quarter-hour, °C (for degree-days in the baseline). */
  outdoorTempC?: IntervalSeries;
  options?: DiagnosisOptionsInput;
  /** Stamped into the result (the domain reads no clock). */
  generatedAtMs: number;
  /** How `period` was resolved from the request and the stored data (services/diagnoses/period.ts). */
  periodCoverage?: PeriodCoverage;
};

/**
 * The requested period, the stored data's extent and the share of the request evaluated: a diagnosis evaluates
 * only the time the data covers (hours after the last point are not a freeze, not waste), and says so.
 */
export const periodCoverageSchema = z.object({
  requested: z.object({ fromMs: z.number(), toMs: z.number() }),
  dataExtent: z.object({ firstMs: z.number().nullable(), lastMs: z.number().nullable() }),
  clipped: z.boolean(),
  evaluatedShare: z.number().min(0).max(1),
});
export type PeriodCoverage = z.infer<typeof periodCoverageSchema>;

export const langSchema = z.enum(['zh-CN', 'en']);
export type Lang = z.infer<typeof langSchema>;
export const textSchema = z.object({ zh: z.string(), en: z.string() });
export type Text = z.infer<typeof textSchema>;
