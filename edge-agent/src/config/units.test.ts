import { describe, expect, it } from 'vitest';
import { acceptedUnits, applyConversion, conversionFor, wireUnit } from './units.js';

describe('unit conversion to the canonical unit of a quantity', () => {
  const conv = (q: Parameters<typeof conversionFor>[0], u: string | undefined, v: number) => {
    const c = conversionFor(q, u);
    if (typeof c === 'string') throw new Error(c);
    return applyConversion(v, c);
  };
  it('converts exactly with SI prefixes and defined factors', () => {
    expect(conv('activeEnergyImport', 'Wh', 1234)).toBe(1.234);
    expect(conv('activePower', 'W', 7500)).toBe(7.5);
    expect(conv('activePower', 'MW', 1.2)).toBe(1200);
    expect(conv('voltage', 'kV', 10.5)).toBe(10500);
    expect(conv('pressure', 'bar', 7)).toBe(0.7);
    expect(conv('pressure', 'kPa', 650)).toBe(0.65);
    expect(conv('temperature', 'K', 300)).toBe(26.85);
    expect(conv('volumeFlow', 'm3/min', 2.5)).toBe(150);
    expect(conv('volume', 'L', 1500)).toBe(1.5);
    expect(conv('mass', 'kg', 250)).toBe(0.25);
    expect(conv('idealCycleTime', 'ms', 1500)).toBe(1.5);
  });
  it('accepts canonical units, their aliases and a missing unit unchanged', () => {
    expect(conv('activePower', 'kW', 3.3)).toBe(3.3);
    expect(conv('temperature', '°C', 21.5)).toBe(21.5);
    expect(conv('volume', 'm³', 9)).toBe(9);
    expect(conv('activePower', undefined, 3.3)).toBe(3.3);
  });
  it('rejects units of another dimension with the list of what would fit', () => {
    expect(conversionFor('activePower', 'kWh')).toBe(
      'unit "kWh" does not fit quantity activePower (expected "kW", "W", "MW")',
    );
    expect(conversionFor('voltage', 'A')).toBe(
      'unit "A" does not fit quantity voltage (expected "V", "mV", "kV")',
    );
    expect(acceptedUnits('activeEnergyImport')).toEqual(['kWh', 'Wh', 'MWh']);
  });
  it('lets quantity "other" keep any unit', () => {
    expect(conversionFor('other', 'rpm')).toEqual({ factor: 1, offset: 0 });
    expect(wireUnit('other', 'rpm')).toBe('rpm');
    expect(wireUnit('activeEnergyImport', 'Wh')).toBe('kWh');
  });
});
