import { mediumSchema } from '@xiang/protocol';
import { z } from 'zod';
import { touPeriodTypeSchema } from './accounting/tou.js';
import { coefficientRecordSchema } from './data/coefficients.js';
import { findingSchema, indicatorSchema, noteSchema, savingSchema } from './finding.js';
import { periodCoverageSchema, textSchema } from './types.js';

/**
 * The diagnosis result: a stable, versioned JSON schema. Consumers (API, report, tests) read this only.
 * Bump SCHEMA_VERSION on any breaking change; additive optional fields keep the version.
 */
export const SCHEMA_VERSION = 'xiang.energy-diagnosis/1';

const num = z.number();
const nnum = z.number().nullable();

export const mediumAccountSchema = z.object({
  medium: mediumSchema,
  unit: z.string(),
  /** Sum of the medium's root meters over known quarter-hours. */
  quantity: num,
  gapSlots: z.number().int(),
  kgce: nnum,
  kgceCoefficientId: z.string().nullable(),
  co2Kg: nnum,
  co2FactorId: z.string().nullable(),
  costCny: nnum,
  /** False for media made in-house (their energy is already counted) — GB/T 2589 boundary rule. */
  countedInComprehensive: z.boolean(),
  note: z.string().optional(),
});
export type MediumAccount = z.infer<typeof mediumAccountSchema>;

export const nodeAccountSchema = z.object({
  meterId: z.string(),
  name: z.string(),
  assetPath: z.string(),
  medium: mediumSchema,
  unit: z.string(),
  role: z.string().nullable(),
  parentId: z.string().nullable(),
  depth: z.number().int(),
  hasData: z.boolean(),
  total: num,
  gapSlots: z.number().int(),
  slots: z.number().int(),
  monthly: z.array(z.object({ month: z.string(), quantity: num, gapSlots: z.number().int() })),
  byShift: z.array(z.object({ shift: z.string(), quantity: num, gapSlots: z.number().int() })),
});
export type NodeAccount = z.infer<typeof nodeAccountSchema>;

export const balanceRowSchema = z.object({
  parentId: z.string(),
  childIds: z.array(z.string()),
  month: z.string(),
  parentQuantity: num,
  childrenQuantity: num,
  lossQuantity: num,
  lossShare: nnum,
  /** Quarter-hours where parent and every child had data (only those are compared). */
  slotsCompared: z.number().int(),
  slots: z.number().int(),
});
export type BalanceRow = z.infer<typeof balanceRowSchema>;

export const accountingSchema = z.object({
  media: z.array(mediumAccountSchema),
  comprehensive: z.object({
    kgce: num,
    tce: num,
    basis: z.enum(['equivalent', 'equal']),
    co2T: num,
    costCny: nnum,
  }),
  monthly: z.array(
    z.object({
      month: z.string(),
      electricityKwh: num,
      kgce: num,
      co2Kg: num,
      costCny: nnum,
      gapSlots: z.number().int(),
    }),
  ),
  daily: z.array(z.object({ date: z.string(), electricityKwh: nnum, kgce: nnum })),
  tou: z.array(z.object({ type: touPeriodTypeSchema, energyKwh: num, share: num, costCny: nnum })),
  nodes: z.array(nodeAccountSchema),
  balance: z.array(balanceRowSchema),
});
export type Accounting = z.infer<typeof accountingSchema>;

export const measureRowSchema = z.object({
  rank: z.number().int(),
  findingId: z.string(),
  rule: z.string(),
  category: z.string(),
  title: textSchema,
  where: z.string(),
  saving: savingSchema,
});

export const verificationSchema = z.object({
  measureId: z.string(),
  name: z.string(),
  dateMs: num,
  model: z.object({
    terms: z.array(z.string()),
    coefficients: z.array(num),
    n: z.number().int(),
    p: z.number().int(),
    r2: nnum,
    /** Out of sample (blocked k-fold cross-validation), as G14 criteria must be evaluated. */
    cvRmsePct: nnum,
    nmbePct: nnum,
    inSampleCvRmsePct: nnum.optional(),
    evaluation: z.string().optional(),
    granularity: z.enum(['day', 'month']),
    passes: z.boolean(),
  }),
  reportingDays: z.number().int(),
  savedKwh: nnum,
  savedFraction: nnum,
  uncertaintyKwh: nnum,
  confidence: num,
});
export type Verification = z.infer<typeof verificationSchema>;

export const chartsSchema = z.object({
  meterId: z.string().nullable(),
  loadCurve: z.object({ startMs: num, intervalMs: num, meanKw: z.array(nnum), maxKw: z.array(nnum) }),
  heatmapKw: z.array(z.array(nnum)),
  loadDurationKw: z.array(num),
  byMedium: z.array(z.object({ medium: mediumSchema, kgce: num })),
});

export const dataQualitySchema = z.object({
  meters: z.array(
    z.object({
      meterId: z.string(),
      slots: z.number().int(),
      gapSlots: z.number().int(),
      longestGapH: num,
      frozenHours: num,
      negativeSlots: z.number().int(),
      implausibleSlots: z.number().int(),
      resets: z.number().int(),
      rollovers: z.number().int(),
      source: z.enum(['counter', 'power']),
    }),
  ),
  notes: z.array(noteSchema),
  rulesSkipped: z.array(z.object({ rule: z.string(), reason: textSchema })),
});

export const diagnosisResultSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  generatedAtMs: num,
  factory: z.object({
    id: z.string(),
    name: z.string(),
    nameEn: z.string().optional(),
    province: z.string(),
    industry: z.string(),
    industryCode: z.string().optional(),
    products: z.array(z.object({ id: z.string(), name: z.string(), unit: z.string() })),
    meters: z.number().int(),
    machines: z.number().int(),
  }),
  period: z.object({
    fromMs: num,
    toMs: num,
    days: num,
    utcOffsetMinutes: z.number().int(),
    hasCalendar: z.boolean(),
    productionHours: num,
    /** Requested period, data extent and evaluated share, when the period was clipped to the data. */
    coverage: periodCoverageSchema.optional(),
  }),
  basis: z.object({
    electricity: z.enum(['equivalent', 'equal']),
    kgcePerKwh: num,
    gridFactor: z
      .object({ id: z.string(), value: num, scope: z.string(), area: z.string(), dataYear: z.number().int() })
      .extend({ fallbackFrom: z.string().optional() })
      .nullable(),
    tariff: z.object({
      id: z.string(),
      name: z.string(),
      source: z.string(),
      confidence: z.string(),
      validFrom: z.array(z.string()),
      priced: z.boolean(),
      flatPriceCnyPerKwh: nnum,
    }),
  }),
  accounting: accountingSchema,
  indicators: z.array(indicatorSchema),
  findings: z.array(findingSchema),
  measures: z.array(measureRowSchema),
  totals: z.object({
    saving: z.object({ energyKwh: num, tce: num, tco2: num, costCny: nnum, investmentCny: nnum }),
    findingsBySeverity: z.object({ info: num, low: num, medium: num, high: num }),
  }),
  verification: z.array(verificationSchema),
  charts: chartsSchema,
  dataQuality: dataQualitySchema,
  settingsApplied: z.array(z.object({ path: z.string(), value: z.unknown(), defaultValue: z.unknown() })),
  coefficients: z.array(coefficientRecordSchema),
});
export type DiagnosisResult = z.infer<typeof diagnosisResultSchema>;
