import {
  assetPathSchema,
  equipmentSchema,
  idSchema,
  mediumSchema,
  meterRoleSchema,
  shiftCalendarSchema,
} from '@xiang/protocol';
import { z } from 'zod';
import { faultSchema } from './faults.js';

/**
 * Scenario file (YAML): one factory with its calendar, machines, metering tree, MQTT-only devices and injected
 * faults. This zod schema is the single source of truth for the format; simulators/README.md explains it.
 */

const iso = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 time such as "2025-03-03T00:00:00+08:00"',
});
const range = z
  .tuple([z.number().nonnegative(), z.number().nonnegative()])
  .refine(([a, b]) => a <= b, 'expected [min, max] with min ≤ max');

export const machineTypeSchema = z.enum([
  'cnc',
  'lathe',
  'mill',
  'grinder',
  'press',
  'furnace',
  'welder',
  'assembly',
  'washer',
  'robot',
  'injection',
  'compressor',
  'other',
]);
export type MachineType = z.infer<typeof machineTypeSchema>;

export const compressorSchema = z.object({
  /** Free air delivery at full load, m³/min. */
  capacityM3PerMin: z.number().positive(),
  /** Specific power of the package, kW per (m³/min) — a scenario parameter, not a standard's grade. */
  specificPowerKwPerM3PerMin: z.number().positive(),
  /** Power while running unloaded during production. */
  unloadedKw: z.number().nonnegative(),
  /** Order in the lead/lag sequence (lower loads first). */
  sequence: z.number().int().min(0).default(0),
});

export const machineSchema = z
  .object({
    id: idSchema,
    name: z.string().optional(),
    type: machineTypeSchema,
    ratedKw: z.number().positive(),
    runningKw: z.number().positive(),
    idleKw: z.number().nonnegative(),
    standbyKw: z.number().nonnegative(),
    /** Seconds per part at 100 % speed; omitted for machines that make no parts (compressors). */
    idealCycleTimeS: z.number().positive().optional(),
    /** Actual speed ÷ ideal speed while Executing (performance loss). */
    performance: z.number().min(0.1).max(1).default(0.95),
    rejectRate: z.number().min(0).max(1).default(0.01),
    products: z.array(idSchema).default([]),
    /** Random waiting spells (no material, operator away) while in production. */
    idleSpellsPerHour: z.number().min(0).max(30).default(0.4),
    idleSpellMinutes: range.default([3, 12]),
    /** Breakdowns per 100 production hours and their repair time. */
    breakdownsPer100h: z.number().min(0).max(100).default(0.5),
    repairMinutes: range.default([30, 120]),
    /** Product changeover (operation mode Setup) after this many production hours, and how long it takes. */
    changeoverEveryHours: z.number().positive().default(16),
    setupMinutes: range.default([15, 30]),
    /** Compressed air drawn while Executing, m³/min (feeds the compressors' demand). */
    airM3PerMin: z.number().min(0).default(0),
    compressor: compressorSchema.optional(),
    /** Declared equipment (announced in the birth); default: class from `type`, a compressor's role from its
     * sequence (first = lead), standby power = standbyKw. */
    equipment: equipmentSchema.optional(),
  })
  .refine((m) => m.idleKw <= m.runningKw && m.standbyKw <= m.idleKw, {
    error: 'expected standbyKw ≤ idleKw ≤ runningKw',
    path: ['idleKw'],
  })
  .refine((m) => m.runningKw <= m.ratedKw, { error: 'expected runningKw ≤ ratedKw', path: ['runningKw'] })
  .refine((m) => (m.type === 'compressor') === (m.compressor !== undefined), {
    error: 'a compressor needs a `compressor` block, and only compressors have one',
    path: ['compressor'],
  })
  .refine((m) => m.type === 'compressor' || m.idealCycleTimeS !== undefined, {
    error: 'expected idealCycleTimeS for a production machine',
    path: ['idealCycleTimeS'],
  });
export type MachineSpec = z.infer<typeof machineSchema>;

export const lineSchema = z.object({
  id: idSchema,
  name: z.string().min(1),
  nameEn: z.string().optional(),
  machines: z.array(machineSchema).min(1),
});
/** A stretch of production outside the calendar (overtime, a weekend order): machines run as in a shift. */
export const overtimeSchema = z
  .object({ from: iso, to: iso })
  .refine((o) => Date.parse(o.from) < Date.parse(o.to), 'expected from before to');

