import {
  compileTariff,
  hunanTouTariff,
  type TouPeriodType,
  type TouTariff,
  touTariffSchema,
  versionIndexForDay,
  versionPrices,
} from '../../energy/accounting/tou.js';
import type { DiagnosisOptionsInput } from '../../energy/types.js';
import type { TariffSettings } from '../../registry/factory-settings.js';

/**
 * The factory's tariff settings turned into what the pure accounting takes (`DiagnosisOptions.tariff` and
 * `flatPriceCnyPerKwh`): the energy overview, the Sankey's costs and every diagnosis run price energy the same
 * way. A monthly agency-purchase price table becomes tariff versions — one per priced month (and one after it,
 * back to the default flat price) — so the accounting's own version lookup prices each quarter-hour with its
 * month's price; nothing is re-implemented here.
 */
export type ResolvedTariff = {
  options: Pick<DiagnosisOptionsInput, 'tariff' | 'flatPriceCnyPerKwh' | 'demandPriceCnyPerKwMonth'>;
  tariff: TouTariff;
  /** Whether every month can be priced (a flat price, or a monthly price for the month asked about). */
  hasAnyPrice: boolean;
  /** Where the figures come from, for the screen and the report. */
  source: { schedule: string; scheduleSource: string; prices: string };
};

/** One price for every hour: a schedule with a single flat period. */
const FLAT_ONLY: TouTariff = touTariffSchema.parse({
  id: 'flat',
  name: '单一电价 Single-rate price',
  source: '工厂设置：不分时 / factory settings: no time-of-use',
  confidence: 'C',
  versions: [
    {
      validFrom: '2000-01-01',
      multipliers: { flat: 1 },
      schedules: [
        {
          months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
          periods: [{ type: 'flat', start: '00:00', end: '24:00' }],
        },
      ],
    },
  ],
});

function baseSchedule(s: TariffSettings): TouTariff {
  if (s.touScheduleId === 'none') return FLAT_ONLY;
  if (s.touScheduleId === 'custom' && s.customTou) return s.customTou;
  return hunanTouTariff;
}

const nextMonth = (key: string): string => {
  const [y, m] = key.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
};

export function resolveTariff(s: TariffSettings): ResolvedTariff {
  const base = baseSchedule(s);
  const demand = s.demandPriceCnyPerKwMonth ? { demandPriceCnyPerKwMonth: s.demandPriceCnyPerKwMonth } : {};
  const schedule = { schedule: base.name, scheduleSource: base.source };
  if (!s.monthlyPrices.length) {
    const flat = s.flatPriceCnyPerKwh;
    return {
      options: { tariff: base, ...(flat ? { flatPriceCnyPerKwh: flat } : {}), ...demand },
      tariff: base,
      hasAnyPrice: flat !== undefined || base.versions.some((v) => v.flatPriceCnyPerKwh != null),
      source: {
        ...schedule,
        prices: flat
          ? `平段 ${flat} 元/kWh${s.flatPriceSource ? `（${s.flatPriceSource}）` : ''}`
          : '未设置平段电价 / no flat price set',
      },
    };
  }
  const priced = new Map(s.monthlyPrices.map((p) => [p.month, p]));
  const compiled = compileTariff(base);
  const bounds = new Set<string>(base.versions.map((v) => v.validFrom));
  for (const p of s.monthlyPrices) {
    bounds.add(`${p.month}-01`);
    bounds.add(`${nextMonth(p.month)}-01`);
  }
  const versions = [...bounds].sort().map((validFrom) => {
    const day = Date.parse(`${validFrom}T00:00:00Z`) / 86_400_000;
    const v = compiled.versions[versionIndexForDay(compiled, day)]!.version;
    const month = priced.get(validFrom.slice(0, 7));
    const flat = month?.flatPriceCnyPerKwh ?? s.flatPriceCnyPerKwh ?? v.flatPriceCnyPerKwh ?? null;
    return { ...v, validFrom, flatPriceCnyPerKwh: flat };
  });
  const months = s.monthlyPrices
    .map((p) => `${p.month} ${p.flatPriceCnyPerKwh}`)
    .sort()
    .join('; ');
  const tariff = touTariffSchema.parse({
    ...base,
    id: `${base.id}+monthly`,
    name: `${base.name} + 代理购电月度平段电价 monthly agency-purchase prices`,
    source: `${base.source}; 工厂设置 factory settings: ${months} 元/kWh`,
    versions,
  });
  return {
    options: { tariff, ...demand },
    tariff,
    hasAnyPrice: true,
    source: {
      ...schedule,
      prices: `代理购电月度平段电价 ${months} 元/kWh${s.flatPriceCnyPerKwh ? `；其他月份 ${s.flatPriceCnyPerKwh} 元/kWh` : ''}`,
    },
  };
}

export type TouBand = { startMs: number; endMs: number; type: TouPeriodType; priceCnyPerKwh: number | null };

/** The time-of-use periods over [fromMs, toMs) (quarter-hour aligned) with their prices, merged into bands. */
export function touBands(
  r: ResolvedTariff,
  fromMs: number,
  toMs: number,
  utcOffsetMinutes: number,
): TouBand[] {
  const c = compileTariff(r.tariff);
  const types = ['valley', 'flat', 'peak', 'critical'] as const;
  const off = utcOffsetMinutes * 60_000;
  const out: TouBand[] = [];
  for (let t = fromMs; t < toMs; t += 900_000) {
    const local = t + off;
    const day = Math.floor(local / 86_400_000);
    const month = Number(new Date(day * 86_400_000).toISOString().slice(5, 7));
    const q = Math.floor((local - day * 86_400_000) / 900_000);
    const v = c.versions[versionIndexForDay(c, day)]!;
    const code = v.table[(month - 1) * 96 + q]!;
    const price = versionPrices(v.version, r.options.flatPriceCnyPerKwh)[code] ?? null;
    const type = types[code]!;
    const last = out[out.length - 1];
    if (last && last.type === type && last.endMs === t && last.priceCnyPerKwh === price)
      last.endMs = t + 900_000;
    else out.push({ startMs: t, endMs: t + 900_000, type, priceCnyPerKwh: price });
  }
  return out;
}
