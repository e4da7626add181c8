import {
  assetLevelSchema,
  deviceKindSchema,
  equipmentSchema,
  idSchema,
  mediumSchema,
  meterRoleSchema,
  metricSchema,
  shiftCalendarSchema,
} from '@xiang/protocol';
import { z } from 'zod';

/**
 * The asset registry's model. Built from agent births (devices, metrics, assets) and completed by people
 * through the API (main incomer, ideal cycle times, output counters, calendar, industry, products,
 * contracts). Domain code (energy/, grading/, oee/) receives a `RegistrySnapshot` — plain data, no I/O.
 */

export const industryTypeSchema = z.enum(['discrete', 'process']);

export const productSchema = z.object({
  id: idSchema,
  name: z.string().min(1),
  /** Output unit, e.g. "pcs", "t". */
  unit: z.string().min(1),
  /** Key into the benchmark table (energy/data) when a national benchmark exists, e.g. "cementClinker". */
  benchmarkKey: z.string().optional(),
});

export const transformerSchema = z.object({
  id: idSchema,
  ratedKva: z.number().positive(),
  noLoadLossKw: z.number().positive(),
  loadLossKw: z.number().positive(),
  /** Meter on the transformer's secondary side. */
  meterDeviceId: idSchema,
});

export const factoryProfileSchema = z.object({
  id: idSchema,
  name: z.string().default(''),
  nameEn: z.string().optional(),
  industry: industryTypeSchema.default('discrete'),
  /** GB/T 4754 industry code, e.g. "C3484" (machining). */
  industryCode: z.string().optional(),
  province: z.string().default('湖南'),
  products: z.array(productSchema).default([]),
  calendar: shiftCalendarSchema.optional(),
  /** Contracted (declared) maximum demand for the two-part tariff, kW. */
  contractDemandKw: z.number().positive().optional(),
  /** Power-factor standard of the supply contract (功率因数调整电费办法): 0.90 / 0.85 / 0.80. */
  powerFactorStandard: z.union([z.literal(0.9), z.literal(0.85), z.literal(0.8)]).default(0.9),
  transformers: z.array(transformerSchema).default([]),
  /** Annual output value (¥) for 单位产值综合能耗, when known. */
  annualOutputValueCny: z.number().positive().optional(),
});
export type FactoryProfile = z.infer<typeof factoryProfileSchema>;

export const registryAssetSchema = z.object({
  factoryId: idSchema,
  path: z.string(),
  level: assetLevelSchema,
  name: z.string().optional(),
});
export type RegistryAsset = z.infer<typeof registryAssetSchema>;

/** Person-entered facts about a line (or any asset) that devices cannot tell. */
export const lineSettingsSchema = z.object({
  factoryId: idSchema,
  path: z.string().min(1),
  idealCycleTimeS: z.number().positive().optional(),
  /** The counter that measures the line's good output (e.g. the last station's goodCount). */
  outputCounter: z.object({ deviceId: idSchema, metric: z.string() }).optional(),
  productId: idSchema.optional(),
});
export type LineSettings = z.infer<typeof lineSettingsSchema>;

export const registryDeviceSchema = z.object({
  factoryId: idSchema,
  id: idSchema,
  agentId: idSchema,
  kind: deviceKindSchema,
  assetPath: z.string(),
  name: z.string().optional(),
  medium: mediumSchema.optional(),
  meterRole: meterRoleSchema.optional(),
  parentMeter: idSchema.optional(),
  ratedPowerKw: z.number().positive().optional(),
  /** Power below which the machine counts as switched to standby, kW (person-entered or learned). */
  standbyPowerKw: z.number().nonnegative().optional(),
  /** Power while powered up but not working (NotExecuting), kW — lets energy diagnostics price idling through
   * breaks for machines without their own meter (person-entered or learned). */
  idlePowerKw: z.number().nonnegative().optional(),
  /** Declared equipment (birth, overlaid field by field with a person's corrections): class, role, nominal
   * voltage, operating profile, standby, nameplate. Diagnostics act on this, never on a name. */
  equipment: equipmentSchema.optional(),
  /** Meters: devices measured directly (declared in the birth or entered), not through a child meter. */
  measures: z.array(idSchema).optional(),
  /** Counts as production equipment for the networking/digitisation rates. */
  production: z.boolean().default(false),
  online: z.boolean(),
  firstSeenMs: z.number().int(),
  lastSeenMs: z.number().int().nullable(),
});
export type RegistryDevice = z.infer<typeof registryDeviceSchema>;

export const registryMetricSchema = metricSchema.extend({ factoryId: idSchema, agentId: idSchema });
export type RegistryMetric = z.infer<typeof registryMetricSchema>;

export type OnlineTransition = {
  factoryId: string;
  deviceId: string;
  atMs: number;
  online: boolean;
  reason: string;
};

/** Everything the pure domain needs about one factory, as plain data. */
export type RegistrySnapshot = {
  factory: FactoryProfile;
  assets: RegistryAsset[];
  devices: RegistryDevice[];
  metrics: RegistryMetric[];
  lines: LineSettings[];
  onlineHistory: OnlineTransition[];
};
