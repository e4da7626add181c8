import { ValidationError } from '@xiang/protocol';
import { describe, expect, it } from 'vitest';
import { fuelEmissionFactor, kgceFactor } from '../accounting/conversion.js';
import { hunanTouTariff } from '../accounting/tou.js';
import { CoefficientBook, standards } from './coefficients.js';
import { resolveSettings } from './settings.js';

describe('standards data files', () => {
  const book = CoefficientBook.withOverrides();

  it('give every coefficient a source, a year (or an explicit null) and a C/S/R confidence', () => {
    const all = book.all();
    expect(all.length).toBeGreaterThan(150);
    for (const r of all) {
      expect(r.source.length, r.id).toBeGreaterThan(3);
      expect(['C', 'S', 'R'], r.id).toContain(r.confidence);
      expect(r.year === null || (r.year >= 1980 && r.year <= 2026), r.id).toBe(true);
    }
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length); // ids are unique
  });

  it('carry the reference values (spot checks against shared/reference/energy-diagnostics.md)', () => {
    const v = (id: string) => book.record(id)!.value;
    expect(v('electricity.equivalent')).toBe(0.1229);
    expect(v('naturalGas.gasField')).toBe(1.2143);
    expect(v('water.fresh')).toBe(0.0857);
    expect(v('compressedAir')).toBe(0.04);
    expect(v('kgce.kJ')).toBe(29307.6);
    expect(v('grid.province.湖南.2023')).toBe(0.4976);
    expect(v('grid.region.华中.2022')).toBe(0.5395);
    expect(v('grid.national.2021')).toBeNull(); // announced, value not captured
    expect(v('fuel.naturalGas.cc')).toBe(0.0153);
    expect(v('benchmark.cementClinker.baseline')).toBe(117);
    expect(v('mv.month.cvRmsePctMax')).toBe(15);
    expect(book.record('mv.hour.nmbePctMax')!.confidence).toBe('R');
    expect(v('metering.steam.mainEquipmentPct')).toBe(70);
  });

  it('compute fuel CO₂ from the same heat content as the fuel’s tce (one NCV per fuel, GB/T 2589 × GB/T 32150)', () => {
    // Natural gas: 1.2143 kgce/m³ × 29 307.6 kJ/kgce = 35.588 MJ/m³ (GB/T 2589 gas-field NCV 35 544 kJ/m³ ± rounding),
    // × 0.0153 tC/GJ × 0.99 × 44/12 — not the 389.31 GJ/10⁴Nm³ of the 2013–15 guideline tables.
    const gas = fuelEmissionFactor(book, 'naturalGas', 'm3').perUnit!;
    expect(gas).toBeCloseTo(1.2143 * 29.3076e-3 * 0.0153 * 0.99 * (44 / 12) * 1000, 9);
    expect(gas).toBeCloseTo(1.9765, 3);
    // The implied NCV equals the tce coefficient's heat content for every fuel with a medium.
    for (const f of standards.fuel.entries) {
      if (!f.medium) continue;
      const ef = fuelEmissionFactor(book, f.medium, f.perUnit).perUnit!;
      const kgcePerUnit = kgceFactor(book, f.medium, f.perUnit, 'equivalent').perUnit!;
      const gj = ef / (f.carbonContentTcPerGj * f.oxidationFraction * (44 / 12) * 1000);
      expect(gj, f.id).toBeCloseTo((kgcePerUnit * 29307.6) / 1e6, 9);
    }
    expect(standards.fuel.sector.guideline).toMatch(/guideline/);
  });

  it('say that the GB 19153 grade table is missing instead of inventing it', () => {
    expect(standards.compressor.status).toBe('missing');
    expect(standards.compressor.grades).toEqual([]);
  });

  it('ship the Hunan 385号 tariff with its multipliers and no invented price', () => {
    const v = hunanTouTariff.versions[0]!;
    expect(v.multipliers).toEqual({ valley: 0.4, flat: 1, peak: 1.6, critical: 1.92 });
    expect(v.flatPriceCnyPerKwh).toBeNull();
    expect(v.validFromConfidence).toBe('R');
    expect(hunanTouTariff.confidence).toBe('S');
  });

  it('refuse an override of an unknown coefficient and a figure nobody supplied', () => {
    expect(() => CoefficientBook.withOverrides([{ id: 'electricity.magic', value: 1, reason: 'x' }])).toThrow(
      /electricity.magic: no such coefficient/,
    );
    expect(() => book.value('heat.equal')).toThrow(/no figure in the reference — supply an override/);
    expect(() => book.value('heat.equal')).toThrow(ValidationError);
  });
});

describe('diagnostic settings', () => {
  it('apply overrides and record them', () => {
    const { settings, applied } = resolveSettings({
      baseLoad: { minExcessKw: 2, severityShareOfPlantLoad: { high: 0.07 } },
    });
    expect(settings.baseLoad.minExcessKw).toBe(2);
    expect(settings.baseLoad.severityShareOfPlantLoad).toEqual({ low: 0, medium: 0.02, high: 0.07 });
    expect(applied.map((a) => a.path)).toEqual(['baseLoad.minExcessKw', 'baseLoad.severityShareOfPlantLoad']);
    expect(resolveSettings().settings.annualHours).toBe(8760);
  });

  it('name unknown keys and inconsistent thresholds', () => {
    expect(() => resolveSettings({ baseLoad: { minExcessKW: 1 } })).toThrow(
      /settings.baseLoad.minExcessKW: unknown setting/,
    );
    expect(() => resolveSettings({ nope: 1 })).toThrow(/settings.nope: unknown setting group/);
    expect(() => resolveSettings({ idle: { severityShareOfMachineEnergy: { low: 0.5 } } })).toThrow(
      /low ≤ medium ≤ high/,
    );
  });
});
