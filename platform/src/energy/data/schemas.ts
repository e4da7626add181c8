import { mediumSchema } from '@xiang/protocol';
import { z } from 'zod';

/**
 * zod schemas of the standards data files beside this module. Each coefficient carries its source, year and
 * a confidence tag: C = read in the document, S = secondary source only, R = recalled (see
 * shared/reference/energy-diagnostics.md). A null value means "no figure in the reference — override it".
 */
export const confidenceSchema = z.enum(['C', 'S', 'R']);
export type Confidence = z.infer<typeof confidenceSchema>;

const yearSchema = z.number().int().min(1950).max(2100).nullable();

export const conversionEntrySchema = z.object({
  id: z.string().min(1),
  label: z.string().min(1),
  basis: z.enum(['equivalent', 'equal']).optional(),
  value: z.number().nullable(),
  range: z.tuple([z.number(), z.number()]).optional(),
  unit: z.enum(['kgce/kWh', 'kgce/kg', 'kgce/t', 'kgce/m3', 'kgce/MJ']),
  source: z.string().min(1),
  year: yearSchema,
  confidence: confidenceSchema,
});
export const conversionFileSchema = z.object({
  document: z.string(),
  notes: z.string(),
  kgceKj: z.object({
    id: z.string(),
    value: z.number().positive(),
    unit: z.string(),
    source: z.string(),
    year: yearSchema,
    confidence: confidenceSchema,
  }),
  entries: z.array(conversionEntrySchema).min(1),
  mediumDefaults: z.record(mediumSchema, z.object({ equivalent: z.string(), equal: z.string() })),
});

export const gridEntrySchema = z.object({
  id: z.string().min(1),
  scope: z.enum(['province', 'region', 'national']),
  area: z.string().min(1),
  dataYear: z.number().int(),
  value: z.number().positive().nullable(),
  unit: z.literal('kgCO2/kWh'),
  source: z.string().min(1),
  year: yearSchema,
  confidence: confidenceSchema,
});
export const gridFileSchema = z.object({
  document: z.string(),
  lookupOrder: z.array(z.enum(['province', 'region', 'national'])),
  provinceRegion: z.record(
    z.string(),
    z.object({ region: z.string(), confidence: confidenceSchema, note: z.string().optional() }),
  ),
  entries: z.array(gridEntrySchema).min(1),
  referenceOnly: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      value: z.number(),
      unit: z.string(),
      source: z.string(),
      year: yearSchema,
      confidence: confidenceSchema,
    }),
  ),
  defaultDataYear: z.number().int(),
});

export const fuelEntrySchema = z.object({
  id: z.string().min(1),
  medium: mediumSchema.optional(),
  label: z.string(),
  /** The GB/T 2589 coefficient whose heat content (kgce × 29 307.6 kJ) is the NCV: one heat content for tce and CO₂. */
  conversionId: z.string().min(1),
  /** The unit one EF figure refers to. */
  perUnit: z.enum(['m3', 't']),
  carbonContentTcPerGj: z.number().positive(),
  oxidationFraction: z.number().positive().max(1),
  confidence: confidenceSchema,
  note: z.string().optional(),
});
export const fuelFileSchema = z.object({
  document: z.string(),
  ncvRule: z.string(),
  /** One source per sector: the guideline the CC and OF defaults come from, labelled. */
  sector: z.object({
    id: z.string(),
    label: z.string(),
    guideline: z.string(),
    year: yearSchema,
    confidence: confidenceSchema,
  }),
  entries: z.array(fuelEntrySchema).min(1),
  missing: z.array(z.object({ medium: mediumSchema, note: z.string() })),
});

export const pfTableSchema = z.object({
  standard: z.union([z.literal(0.9), z.literal(0.85), z.literal(0.8)]),
  scope: z.string(),
  /** [power factor, adjustment %] rows above the standard (negative = credit). */
  credits: z.array(z.tuple([z.number(), z.number()])).min(1),
  creditCapFromPf: z.number(),
  /** Going down from the standard: each 0.01 step down to `downToPf` adds `pctPerHundredth` %. */
  surchargeBands: z
    .array(z.object({ downToPf: z.number().min(0), pctPerHundredth: z.number().positive() }))
    .min(1),
  confidence: confidenceSchema,
  source: z.string(),
  disputed: z.string().optional(),
});
export const pfFileSchema = z.object({
  document: z.string(),
  docConfidence: confidenceSchema,
  method: z.string(),
  methodConfidence: confidenceSchema,
  roundingDecimals: z.number().int().min(0).max(4),
  tables: z.array(pfTableSchema).length(3),
});

