import { ValidationError } from '@xiang/protocol';
import { describe, expect, it } from 'vitest';
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
    expect(v('fuel.naturalGas.ncv')).toBe(389.31);
    expect(v('benchmark.cementClinker.baseline')).toBe(117);
    expect(v('mv.month.cvRmsePctMax')).toBe(15);
    expect(book.record('mv.hour.nmbePctMax')!.confidence).toBe('R');
    expect(v('metering.steam.mainEquipmentPct')).toBe(70);
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
      baseLoad: { minExcessKw: 1, severityShareOfOwnLoad: { high: 0.7 } },
    });
    expect(settings.baseLoad.minExcessKw).toBe(1);
    expect(settings.baseLoad.severityShareOfOwnLoad).toEqual({ low: 0.25, medium: 0.4, high: 0.7 });
    expect(applied.map((a) => a.path)).toEqual(['baseLoad.minExcessKw', 'baseLoad.severityShareOfOwnLoad']);
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
