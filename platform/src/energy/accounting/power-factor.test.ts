import { describe, expect, it } from 'vitest';
import { CoefficientBook } from '../data/coefficients.js';
import { capacitorKvar, creditCapPf, monthlyPowerFactor, pfAdjustmentPct } from './power-factor.js';

const book = CoefficientBook.withOverrides();
const adj = (std: 0.9 | 0.85 | 0.8, pf: number) => pfAdjustmentPct(book, std, pf);

describe('功率因数调整电费 table edges ((83)水电财字第215号)', () => {
  it('0.90 standard: credits to the 0.95 cap, +0.5 %/0.01 to 0.70, +1 % to 0.65, then +2 %', () => {
    expect(adj(0.9, 0.9)).toBe(0);
    expect(adj(0.9, 0.91)).toBeCloseTo(-0.15, 12);
    expect(adj(0.9, 0.94)).toBeCloseTo(-0.6, 12);
    expect(adj(0.9, 0.95)).toBeCloseTo(-0.75, 12);
    expect(adj(0.9, 1.0)).toBeCloseTo(-0.75, 12);
    expect(adj(0.9, 0.89)).toBeCloseTo(0.5, 12);
    expect(adj(0.9, 0.7)).toBeCloseTo(10, 12);
    expect(adj(0.9, 0.69)).toBeCloseTo(11, 12);
    expect(adj(0.9, 0.65)).toBeCloseTo(15, 12);
    expect(adj(0.9, 0.64)).toBeCloseTo(17, 12);
    expect(adj(0.9, 0.6)).toBeCloseTo(25, 12);
  });

  it('0.85 standard: −0.1 %/0.01 to 0.90, then −0.65/−0.80/−0.95, cap −1.1 at 0.94; +10 % at 0.65, +15 % at 0.60', () => {
    expect(adj(0.85, 0.86)).toBeCloseTo(-0.1, 12);
    expect(adj(0.85, 0.9)).toBeCloseTo(-0.5, 12);
    expect(adj(0.85, 0.91)).toBeCloseTo(-0.65, 12);
    expect(adj(0.85, 0.93)).toBeCloseTo(-0.95, 12);
    expect(adj(0.85, 0.94)).toBeCloseTo(-1.1, 12);
    expect(adj(0.85, 0.99)).toBeCloseTo(-1.1, 12);
    expect(adj(0.85, 0.84)).toBeCloseTo(0.5, 12);
    expect(adj(0.85, 0.65)).toBeCloseTo(10, 12);
    expect(adj(0.85, 0.6)).toBeCloseTo(15, 12);
    expect(adj(0.85, 0.59)).toBeCloseTo(17, 12);
  });

  it('0.80 standard: −1.0 % at 0.90, −1.15 % at 0.91, cap −1.3 % from 0.92; +10 % at 0.60, +15 % at 0.55', () => {
    expect(adj(0.8, 0.9)).toBeCloseTo(-1.0, 12);
    expect(adj(0.8, 0.91)).toBeCloseTo(-1.15, 12);
    expect(adj(0.8, 0.92)).toBeCloseTo(-1.3, 12);
    expect(adj(0.8, 0.97)).toBeCloseTo(-1.3, 12);
    expect(adj(0.8, 0.6)).toBeCloseTo(10, 12);
    expect(adj(0.8, 0.55)).toBeCloseTo(15, 12);
    expect(adj(0.8, 0.54)).toBeCloseTo(17, 12);
  });

  it('honours an override of a disputed row and records it', () => {
    const b = CoefficientBook.withOverrides([
      { id: 'pf.0.85.credit.0.94', value: -1.0, reason: 'coded source reads −1.0 %' },
    ]);
    expect(pfAdjustmentPct(b, 0.85, 0.96)).toBeCloseTo(-1.0, 12);
    expect(b.record('pf.0.85.credit.0.94')!.override).toEqual({
      originalValue: -1.1,
      reason: 'coded source reads −1.0 %',
    });
  });

  it('rounds the monthly PF half-up to two decimals from kWh and kvarh', () => {
    // 3-4-5 triangle: 4000 kWh, 3000 kvarh → 0.80 exactly.
    expect(monthlyPowerFactor(4000, 3000)).toBe(0.8);
    // Ep/√(Ep²+Eq²) = 0.8949… → 0.89; 0.8951… → 0.90.
    expect(monthlyPowerFactor(8949, Math.sqrt(1 / 0.8949 ** 2 - 1) * 8949)).toBe(0.89);
    expect(monthlyPowerFactor(8951, Math.sqrt(1 / 0.8951 ** 2 - 1) * 8951)).toBe(0.9);
    expect(monthlyPowerFactor(0, 0)).toBeNull();
  });
});

describe('capacitor sizing Qc = P·(tan φ1 − tan φ2)', () => {
  it('needs 0.421 kvar per kW from 0.80 to 0.95', () => {
    // tan(acos 0.8) = 0.75; tan(acos 0.95) = √(1 − 0.9025)/0.95 = 0.328684…
    expect(capacitorKvar(1, 0.8, 0.95)).toBeCloseTo(0.75 - Math.sqrt(0.0975) / 0.95, 12);
    expect(capacitorKvar(100, 0.8, 0.95)).toBeCloseTo(42.13, 2);
    expect(capacitorKvar(100, 0.96, 0.95)).toBe(0);
    expect(creditCapPf(book, 0.9)).toBe(0.95);
  });
});
