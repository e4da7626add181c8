import { z } from 'zod';
import { confidenceSchema } from '../data/schemas.js';
import hunanTariffJson from '../data/tariff-hunan-2025-385.json' with { type: 'json' };

/**
 * Time-of-use (分时电价) tariffs as versioned data: {validFrom, months[], periods[{type,start,end}],
 * multipliers | prices}. A period whose end is at or before its start runs past midnight (e.g. 23:00–07:00).
 * Boundaries sit on quarter-hours so every 15-minute slot has exactly one period type.
 */
export const touPeriodTypes = ['valley', 'flat', 'peak', 'critical'] as const;
export const touPeriodTypeSchema = z.enum(touPeriodTypes);
export type TouPeriodType = z.infer<typeof touPeriodTypeSchema>;
/** Numeric codes used in slot arrays. */
export const TOU = { valley: 0, flat: 1, peak: 2, critical: 3 } as const;

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):(00|15|30|45)$|^24:00$/, 'expected "HH:MM" on a quarter-hour (00:00–24:00)');
const minutesOf = (t: string): number => {
  const [h, m] = t.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

const perType = z.object({
  valley: z.number().nonnegative().optional(),
  flat: z.number().nonnegative().optional(),
  peak: z.number().nonnegative().optional(),
  critical: z.number().nonnegative().optional(),
});

export const touScheduleSchema = z
  .object({
    months: z.array(z.number().int().min(1).max(12)).min(1),
    periods: z.array(z.object({ type: touPeriodTypeSchema, start: hhmm, end: hhmm })).min(1),
  })
  .superRefine((s, ctx) => {
    const covered = new Uint8Array(96);
    for (const p of s.periods) {
      const a = minutesOf(p.start) / 15;
      let b = minutesOf(p.end) / 15;
      if (b <= a) b += 96; // runs past midnight
      for (let q = a; q < b; q++) covered[q % 96]! += 1;
    }
    const bad = covered.findIndex((c) => c !== 1);
    if (bad >= 0) {
      const at = `${String(Math.floor(bad / 4)).padStart(2, '0')}:${String((bad % 4) * 15).padStart(2, '0')}`;
      ctx.addIssue({
        code: 'custom',
        path: ['periods'],
        message: `periods must cover the day exactly once; ${at} is covered ${covered[bad]} times`,
      });
    }
  });

export const touVersionSchema = z
  .object({
    validFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected "YYYY-MM-DD"'),
    validFromConfidence: confidenceSchema.optional(),
    validFromNote: z.string().optional(),
    /** Price per period type relative to the flat price. */
    multipliers: perType.optional(),
    multipliersNote: z.string().optional(),
    /** Absolute prices per period type, ¥/kWh (take precedence over multipliers). */
    pricesCnyPerKwh: perType.optional(),
    flatPriceCnyPerKwh: z.number().positive().nullable().optional(),
    flatPriceNote: z.string().optional(),
    schedules: z.array(touScheduleSchema).min(1),
  })
  .superRefine((v, ctx) => {
    if (!v.multipliers && !v.pricesCnyPerKwh)
      ctx.addIssue({ code: 'custom', message: 'a tariff version needs multipliers or pricesCnyPerKwh' });
    const seen = new Map<number, number>();
    for (const s of v.schedules) for (const m of s.months) seen.set(m, (seen.get(m) ?? 0) + 1);
    for (let m = 1; m <= 12; m++)
      if (seen.get(m) !== 1)
        ctx.addIssue({
          code: 'custom',
          path: ['schedules'],
          message: `month ${m} must appear in exactly one schedule`,
        });
  });
export type TouVersion = z.infer<typeof touVersionSchema>;

export const touTariffSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  source: z.string().min(1),
  confidence: confidenceSchema,
  versions: z.array(touVersionSchema).min(1),
});
export type TouTariff = z.infer<typeof touTariffSchema>;

/** The shipped default: Hunan 湘发改价调〔2025〕385号. */
export const hunanTouTariff: TouTariff = touTariffSchema.parse(hunanTariffJson);

/** Per version: a 12 × 96 table of period codes (month-major, quarter-hour of the local day). */
export type CompiledTariff = {
  tariff: TouTariff;
  /** Sorted by validFrom; `validFromDay` = days since 1970-01-01 of the local date. */
  versions: { version: TouVersion; validFromDay: number; table: Uint8Array }[];
};

export function compileTariff(tariff: TouTariff): CompiledTariff {
  const versions = tariff.versions
    .map((version) => {
      const table = new Uint8Array(12 * 96);
      for (const s of version.schedules)
        for (const m of s.months)
          for (const p of s.periods) {
            const a = minutesOf(p.start) / 15;
            let b = minutesOf(p.end) / 15;
            if (b <= a) b += 96;
            for (let q = a; q < b; q++) table[(m - 1) * 96 + (q % 96)] = TOU[p.type];
          }
      return { version, validFromDay: Date.parse(`${version.validFrom}T00:00:00Z`) / 86_400_000, table };
    })
    .sort((a, b) => a.validFromDay - b.validFromDay);
  return { tariff, versions };
}

/**
 * Index of the version in force on a local day (days since epoch); before the first version, the first
 * applies and the caller records that the tariff was used outside its validity.
 */
export function versionIndexForDay(c: CompiledTariff, localDay: number): number {
  let idx = 0;
  for (let i = 0; i < c.versions.length; i++) if (c.versions[i]!.validFromDay <= localDay) idx = i;
  return idx;
}

/** Price of each period type under a version, ¥/kWh; null when neither prices nor a flat price are known. */
export function versionPrices(v: TouVersion, flatPriceCnyPerKwh?: number): (number | null)[] {
  return touPeriodTypes.map((t) => {
    const abs = v.pricesCnyPerKwh?.[t];
    if (abs !== undefined) return abs;
    const flat = flatPriceCnyPerKwh ?? v.flatPriceCnyPerKwh ?? v.pricesCnyPerKwh?.flat;
    const mult = v.multipliers?.[t];
    return flat != null && mult !== undefined ? flat * mult : null;
  });
}
