import { idSchema, mediumSchema } from '@xiang/protocol';
import { z } from 'zod';
import { touTariffSchema } from '../energy/accounting/tou.js';
import type { Db } from './db.js';

/**
 * What a factory's energy manager enters in the console's settings page and devices cannot tell: the
 * electricity tariff (flat price, the monthly agency-purchase price table, the time-of-use schedule, the
 * two-part tariff's basic charge), prices of the other media, and the thresholds of the live alarms. Kept in
 * its own table beside the factory profile (calendar, contract demand and power-factor standard stay in the
 * profile, the main incomer in the device overrides): a profile written again by a start script does not
 * erase what a person entered here.
 */
const monthKey = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected "YYYY-MM"');

export const monthlyPriceSchema = z.object({
  month: monthKey,
  /** Flat-period (平段) energy price of the month's agency-purchase notice (代理购电价格公告), ¥/kWh. */
  flatPriceCnyPerKwh: z.number().positive().max(100),
  /** Where the figure was read, e.g. "国网湖南 2026年12月代理购电工商业用户电价表". */
  source: z.string().max(300).optional(),
});
export type MonthlyPrice = z.infer<typeof monthlyPriceSchema>;

/** ToU schedules shipped as data (energy/data); 'none' = one price for every hour. */
export const SHIPPED_TOU_IDS = ['hunan-tou-2025-385'] as const;

export const tariffSettingsSchema = z
  .object({
    /**
     * Time-of-use schedule: a shipped one (default: Hunan 湘发改价调〔2025〕385号), 'custom' (customTou), or
     * 'none' (every kWh at the flat price).
     */
    touScheduleId: z.enum([...SHIPPED_TOU_IDS, 'custom', 'none']).default('hunan-tou-2025-385'),
    customTou: touTariffSchema.optional(),
    /** Flat-period price used for months without an entry in monthlyPrices, ¥/kWh. */
    flatPriceCnyPerKwh: z.number().positive().max(100).optional(),
    /** Where the flat price comes from (notice, contract). */
    flatPriceSource: z.string().max(300).optional(),
    /** Monthly agency-purchase (代理购电) flat prices; a month listed here wins over flatPriceCnyPerKwh. */
    monthlyPrices: z.array(monthlyPriceSchema).max(120).default([]),
    /** Two-part tariff (两部制电价): basic charge by maximum demand, ¥/(kW·month). */
    demandPriceCnyPerKwMonth: z.number().positive().max(1000).optional(),
    /** Prices of the other media per native unit (¥/m³ water or gas, ¥/t steam…). */
    mediumPricesCny: z.partialRecord(mediumSchema, z.number().nonnegative().max(100_000)).default({}),
  })
  .superRefine((t, ctx) => {
    if (t.touScheduleId === 'custom' && !t.customTou)
      ctx.addIssue({
        code: 'custom',
        path: ['customTou'],
        message: 'touScheduleId "custom" needs customTou',
      });
    const seen = new Set<string>();
    for (const [i, m] of t.monthlyPrices.entries()) {
      if (seen.has(m.month))
        ctx.addIssue({ code: 'custom', path: ['monthlyPrices', i, 'month'], message: `${m.month} twice` });
      seen.add(m.month);
    }
  });
export type TariffSettings = z.output<typeof tariffSettingsSchema>;

