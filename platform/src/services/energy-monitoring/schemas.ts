import { mediumSchema } from '@xiang/protocol';
import { z } from 'zod';
import { touPeriodTypeSchema } from '../../energy/accounting/tou.js';

/**
 * Response shapes of the energy-monitoring API (routes/energy-*.ts): one zod definition each, so the API's
 * validation, serialisation and OpenAPI document all come from here. A quantity whose quarter-hours are all
 * unknown is null (never 0); `coverage` is the share of quarter-hours with data behind every figure.
 */
const nnum = z.number().nullable();

export const mediumFigureSchema = z.object({
  medium: mediumSchema,
  unit: z.string(),
  /** Sum over the medium's root meters; null when no quarter-hour has data. */
  quantity: nnum,
  coverage: z.number(),
  kgce: nnum,
  co2Kg: nnum,
  costCny: nnum,
  countedInComprehensive: z.boolean(),
  /** Same figure over the comparison span, and the change; null when either side is not fully covered. */
  previousQuantity: nnum,
  previousCoverage: z.number(),
  change: nnum,
});
export type MediumFigure = z.infer<typeof mediumFigureSchema>;

export const periodKeySchema = z.enum(['today', 'yesterday', 'thisMonth', 'lastMonth']);
export const periodFiguresSchema = z.object({
  key: periodKeySchema,
  fromMs: z.number(),
  toMs: z.number(),
  /** The span compared with (same length, the period before). */
  compareFromMs: z.number(),
  compareToMs: z.number(),
  media: z.array(mediumFigureSchema),
  tce: nnum,
  co2T: nnum,
  costCny: nnum,
  /** Share of quarter-hours with data on every counted medium's root meters. */
  coverage: z.number(),
  previousTce: nnum,
  tceChange: nnum,
});
export type PeriodFigures = z.infer<typeof periodFiguresSchema>;

const curvePoint = z.object({ startMs: z.number(), kw: nnum });
export const touBandSchema = z.object({
  startMs: z.number(),
  endMs: z.number(),
  type: touPeriodTypeSchema,
  priceCnyPerKwh: nnum,
});

export const loadCurveSchema = z.object({
  meterId: z.string(),
  name: z.string(),
  powerMetric: z.string().nullable(),
  contractDemandKw: nnum,
  /** Quarter-hour demand (mean kW) from the energy counter, aligned to local time of day. */
  today: z.array(curvePoint),
  yesterday: z.array(curvePoint),
  sameWeekdayLastWeek: z.array(curvePoint),
  peakToday: z.object({ kw: z.number(), startMs: z.number() }).nullable(),
  tou: z.array(touBandSchema),
});

export const areaSchema = z.object({
  path: z.string(),
  name: z.string(),
  level: z.enum(['factory', 'workshop', 'line']),
  kwh: nnum,
  coverage: z.number(),
  meterIds: z.array(z.string()),
});

export const consumerSchema = z.object({
  meterId: z.string(),
  name: z.string(),
  assetPath: z.string(),
  medium: mediumSchema,
  unit: z.string(),
  quantity: nnum,
  coverage: z.number(),
  share: nnum,
});

export const unitConsumptionSchema = z.object({
  line: z.string(),
  name: z.string(),
  productId: z.string().nullable(),
  kwh: nnum,
  output: nnum,
  outputUnit: z.string(),
  kwhPerUnit: nnum,
  outputSource: z.string(),
  assumption: z.string().nullable(),
});

export const tariffInfoSchema = z.object({
  schedule: z.string(),
  scheduleSource: z.string(),
  prices: z.string(),
  priced: z.boolean(),
});

export const energyOverviewSchema = z
  .object({
    factoryId: z.string(),
    atMs: z.number(),
    nowMs: z.number().describe('end of "so far" (the quarter-hour boundary at or after atMs)'),
    utcOffsetMinutes: z.number(),
    periods: z.array(periodFiguresSchema),
    load: loadCurveSchema.nullable(),
    areas: z.array(areaSchema),
    /** Incomer minus the areas' meters today: losses and unmetered loads. */
    unallocatedKwh: nnum,
    topConsumers: z.array(consumerSchema),
    unitConsumption: z.array(unitConsumptionSchema),
    coverage: z.object({
      share: z.number(),
      meters: z.number(),
      metersWithGaps: z.array(z.object({ meterId: z.string(), name: z.string(), coverage: z.number() })),
    }),
    tariff: tariffInfoSchema,
    notes: z.array(z.string()),
  })
  .meta({ id: 'EnergyOverview' });
export type EnergyOverview = z.infer<typeof energyOverviewSchema>;

export const flowSchema = z
  .object({
    factoryId: z.string(),
    medium: mediumSchema,
    unit: z.string(),
    fromMs: z.number(),
    toMs: z.number(),
    media: z.array(mediumSchema).describe('media with meters in this factory'),
    nodes: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(['meter', 'remainder', 'excess']),
        name: z.string(),
        assetPath: z.string(),
        role: z.string().nullable(),
        parentId: z.string().nullable(),
        quantity: nnum,
        coverage: z.number(),
        costCny: nnum,
      }),
    ),
    links: z.array(z.object({ source: z.string(), target: z.string(), value: z.number() })),
    notes: z.array(z.string()),
  })
  .meta({ id: 'EnergyFlow' });
export type EnergyFlow = z.infer<typeof flowSchema>;

export const meterLoadSchema = z
  .object({
    factoryId: z.string(),
    meterId: z.string(),
    name: z.string(),
    medium: mediumSchema,
    unit: z.string(),
    rateUnit: z.string().describe('unit of the curve: kW for electricity, <unit>/h otherwise'),
    fromMs: z.number(),
    toMs: z.number(),
    intervalMs: z.number(),
    curve: z.array(curvePoint.extend({ kw: nnum.describe('mean rate over the interval') })),
    total: nnum,
    coverage: z.number(),
    /** Mean rate per ISO weekday (1 = Monday) × local hour, over the hours with data. */
    heatmap: z.array(
      z.object({ weekday: z.number(), hour: z.number(), mean: nnum, hours: z.number().int() }),
    ),
  })
  .meta({ id: 'MeterLoad' });
export type MeterLoad = z.infer<typeof meterLoadSchema>;

export const dataExtentSchema = z
  .object({
    factoryId: z.string(),
    firstMs: nnum,
    lastMs: nnum,
    media: z.array(z.object({ medium: mediumSchema, firstMs: nnum, lastMs: nnum, meters: z.number().int() })),
    machines: z.object({ firstMs: nnum, lastMs: nnum, count: z.number().int() }),
    checkedAtMs: z.number(),
  })
  .meta({ id: 'DataExtent' });
export type DataExtent = z.infer<typeof dataExtentSchema>;
