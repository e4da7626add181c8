import type { DiagnosisContext } from '../context.js';
import type { Finding } from '../finding.js';
import { cvRmsePct, lag1Autocorrelation, nmbePct } from '../stats/fit-metrics.js';
import { type OlsFit, ols } from '../stats/regression.js';
import { tQuantile } from '../stats/student-t.js';
import { seriesRef } from './rule.js';

/**
 * The daily data and the regression helpers behind the energy-baseline rule: complete days only (every
 * quarter-hour of the electricity roots and line outputs present), regressors that actually vary.
 */
export type Daily = {
  days: number[];
  startMs: number[];
  endMs: number[];
  energy: Float64Array;
  x: Float64Array[];
  terms: string[];
  refs(ctx: DiagnosisContext): Finding['evidence']['series'];
};

export function dailyData(ctx: DiagnosisContext): Daily {
  const { grid } = ctx;
  const nd = grid.days.length;
  const roots = ctx.tree.roots.filter(
    (id) => ctx.tree.nodes.get(id)!.medium === 'electricity' && ctx.meterById.has(id),
  );
  const energy = new Float64Array(nd);
  const prod = new Float64Array(nd);
  const temp = new Float64Array(nd);
  const tempN = new Uint32Array(nd);
  const bad = new Uint8Array(nd);
  const slots = new Uint32Array(nd);
  for (let i = 0; i < grid.n; i++) {
    const k = grid.day[i]!;
    slots[k]!++;
    for (const id of roots) {
      const v = ctx.meterById.get(id)!.consumption.values[i]!;
      if (Number.isNaN(v)) bad[k] = 1;
      else energy[k]! += v;
    }
    for (const l of ctx.input.lines) {
      const v = l.output.values[i]!;
      if (Number.isNaN(v)) bad[k] = 1;
      else prod[k]! += v;
    }
    const tc = ctx.input.outdoorTempC?.values[i];
    if (tc !== undefined && !Number.isNaN(tc)) {
      temp[k]! += tc;
      tempN[k]!++;
    }
  }
  const hasWeather = !!ctx.input.outdoorTempC;
  const days = Array.from({ length: nd }, (_, k) => k).filter(
    (k) => roots.length && !bad[k] && slots[k] === 96 && (!hasWeather || tempN[k]! > 0),
  );
  const base = ctx.settings.baseline.degreeDayBaseC;
  const cols: { term: string; v: Float64Array }[] = [];
  if (ctx.input.lines.length) cols.push({ term: 'production', v: prod });
  if (hasWeather) {
    const hdd = new Float64Array(nd);
    const cdd = new Float64Array(nd);
    for (let k = 0; k < nd; k++) {
      const tm = temp[k]! / Math.max(1, tempN[k]!);
      hdd[k] = Math.max(0, base - tm);
      cdd[k] = Math.max(0, tm - base);
    }
    cols.push({ term: 'HDD', v: hdd }, { term: 'CDD', v: cdd });
  }
  // A regressor that never varies over the usable days cannot be estimated: drop it.
  const varied = cols.filter((c) => days.some((k) => c.v[k] !== c.v[days[0]!]));
  return {
    days,
    startMs: grid.days.map((d) => d.startMs),
    endMs: grid.days.map((d) => d.startMs + 86_400_000),
    energy,
    x: varied.map((c) => c.v),
    terms: varied.map((c) => c.term),
    refs: (c) => roots.map((id) => seriesRef(c, id, 'activeEnergyImport')),
  };
}

export function fitOn(d: Daily, days: number[]): OlsFit | null {
  return ols(
    d.x.map((col) => Float64Array.from(days, (k) => col[k]!)),
    Float64Array.from(days, (k) => d.energy[k]!),
  );
}

export function predictRow(fit: OlsFit, d: Daily, k: number): number {
  return d.x.reduce((s, col, j) => s + fit.beta[j + 1]! * col[k]!, fit.beta[0]!);
}

/**
 * Out-of-sample predictions by blocked k-fold cross-validation over consecutive days: each block is
 * predicted by the model fitted on the other blocks (ASHRAE G14 criteria must be able to fail: the in-sample
 * NMBE of OLS with an intercept is identically 0). null when a fold cannot be fitted.
 */
export function crossValidated(d: Daily, days: number[], folds: number): Float64Array | null {
  const k = Math.max(2, Math.min(Math.round(folds), days.length));
  const out = new Float64Array(days.length);
  for (let f = 0; f < k; f++) {
    const a = Math.floor((f * days.length) / k);
    const b = Math.floor(((f + 1) * days.length) / k);
    const train = [...days.slice(0, a), ...days.slice(b)];
    const fit = fitOn(d, train);
    if (!fit) return null;
    for (let j = a; j < b; j++) out[j] = predictRow(fit, d, days[j]!);
  }
  return out;
}

export function quality(ctx: DiagnosisContext, d: Daily, days: number[], fit: OlsFit) {
  const y = days.map((k) => d.energy[k]!);
  const oos = crossValidated(d, days, ctx.settings.baseline.crossValidationFolds);
  const cv = oos ? cvRmsePct(y, oos, fit.p) : null;
  const nmbe = oos ? nmbePct(y, oos, fit.p) : null;
  const cvMax = ctx.book.value('mv.hour.cvRmsePctMax');
  const nmbeMax = ctx.book.value('mv.hour.nmbePctMax');
  return {
    n: fit.n,
    p: fit.p,
    r2: fit.r2,
    cvRmsePct: cv,
    nmbePct: nmbe,
    /** In-sample figures, for reference only (the in-sample NMBE is 0 by construction). */
    inSampleCvRmsePct: cvRmsePct(y, fit.fitted, fit.p),
    evaluation: 'blocked k-fold cross-validation' as const,
    passes: cv !== null && nmbe !== null && cv <= cvMax && Math.abs(nmbe) <= nmbeMax,
  };
}

/** ± half-width of the savings interval at the configured confidence (two-sided). */
export function uncertainty(ctx: DiagnosisContext, d: Daily, fit: OlsFit, rep: number[]): number {
  const g = [rep.length, ...d.x.map((col) => rep.reduce((s, k) => s + col[k]!, 0))];
  let quad = 0;
  for (let i = 0; i < g.length; i++)
    for (let j = 0; j < g.length; j++) quad += g[i]! * fit.xtxInv[i]![j]! * g[j]!;
  const rho = lag1Autocorrelation(fit.residuals);
  // Positive autocorrelation leaves fewer independent observations: n' = n(1 − ρ)/(1 + ρ).
  const inflate = rho > 0 ? Math.sqrt((1 + rho) / (1 - rho)) : 1;
  const tq = tQuantile((1 + ctx.settings.baseline.confidence) / 2, fit.n - fit.p);
  return tq * fit.s * Math.sqrt(rep.length + quad) * inflate;
}
