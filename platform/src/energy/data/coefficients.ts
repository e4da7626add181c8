import { formatZodIssues, ValidationError } from '@xiang/protocol';
import { z } from 'zod';
import benchmarksJson from './benchmarks.json' with { type: 'json' };
import compressorJson from './compressor-grades.json' with { type: 'json' };
import conversionJson from './conversion-factors.json' with { type: 'json' };
import economicsJson from './equipment-economics.json' with { type: 'json' };
import fuelJson from './fuel-emission-factors.json' with { type: 'json' };
import gridJson from './grid-emission-factors.json' with { type: 'json' };
import meteringJson from './metering-requirements.json' with { type: 'json' };
import mvJson from './mv-thresholds.json' with { type: 'json' };
import pfJson from './power-factor-adjustment.json' with { type: 'json' };
import pqJson from './power-quality-limits.json' with { type: 'json' };
import {
  benchmarkFileSchema,
  type Confidence,
  compressorFileSchema,
  confidenceSchema,
  conversionFileSchema,
  economicsFileSchema,
  fuelFileSchema,
  gridFileSchema,
  meteringFileSchema,
  mvFileSchema,
  pfFileSchema,
  pqFileSchema,
} from './schemas.js';

/** Parses a bundled data file; a bad file stops the platform at start with the exact path of the problem. */
function load<S extends z.ZodType>(schema: S, json: unknown, file: string): z.output<S> {
  const r = schema.safeParse(json);
  if (!r.success) throw new ValidationError(`energy data file ${file}`, formatZodIssues(r.error));
  return r.data;
}

/** The validated standards data (loaded once, at module start). */
export const standards = {
  conversion: load(conversionFileSchema, conversionJson, 'conversion-factors.json'),
  grid: load(gridFileSchema, gridJson, 'grid-emission-factors.json'),
  fuel: load(fuelFileSchema, fuelJson, 'fuel-emission-factors.json'),
  powerFactor: load(pfFileSchema, pfJson, 'power-factor-adjustment.json'),
  metering: load(meteringFileSchema, meteringJson, 'metering-requirements.json'),
  powerQuality: load(pqFileSchema, pqJson, 'power-quality-limits.json'),
  compressor: load(compressorFileSchema, compressorJson, 'compressor-grades.json'),
  benchmarks: load(benchmarkFileSchema, benchmarksJson, 'benchmarks.json'),
  mv: load(mvFileSchema, mvJson, 'mv-thresholds.json'),
  economics: load(economicsFileSchema, economicsJson, 'equipment-economics.json'),
};
export type Standards = typeof standards;

export const coefficientGroupSchema = z.enum([
  'conversion',
  'grid',
  'fuel',
  'powerFactor',
  'metering',
  'powerQuality',
  'compressor',
  'benchmark',
  'mv',
  'economics',
]);
export type CoefficientGroup = z.infer<typeof coefficientGroupSchema>;

export const coefficientRecordSchema = z.object({
  id: z.string(),
  group: coefficientGroupSchema,
  label: z.string(),
  value: z.number().nullable(),
  unit: z.string(),
  source: z.string(),
  year: z.number().int().nullable(),
  confidence: confidenceSchema,
  override: z
    .object({ originalValue: z.number().nullable(), reason: z.string(), source: z.string().optional() })
    .optional(),
});
export type CoefficientRecord = z.infer<typeof coefficientRecordSchema>;

export const coefficientOverrideSchema = z.object({
  id: z.string().min(1),
  value: z.number(),
  reason: z.string().min(1, 'say why the coefficient is overridden'),
  source: z.string().optional(),
});
export type CoefficientOverride = z.infer<typeof coefficientOverrideSchema>;

/** Key of a power-factor table row, e.g. pfKey(0.9) = "0.90". */
export const pfKey = (x: number): string => x.toFixed(2);

