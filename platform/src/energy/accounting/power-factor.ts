import { type CoefficientBook, pfKey } from '../data/coefficients.js';

/**
 * 功率因数调整电费办法 ((83)水电财字第215号): the monthly power factor from kWh and kvarh, rounded to two
 * decimals, and the table's adjustment in % of the basic + energy charge (negative = credit). The table rows
 * are data (power-factor-adjustment.json), read through the run's CoefficientBook so overrides apply.
 */
export type PfStandard = 0.9 | 0.85 | 0.8;

/** PF = Ep / √(Ep² + Eq²), rounded half-up to `decimals` (2 per the rule). */
export function monthlyPowerFactor(kwh: number, kvarh: number, decimals = 2): number | null {
  const s = Math.hypot(kwh, kvarh);
  if (!(s > 0)) return null;
  const f = 10 ** decimals;
  // The epsilon keeps exact halves such as 0.895 (stored as 0.89499…) rounding up, as written on paper.
  return Math.round((kwh / s) * f + 1e-9) / f;
}

/** Adjustment in % for a (rounded) power factor under a standard. */
export function pfAdjustmentPct(book: CoefficientBook, standard: PfStandard, pf: number): number {
  const table = book.data.powerFactor.tables.find((t) => t.standard === standard);
  if (!table) throw new Error(`no power-factor table for standard ${standard}`);
  const std = pfKey(standard);
  const k = Math.round(pf * 100);
  const stdK = Math.round(standard * 100);
  if (k === stdK) return 0;
  if (k > stdK) {
    const row = Math.min(k, Math.round(table.creditCapFromPf * 100));
    return book.value(`pf.${std}.credit.${pfKey(row / 100)}`);
  }
  const bands = [...table.surchargeBands].sort((a, b) => b.downToPf - a.downToPf);
  let pct = 0;
  // Each 0.01 step below the standard adds the % of the band the step falls in (bounded: at most 100 steps).
  for (let step = stdK - 1; step >= Math.max(k, 0); step--) {
    const band = bands.find((b) => step >= Math.round(b.downToPf * 100)) ?? bands[bands.length - 1]!;
    pct += book.value(`pf.${std}.surcharge.${pfKey(band.downToPf)}`);
  }
  return pct;
}

/** The power factor at which the table's credit stops growing (the natural compensation target). */
export function creditCapPf(book: CoefficientBook, standard: PfStandard): number {
  return book.data.powerFactor.tables.find((t) => t.standard === standard)!.creditCapFromPf;
}

/** Capacitor size to raise PF from pf1 to pf2 at active power P: Qc = P·(tan φ1 − tan φ2), kvar. */
export function capacitorKvar(powerKw: number, pf1: number, pf2: number): number {
  if (pf1 >= pf2) return 0;
  return powerKw * (Math.tan(Math.acos(pf1)) - Math.tan(Math.acos(pf2)));
}