/** Thresholds of the live alarms (alarms/), each kind can be switched off. */
export const alarmThresholdsSchema = z.object({
  /** How often the conditions are evaluated, s. */
  evaluationIntervalS: z.number().int().min(5).max(3600).default(60),
  offShiftLoad: z
    .object({
      enabled: z.boolean().default(true),
      /** Mean load over this many minutes is compared with the baseline. */
      windowMin: z.number().int().min(1).max(120).default(15),
      /** Off-shift days of history the baseline (median off-shift quarter-hour load) is learned from. */
      baselineDays: z.number().int().min(1).max(60).default(7),
      /** Alarm when the load exceeds the baseline by this share… */
      marginShare: z.number().min(0).max(10).default(0.2),
      /** …and by at least this many kW. */
      minExcessKw: z.number().min(0).max(100_000).default(5),
    })
    .default({ enabled: true, windowMin: 15, baselineDays: 7, marginShare: 0.2, minExcessKw: 5 }),
  demand: z
    .object({
      enabled: z.boolean().default(true),
      /** Warn when the demand predicted for the current 15-min window reaches this share of the contract. */
      warnShare: z.number().min(0.1).max(2).default(0.9),
    })
    .default({ enabled: true, warnShare: 0.9 }),
  powerFactor: z
    .object({
      enabled: z.boolean().default(true),
      /** Warn while the month's power factor is within this margin above the contract's standard. */
      warnMargin: z.number().min(0).max(0.2).default(0.02),
    })
    .default({ enabled: true, warnMargin: 0.02 }),
  meterSilent: z
    .object({
      enabled: z.boolean().default(true),
      /** A meter with no sample at all for this long (while its agent says it is online) is silent. */
      silentMin: z.number().int().min(5).max(10_080).default(240),
      /** A counter that has not moved for this long while the meter's power reads above minPowerKw is frozen. */
      frozenMin: z.number().int().min(5).max(10_080).default(60),
      minPowerKw: z.number().min(0).max(100_000).default(1),
    })
    .default({ enabled: true, silentMin: 240, frozenMin: 60, minPowerKw: 1 }),
  deviceOffline: z
    .object({
      enabled: z.boolean().default(true),
      /** Offline for at least this long before it is an alarm, min. */
      minMinutes: z.number().int().min(0).max(10_080).default(5),
    })
    .default({ enabled: true, minMinutes: 5 }),
});
export type AlarmThresholds = z.output<typeof alarmThresholdsSchema>;

export const factorySettingsSchema = z.object({
  /** The meter the overview's load curve and the demand alarm watch (default: the registered main incomer). */
  mainIncomerId: idSchema.optional(),
  tariff: tariffSettingsSchema.default({
    touScheduleId: 'hunan-tou-2025-385',
    monthlyPrices: [],
    mediumPricesCny: {},
  }),
  alarms: alarmThresholdsSchema.default(alarmThresholdsSchema.parse({})),
});
export type FactorySettings = z.output<typeof factorySettingsSchema>;
export type FactorySettingsInput = z.input<typeof factorySettingsSchema>;

export const DEFAULT_FACTORY_SETTINGS: FactorySettings = factorySettingsSchema.parse({});

/** The settings table: one JSON document per factory, with who changed it last. */
export class FactorySettingsStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS factory_settings (
      factoryId TEXT PRIMARY KEY,
      settings TEXT NOT NULL,
      updatedAtMs INTEGER NOT NULL,
      updatedBy TEXT NOT NULL
    )`);
  }

  /** The stored settings (defaults filled in), or the defaults when nobody saved any. */
  get(factoryId: string): FactorySettings & { updatedAtMs: number | null; updatedBy: string | null } {
    const row = this.db
      .prepare('SELECT settings, updatedAtMs, updatedBy FROM factory_settings WHERE factoryId = ?')
      .get(factoryId) as { settings: string; updatedAtMs: number; updatedBy: string } | undefined;
    if (!row) return { ...DEFAULT_FACTORY_SETTINGS, updatedAtMs: null, updatedBy: null };
    // Validated on write; parsed again so fields added later get their defaults.
    const parsed = factorySettingsSchema.safeParse(JSON.parse(row.settings));
    return {
      ...(parsed.success ? parsed.data : DEFAULT_FACTORY_SETTINGS),
      updatedAtMs: row.updatedAtMs,
      updatedBy: row.updatedBy,
    };
  }

  put(factoryId: string, settings: FactorySettingsInput, by: string, nowMs = Date.now()): FactorySettings {
    const valid = factorySettingsSchema.parse(settings);
    this.db
      .prepare(
        `INSERT INTO factory_settings (factoryId, settings, updatedAtMs, updatedBy) VALUES (?, ?, ?, ?)
         ON CONFLICT (factoryId) DO UPDATE SET settings = excluded.settings, updatedAtMs = excluded.updatedAtMs,
         updatedBy = excluded.updatedBy`,
      )
      .run(factoryId, JSON.stringify(valid), nowMs, by);
    return valid;
  }
}