function flatten(s: Standards): CoefficientRecord[] {
  const out: CoefficientRecord[] = [];
  // Only the record's own fields: entries carry extra keys (basis, range…) that the result schema omits.
  const add = (
    group: CoefficientGroup,
    r: {
      id: string;
      label?: string;
      value: number | null;
      unit: string;
      source: string;
      year: number | null;
    },
    confidence: Confidence,
  ) =>
    out.push({
      id: r.id,
      group,
      label: r.label ?? r.id,
      value: r.value,
      unit: r.unit,
      source: r.source,
      year: r.year,
      confidence,
    });
  const k = s.conversion.kgceKj;
  add('conversion', { ...k, label: '1 kgce in kJ' }, k.confidence);
  for (const e of s.conversion.entries) add('conversion', e, e.confidence);
  for (const e of s.grid.entries) add('grid', { ...e, label: `${e.area} ${e.dataYear}` }, e.confidence);
  for (const e of s.grid.referenceOnly) add('grid', e, e.confidence);
  for (const f of s.fuel.entries) {
    const base = { source: `${s.fuel.sector.label}: ${s.fuel.sector.guideline}`, year: s.fuel.sector.year };
    const cc = {
      id: `${f.id}.cc`,
      label: `${f.label} CC`,
      value: f.carbonContentTcPerGj,
      unit: 'tC/GJ',
      ...base,
    };
    add('fuel', cc, f.confidence);
    add(
      'fuel',
      { id: `${f.id}.of`, label: `${f.label} OF`, value: f.oxidationFraction, unit: '1', ...base },
      f.confidence,
    );
  }
  for (const t of s.powerFactor.tables) {
    const std = pfKey(t.standard);
    const base = { source: `${s.powerFactor.document}: ${t.source}`, year: 1983 };
    for (const [pf, pct] of t.credits)
      add(
        'powerFactor',
        { id: `pf.${std}.credit.${pfKey(pf)}`, value: pct, unit: '%', ...base },
        t.confidence,
      );
    for (const b of t.surchargeBands) {
      const id = `pf.${std}.surcharge.${pfKey(b.downToPf)}`;
      add(
        'powerFactor',
        { id, label: `${id} (% per 0.01)`, value: b.pctPerHundredth, unit: '%', ...base },
        t.confidence,
      );
    }
  }
  const m = s.metering;
  for (const c of m.coverage) {
    const base = { source: m.document, year: 2006 };
    add(
      'metering',
      { id: `metering.${c.energy}.wholeUnitPct`, value: c.wholeUnitPct, unit: '%', ...base },
      c.confidence,
    );
    const sec = {
      id: `metering.${c.energy}.secondaryUnitPct`,
      value: c.secondaryUnitPct,
      unit: '%',
      ...base,
    };
    add('metering', sec, c.confidence);
    const eq = { id: `metering.${c.energy}.mainEquipmentPct`, value: c.mainEquipmentPct, unit: '%', ...base };
    add('metering', eq, c.confidence);
  }
  for (const t of m.mainThresholds) {
    const base = { source: `${m.document} Tables 1–2`, year: 2006 };
    const su = { id: `metering.${t.energy}.secondaryUnitThreshold`, ...t.secondaryUnit, ...base };
    add('metering', su, t.confidence);
    add(
      'metering',
      { id: `metering.${t.energy}.mainEquipmentThreshold`, ...t.mainEquipment, ...base },
      t.confidence,
    );
  }
  const pq = s.powerQuality;
  for (const d of pq.voltageDeviation) {
    const base = { source: d.standard, year: d.year, label: d.label };
    if (d.upperPct !== undefined)
      add('powerQuality', { id: `${d.id}.upperPct`, value: d.upperPct, unit: '%', ...base }, d.confidence);
    if (d.lowerPct !== undefined)
      add('powerQuality', { id: `${d.id}.lowerPct`, value: d.lowerPct, unit: '%', ...base }, d.confidence);
    if (d.sumAbsPct !== undefined)
      add('powerQuality', { id: `${d.id}.sumAbsPct`, value: d.sumAbsPct, unit: '%', ...base }, d.confidence);
  }
  const u = pq.unbalance;
  for (const key of ['normalPct', 'shortTimePct', 'perUserNormalPct', 'perUserShortTimePct'] as const)
    add(
      'powerQuality',
      { id: `${u.id}.${key}`, value: u[key], unit: '%', source: u.standard, year: u.year },
      u.confidence,
    );
  for (const t of pq.thd)
    add(
      'powerQuality',
      { id: `${t.id}.thdPct`, value: t.thdPct, unit: '%', source: t.standard, year: t.year },
      t.confidence,
    );
  const f = pq.frequency;
  add(
    'powerQuality',
    { id: `${f.id}.toleranceHz`, value: f.toleranceHz, unit: 'Hz', source: f.standard, year: f.year },
    f.confidence,
  );
  const sr = s.compressor.sanityRange;
  add(
    'compressor',
    { id: `${sr.id}.min`, value: sr.min, unit: sr.unit, source: sr.source, year: sr.year },
    sr.confidence,
  );
  add(
    'compressor',
    { id: `${sr.id}.max`, value: sr.max, unit: sr.unit, source: sr.source, year: sr.year },
    sr.confidence,
  );
  add('compressor', s.compressor.pressureRuleOfThumb, s.compressor.pressureRuleOfThumb.confidence);
  for (const b of s.benchmarks.entries) {
    const base = { unit: b.unit, source: b.source, year: b.year };
    add(
      'benchmark',
      { id: `benchmark.${b.key}.benchmark`, label: `${b.label} 标杆`, value: b.benchmark, ...base },
      b.confidence,
    );
    add(
      'benchmark',
      { id: `benchmark.${b.key}.baseline`, label: `${b.label} 基准`, value: b.baseline, ...base },
      b.confidence,
    );
  }
  for (const g of s.mv.granularities) {
    const base = { unit: '%', source: g.source, year: g.year };
    add(
      'mv',
      { id: `mv.${g.granularity}.cvRmsePctMax`, value: g.cvRmsePctMax.value, ...base },
      g.cvRmsePctMax.confidence,
    );
    add(
      'mv',
      { id: `mv.${g.granularity}.nmbePctMax`, value: g.nmbePctMax.value, ...base },
      g.nmbePctMax.confidence,
    );
  }
  add('mv', s.mv.dataSufficiency, s.mv.dataSufficiency.confidence);
  const ec = s.economics;
  for (const v of [
    ec.transformer.bestZoneLowerFactor,
    ec.transformer.bestZoneUpper,
    ec.transformer.overloadFlag,
    ec.motor.economicFrom,
    ec.motor.acceptableFrom,
    ec.twoPartTariff.exceedanceThreshold,
    ec.twoPartTariff.exceedanceMultiplier,
    ec.twoPartTariff.demandFloor,
  ])
    add(
      'economics',
      { id: v.id, label: v.text ?? v.id, value: v.value, unit: v.unit, source: v.standard, year: v.year },
      v.confidence,
    );
  return out;
}