const meteringEnergySchema = z.enum([
  'electricity',
  'coalCoke',
  'refinedOil',
  'heavyOil',
  'naturalGasLpg',
  'coalGas',
  'steam',
  'water',
  'wasteEnergy',
]);
export const meteringFileSchema = z.object({
  document: z.string(),
  edition: z.object({
    supersededBy: z.string(),
    supersededFrom: z.string(),
    confidence: confidenceSchema,
    note: z.string(),
  }),
  coverageFormula: z.object({ text: z.string(), confidence: confidenceSchema }),
  coverage: z.array(
    z.object({
      energy: meteringEnergySchema,
      media: z.array(mediumSchema),
      wholeUnitPct: z.number().min(0).max(100),
      secondaryUnitPct: z.number().min(0).max(100),
      mainEquipmentPct: z.number().min(0).max(100).nullable(),
      confidence: confidenceSchema,
      note: z.string().optional(),
    }),
  ),
  mainThresholds: z.array(
    z.object({
      energy: meteringEnergySchema,
      secondaryUnit: z.object({ value: z.number(), unit: z.string() }),
      mainEquipment: z.object({ value: z.number(), unit: z.string() }),
      confidence: confidenceSchema,
    }),
  ),
  mainThresholdsNote: z.string(),
});

const limitBase = { id: z.string(), standard: z.string(), year: yearSchema, confidence: confidenceSchema };
export const pqFileSchema = z.object({
  voltageDeviation: z.array(
    z.object({
      ...limitBase,
      label: z.string(),
      maxNominalKv: z.number().optional(),
      minNominalKv: z.number().optional(),
      phases: z.number().int().optional(),
      upperPct: z.number().optional(),
      lowerPct: z.number().optional(),
      sumAbsPct: z.number().optional(),
      note: z.string().optional(),
    }),
  ),
  unbalance: z.object({
    ...limitBase,
    normalPct: z.number(),
    shortTimePct: z.number(),
    perUserNormalPct: z.number(),
    perUserShortTimePct: z.number(),
    note: z.string(),
  }),
  thd: z.array(
    z.object({
      ...limitBase,
      nominalKv: z.number(),
      minNominalKv: z.number().optional(),
      thdPct: z.number(),
      oddPct: z.number(),
      evenPct: z.number(),
    }),
  ),
  frequency: z.object({ ...limitBase, toleranceHz: z.number(), smallSystemToleranceHz: z.number() }),
});

const sourcedValue = z.object({
  id: z.string(),
  value: z.number(),
  unit: z.string(),
  source: z.string(),
  year: yearSchema,
  confidence: confidenceSchema,
});
export const compressorFileSchema = z.object({
  document: z.string(),
  status: z.enum(['missing', 'loaded']),
  note: z.string(),
  grades: z.array(
    z.object({
      fadFromM3Min: z.number(),
      fadToM3Min: z.number(),
      pressureMpa: z.number(),
      grade1: z.number(),
      grade2: z.number(),
      grade3: z.number(),
      confidence: confidenceSchema,
    }),
  ),
  sanityRange: z.object({
    id: z.string(),
    min: z.number(),
    max: z.number(),
    unit: z.string(),
    applies: z.string(),
    source: z.string(),
    year: yearSchema,
    confidence: confidenceSchema,
  }),
  pressureRuleOfThumb: sourcedValue,
});

export const benchmarkEntrySchema = z.object({
  key: z.string(),
  label: z.string(),
  unit: z.string(),
  benchmark: z.number(),
  baseline: z.number(),
  source: z.string(),
  year: yearSchema,
  confidence: confidenceSchema,
});
export const benchmarkFileSchema = z.object({
  document: z.string(),
  note: z.string(),
  entries: z.array(benchmarkEntrySchema),
});

const threshold = z.object({ value: z.number().positive(), confidence: confidenceSchema });
export const mvFileSchema = z.object({
  document: z.string(),
  denominator: z.string(),
  granularities: z.array(
    z.object({
      granularity: z.enum(['month', 'hour']),
      cvRmsePctMax: threshold,
      nmbePctMax: threshold,
      source: z.string(),
      year: yearSchema,
      appliesTo: z.string(),
    }),
  ),
  evaluation: z.object({
    method: z.string(),
    why: z.string(),
    confidence: confidenceSchema,
    source: z.string(),
  }),
  dailyRule: z.string(),
  dataSufficiency: sourcedValue,
  methods: z.array(z.object({ id: z.string(), text: z.string(), confidence: confidenceSchema })),
});

const stdValue = z.object({
  id: z.string(),
  value: z.number(),
  unit: z.string(),
  standard: z.string(),
  year: yearSchema,
  confidence: confidenceSchema,
  text: z.string().optional(),
});
export const economicsFileSchema = z.object({
  transformer: z.object({
    economicLoadFormula: z.object({
      id: z.string(),
      text: z.string(),
      standard: z.string(),
      year: yearSchema,
      confidence: confidenceSchema,
    }),
    bestZoneLowerFactor: stdValue,
    bestZoneUpper: stdValue,
    overloadFlag: stdValue,
  }),
  motor: z.object({ economicFrom: stdValue, acceptableFrom: stdValue }),
  twoPartTariff: z.object({
    exceedanceThreshold: stdValue,
    exceedanceMultiplier: stdValue,
    demandFloor: stdValue,
  }),
});