export const workshopSchema = z.object({
  id: idSchema,
  name: z.string().min(1),
  nameEn: z.string().optional(),
  /** The workshop's own shift calendar (e.g. three shifts where the plant runs two); default: the plant's. */
  calendar: shiftCalendarSchema.optional(),
  /** Production outside the calendar (the registry is not told: a trap for off-shift diagnostics). */
  overtime: z.array(overtimeSchema).default([]),
  lines: z.array(lineSchema).min(1),
});

/** Per-machine utility draw by state, in the meter's unit per hour (m³/h or t/h). */
export const utilityRatesSchema = z.object({
  basePerHour: z.number().min(0).default(0),
  productionPerHour: z.number().min(0).default(0),
  perExecutingMachineHour: z.number().min(0).default(0),
  perIdleMachineHour: z.number().min(0).default(0),
});

export const meterSchema = z.object({
  id: idSchema,
  name: z.string().min(1),
  nameEn: z.string().optional(),
  medium: mediumSchema.default('electricity'),
  role: meterRoleSchema,
  /** Upstream meter of the same medium. */
  parent: idSchema.optional(),
  assetPath: assetPathSchema.default(''),
  /** Machines this meter measures directly (not through a child meter). */
  loads: z.array(idSchema).default([]),
  /** Building loads measured directly (lighting, HVAC), kW, by calendar segment. Electricity only. */
  baseLoad: z.object({ productionKw: z.number().min(0), offShiftKw: z.number().min(0) }).optional(),
  /** Phase-to-neutral nominal voltage, V (default: from nominalVoltageKv, else 230 V). */
  nominalVoltageV: z.number().positive().optional(),
  /** Nominal system (line-to-line) voltage of the metering point, kV, e.g. 10 for a meter on the HV side. */
  nominalVoltageKv: z.number().positive().max(1200).optional(),
  /** Declared equipment of what the meter measures (class, operating profile, standby…), announced in the birth. */
  equipment: equipmentSchema.optional(),
  /** The register wraps to 0 at this reading (announced as the metric's rolloverAt). */
  rolloverAt: z.number().positive().optional(),
  /** Meter replaced: from `at` the register reads `newReading` plus what is consumed after it. */
  replacements: z.array(z.object({ at: iso, newReading: z.number().min(0) })).default([]),
  /** Power factor of the loads measured at this point (after local compensation). */
  basePowerFactor: z.number().min(0.5).max(1).default(0.94),
  /** Unmetered losses as a share of what is measured below: total = below × (1 + share). */
  unmeteredLossShare: z.number().min(0).max(0.5).default(0),
  ratedKw: z.number().positive().optional(),
  /** Reading of the counter at the scenario start (kWh, m³ or t). */
  initialReading: z.number().min(0).optional(),
  /** Utility meters: how use follows production. */
  utility: utilityRatesSchema.optional(),
  /** How the device talks: an OPC UA server variable set, or MQTT JSON only. */
  transport: z.enum(['opcua', 'mqtt']).default('opcua'),
});
export type MeterSpec = z.infer<typeof meterSchema>;

export const sensorSchema = z.object({
  id: idSchema,
  name: z.string().min(1),
  assetPath: assetPathSchema.default(''),
  kind: z.enum(['temperatureHumidity']).default('temperatureHumidity'),
  /** Daily mean temperature, °C, and swing amplitude. */
  meanTemperatureC: z.number().default(22),
  swingC: z.number().min(0).default(4),
});

export const clockSchema = z
  .object({
    start: iso.optional(),
    speed: z.number().positive().max(1_000_000).default(60),
    tickSeconds: z.number().int().positive().default(60),
  })
  .refine((c) => 900 % c.tickSeconds === 0, {
    error:
      'tickSeconds must divide 900 so quarter hours and hours are tick boundaries (e.g. 1, 5, 10, 15, 30, 60, 300, 900)',
    path: ['tickSeconds'],
  });

export const scenarioSchema = z.object({
  factory: z.object({
    id: idSchema,
    name: z.string().min(1),
    nameEn: z.string().optional(),
    industry: z.enum(['discrete', 'process']).default('discrete'),
    industryCode: z.string().optional(),
    utcOffsetMinutes: z.number().int().min(-720).max(840).default(480),
    contractDemandKw: z.number().positive().optional(),
    products: z
      .array(z.object({ id: idSchema, name: z.string().min(1), unit: z.string().min(1).default('pcs') }))
      .default([]),
  }),
  seed: z.number().int().min(0).max(0xffffffff),
  calendar: shiftCalendarSchema,
  clock: clockSchema.default({ speed: 60, tickSeconds: 60 }),
  workshops: z.array(workshopSchema).min(1),
  meters: z.array(meterSchema).min(1),
  sensors: z.array(sensorSchema).default([]),
  faults: z.array(faultSchema).default([]),
});
export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