/**
 * One run's view of the coefficients: the bundled values with the factory's overrides applied. It records
 * which coefficients the run used, so the report lists exactly those (with source and confidence).
 */
export class CoefficientBook {
  private readonly records = new Map<string, CoefficientRecord>();
  readonly used = new Set<string>();

  constructor(
    records: CoefficientRecord[],
    readonly data: Standards = standards,
  ) {
    for (const r of records) this.records.set(r.id, r);
  }

  static withOverrides(overrides: CoefficientOverride[] = []): CoefficientBook {
    const book = new CoefficientBook(baseRecords.map((r) => ({ ...r })));
    for (const o of overrides) {
      const r = book.records.get(o.id);
      if (!r) throw new ValidationError('coefficient override', [`${o.id}: no such coefficient`]);
      book.records.set(o.id, {
        ...r,
        value: o.value,
        override: { originalValue: r.value, reason: o.reason, ...(o.source ? { source: o.source } : {}) },
      });
      book.used.add(o.id);
    }
    return book;
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  record(id: string): CoefficientRecord | undefined {
    return this.records.get(id);
  }

  /** The value, or null when the reference has no figure and nobody overrode it. Marks the coefficient used. */
  tryValue(id: string): number | null {
    const r = this.records.get(id);
    if (!r) return null;
    this.used.add(id);
    return r.value;
  }

  /** The value; throws when the coefficient is unknown or has no figure. */
  value(id: string): number {
    const v = this.tryValue(id);
    if (v === null)
      throw new ValidationError('coefficient', [
        `${id}: ${this.records.has(id) ? 'no figure in the reference — supply an override' : 'unknown id'}`,
      ]);
    return v;
  }

  usedRecords(): CoefficientRecord[] {
    return [...this.used].sort().flatMap((id) => {
      const r = this.records.get(id);
      return r ? [r] : [];
    });
  }

  all(): CoefficientRecord[] {
    return [...this.records.values()];
  }
}

const baseRecords = flatten(standards);
