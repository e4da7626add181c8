import type { Medium } from '@xiang/protocol';
import type { CoefficientBook } from '../data/coefficients.js';

/**
 * Conversion of metered quantities into standard coal (GB/T 2589-2020) and CO₂ (grid factor for
 * electricity, GB/T 32150 method for fuels). Coefficients come from the run's CoefficientBook, so
 * overrides apply and every figure can name its coefficient.
 */

export type Basis = 'equivalent' | 'equal';
export type MeterUnit = 'kWh' | 'm3' | 't';

export type Factor = { perUnit: number | null; coefficientId: string | null; note?: string };

/** Native meter units per coefficient unit: how many coefficient units one meter unit holds. */
function unitScale(
  coefUnit: string,
  meterUnit: MeterUnit,
  medium: Medium,
): { scale: number | null; note?: string } {
  const per = coefUnit.split('/')[1];
  if (per === meterUnit) return { scale: 1 };
  if (per === 'kg' && meterUnit === 't') return { scale: 1000 };
  if (per === 't' && meterUnit === 'm3' && medium === 'water')
    return { scale: 1, note: 'water metered in m³ is taken as 1 t/m³' };
  return {
    scale: null,
    note: `cannot convert ${meterUnit} to ${coefUnit} without a density or heat content`,
  };
}

/** kgce per native meter unit for a medium. */
export function kgceFactor(book: CoefficientBook, medium: Medium, unit: MeterUnit, basis: Basis): Factor {
  const ids = book.data.conversion.mediumDefaults[medium];
  if (!ids)
    return { perUnit: null, coefficientId: null, note: `no GB/T 2589 coefficient mapped for ${medium}` };
  const id = ids[basis];
  const rec = book.record(id);
  if (!rec) return { perUnit: null, coefficientId: null, note: `unknown coefficient ${id}` };
  const v = book.tryValue(id);
  if (v === null)
    return { perUnit: null, coefficientId: id, note: `${id} has no figure in the reference: override it` };
  const { scale, note } = unitScale(rec.unit, unit, medium);
  return scale === null
    ? { perUnit: null, coefficientId: id, note }
    : { perUnit: v * scale, coefficientId: id, note };
}

export type GridFactor = {
  /** kgCO₂/kWh. */
  value: number;
  id: string;
  scope: 'province' | 'region' | 'national';
  area: string;
  dataYear: number;
  /** Set when the requested scope had no figure and the lookup fell back. */
  fallbackFrom?: string;
};

/**
 * Location-based grid factor: province → regional grid → national, same data year (reference §2).
 * `scope` says where the lookup starts (region or national can be chosen explicitly).
 */
export function gridFactor(
  book: CoefficientBook,
  province: string,
  scope: 'province' | 'region' | 'national',
  dataYear: number,
): GridFactor | null {
  const region = book.data.grid.provinceRegion[province]?.region;
  const chain: { scope: GridFactor['scope']; area: string | undefined }[] = [
    { scope: 'province', area: province },
    { scope: 'region', area: region },
    { scope: 'national', area: '全国' },
  ];
  const start = chain.findIndex((c) => c.scope === scope);
  let first: string | undefined;
  for (const c of chain.slice(start)) {
    if (!c.area) continue;
    const entryId =
      c.scope === 'national' ? `grid.national.${dataYear}` : `grid.${c.scope}.${c.area}.${dataYear}`;
    first ??= entryId;
    if (!book.has(entryId)) continue;
    const v = book.tryValue(entryId);
    if (v === null) continue;
    return {
      value: v,
      id: entryId,
      scope: c.scope,
      area: c.area,
      dataYear,
      ...(entryId !== first ? { fallbackFrom: first } : {}),
    };
  }
  return null;
}

/**
 * EF = NCV × CC × OF × 44/12 (GB/T 32150-2015), in kgCO₂ per native meter unit. The NCV is the heat content
 * of the fuel's GB/T 2589 coefficient (kgce × 29 307.6 kJ/kgce) — the same one its tce uses — and CC/OF come
 * from the labelled sector guideline (fuel-emission-factors.json).
 */
export function fuelEmissionFactor(book: CoefficientBook, medium: Medium, unit: MeterUnit): Factor {
  const fuel = book.data.fuel.entries.find((f) => f.medium === medium);
  if (!fuel) return { perUnit: null, coefficientId: null };
  const rec = book.record(fuel.conversionId);
  const kgce = book.tryValue(fuel.conversionId);
  if (!rec || kgce === null)
    return { perUnit: null, coefficientId: fuel.id, note: `no heat content for ${fuel.conversionId}` };
  const { scale } = unitScale(rec.unit, unit, medium);
  if (scale === null)
    return {
      perUnit: null,
      coefficientId: fuel.id,
      note: `fuel factor is per ${fuel.perUnit}, meter reads ${unit}`,
    };
  const gjPerUnit = (kgce * scale * book.value('kgce.kJ')) / 1e6;
  const cc = book.value(`${fuel.id}.cc`);
  const of = book.value(`${fuel.id}.of`);
  return { perUnit: gjPerUnit * cc * of * (44 / 12) * 1000, coefficientId: fuel.id };
}

/** kgCO₂ per native unit: grid factor for electricity, fuel factor for fuels, none for the rest. */
export function co2Factor(
  book: CoefficientBook,
  medium: Medium,
  unit: MeterUnit,
  grid: GridFactor | null,
): Factor {
  if (medium === 'electricity')
    return grid
      ? { perUnit: grid.value, coefficientId: grid.id }
      : { perUnit: null, coefficientId: null, note: 'no grid factor for the chosen data year' };
  const fuel = fuelEmissionFactor(book, medium, unit);
  if (fuel.coefficientId) return fuel;
  const missing = book.data.fuel.missing.find((m) => m.medium === medium);
  return { perUnit: missing ? null : 0, coefficientId: null, note: missing?.note };
}
