import { type Quantity, quantityUnits } from '@xiang/protocol';

/**
 * Unit handling: every quantity has one canonical unit (`quantityUnits` in @xiang/protocol). A node may be
 * configured in another unit when an exact linear conversion to the canonical one exists; anything else is a
 * config error. Factors are SI prefix arithmetic (BIPM SI Brochure, 9th ed.) or exact definitions
 * (1 bar = 0.1 MPa, 1 h = 3600 s, 0 °C = 273.15 K).
 */
export type UnitConversion = { factor: number; offset: number };

/** Spellings that mean the canonical unit itself. */
const aliases: Record<string, string> = {
  '°C': 'Cel',
  degC: 'Cel',
  '℃': 'Cel',
  'm³': 'm3',
  'm³/h': 'm3/h',
  var: 'var',
  VAr: 'var',
  kVAr: 'kvar',
  kVAR: 'kvar',
  kVArh: 'kvarh',
  '': '',
};

/** Non-canonical unit → (canonical unit, factor, offset): canonical = value * factor + offset. */
const conversions: Record<string, { to: string; factor: number; offset?: number }> = {
  mV: { to: 'V', factor: 0.001 },
  kV: { to: 'V', factor: 1000 },
  mA: { to: 'A', factor: 0.001 },
  kA: { to: 'A', factor: 1000 },
  W: { to: 'kW', factor: 0.001 },
  MW: { to: 'kW', factor: 1000 },
  var: { to: 'kvar', factor: 0.001 },
  Mvar: { to: 'kvar', factor: 1000 },
  VA: { to: 'kVA', factor: 0.001 },
  MVA: { to: 'kVA', factor: 1000 },
  Wh: { to: 'kWh', factor: 0.001 },
  MWh: { to: 'kWh', factor: 1000 },
  varh: { to: 'kvarh', factor: 0.001 },
  Mvarh: { to: 'kvarh', factor: 1000 },
  kHz: { to: 'Hz', factor: 1000 },
  L: { to: 'm3', factor: 0.001 },
  kg: { to: 't', factor: 0.001 },
  'L/h': { to: 'm3/h', factor: 0.001 },
  'm3/min': { to: 'm3/h', factor: 60 },
  'm3/s': { to: 'm3/h', factor: 3600 },
  'kg/h': { to: 't/h', factor: 0.001 },
  Pa: { to: 'MPa', factor: 0.000001 },
  kPa: { to: 'MPa', factor: 0.001 },
  bar: { to: 'MPa', factor: 0.1 },
  mbar: { to: 'MPa', factor: 0.0001 },
  K: { to: 'Cel', factor: 1, offset: -273.15 },
  ms: { to: 's', factor: 0.001 },
  min: { to: 's', factor: 60 },
};

export function normalizeUnit(unit: string): string {
  return aliases[unit] ?? unit;
}

/** Units accepted for a quantity: the canonical one plus those with a conversion into it. */
export function acceptedUnits(quantity: Quantity): string[] {
  const canonical = quantityUnits[quantity];
  const extra = Object.entries(conversions)
    .filter(([, c]) => c.to === canonical)
    .map(([u]) => u);
  return [canonical, ...extra];
}

/**
 * The conversion from `unit` to the quantity's canonical unit, or an error text for the config message.
 * `other` takes any unit unchanged (the unit then travels as configured). A missing unit means canonical.
 */
export function conversionFor(quantity: Quantity, unit: string | undefined): UnitConversion | string {
  const canonical = quantityUnits[quantity];
  if (unit === undefined || quantity === 'other') return { factor: 1, offset: 0 };
  const u = normalizeUnit(unit);
  if (u === canonical) return { factor: 1, offset: 0 };
  const c = conversions[u];
  if (c && c.to === canonical) return { factor: c.factor, offset: c.offset ?? 0 };
  const accepted = acceptedUnits(quantity)
    .map((a) => `"${a}"`)
    .join(', ');
  return `unit "${unit}" does not fit quantity ${quantity} (expected ${accepted})`;
}

/** The unit a metric travels in: canonical, except for quantity `other` which keeps its configured unit. */
export function wireUnit(quantity: Quantity, unit: string | undefined): string {
  if (quantity === 'other') return unit ?? '';
  return quantityUnits[quantity];
}

export function applyConversion(value: number, c: UnitConversion): number {
  if (c.factor === 1 && c.offset === 0) return value;
  // Round to 12 significant digits so 1234 Wh → 1.234 kWh, not 1.2340000000000002.
  return Number((value * c.factor + c.offset).toPrecision(12));
}
