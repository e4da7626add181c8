import type { CompressorInfo, DiagnosisContext } from '../context.js';
import type { ReliesOn } from '../finding.js';
import { KIND } from '../slots.js';
import { ols } from '../stats/regression.js';
import { SLOT_H } from '../types.js';
import { elevatedStretch, trimWindow, type WindowMean, windowMeans, windowsOf } from '../windows.js';
import { productionObserved } from './off-shift-masks.js';

/**
 * The computation behind the compressed-air rule, per declared compressor: its load in windows with no
 * production (calendar and observed machine states), sized per window against its declared standby power
 * (a leak that starts mid-period is sized where it runs); the flow method (leak flow × marginal specific
 * power) as a cross-check; specific power only over quarter-hours in which the unit delivers air (a lag unit
 * idling unloaded would show kW per almost no air).
 */
export type CompressorResult = {
  c: CompressorInfo;
  productionKw: number;
  noProductionKw: number;
  leakKw: number;
  referenceKw: number;
  method: 'declaredStandby' | 'learned';
  elevated: WindowMean[];
  windows: WindowMean[];
  leakFlowM3Min: number | null;
  flowMethodKw: number | null;
  marginalSp: number | null;
  fitR2: number | null;
  loadedSp: number | null;
  loadedHours: number;
  unloadedProductionHours: number;
  wasteKwh: number;
  wasteCny: number;
  noProductionHours: number;
  coveredHours: number;
  reliesOn: ReliesOn[];
};

export function analyseCompressor(ctx: DiagnosisContext, c: CompressorInfo): CompressorResult | null {
  const s = ctx.settings.compressedAir;
  const b = ctx.settings.baseLoad;
  const { grid } = ctx;
  const kwh = ctx.meterById.get(c.meterId)?.consumption.values;
  if (!kwh) return null;
  const air = c.airMeterId ? ctx.meterById.get(c.airMeterId)?.consumption.values : undefined;
  const observed = productionObserved(ctx, '');
  const noProd = new Uint8Array(grid.n);
  let prodSum = 0;
  let prodN = 0;
  let covered = 0;
  const prodKw: number[] = [];
  const prodFlow: number[] = [];
  for (let i = 0; i < grid.n; i++) {
    const v = kwh[i]!;
    if (!Number.isNaN(v)) covered++;
    const f = air ? air[i]! / 15 : Number.NaN; // m³ per quarter-hour → m³/min
    if (grid.kind[i] === KIND.production) {
      if (Number.isNaN(v)) continue;
      prodSum += v / SLOT_H;
      prodN++;
      if (!Number.isNaN(f)) {
        prodKw.push(v / SLOT_H);
        prodFlow.push(f);
      }
    } else if (!observed[i]) noProd[i] = 1;
  }
  if (!prodN) return null;
  const windows = windowMeans(
    kwh,
    windowsOf(noProd, Math.round(b.minWindowHours / SLOT_H)),
    b.minWindowCoverage,
  );
  const usable = windows.filter((w) => !Number.isNaN(w.kw));
  if (!usable.length) return null;
  const hoursAll = usable.reduce((a, w) => a + w.coveredHours, 0);
  const noProductionKw = usable.reduce((a, w) => a + w.kw * w.coveredHours, 0) / hoursAll;
  const standbyDeclared = c.standbyDeclared;
  const reliesOn: ReliesOn[] = [
    {
      deviceId: c.meterId,
      fact: 'class',
      value: 'airCompressor',
      source: c.source === 'runOption' ? 'runOption' : 'declared',
    },
    { deviceId: c.meterId, fact: 'role', value: c.role, source: c.role ? 'declared' : 'missing' },
    {
      deviceId: c.meterId,
      fact: 'standbyPowerKw',
      value: c.standbyPowerKw,
      source: standbyDeclared ? 'declared' : 'missing',
    },
  ];
  let elevated: WindowMean[];
  let referenceKw = c.standbyPowerKw;
  let method: CompressorResult['method'] = 'declaredStandby';
  if (standbyDeclared) elevated = usable.filter((w) => w.kw - c.standbyPowerKw >= s.minLeakKw);
  else {
    const st = elevatedStretch(windows, b.minBaselineHours);
    method = 'learned';
    if (!st || st.insideKw - st.outsideKw < s.minLeakKw || st.score < b.changeScore) elevated = [];
    else {
      elevated = windows.slice(st.from, st.to).filter((w) => !Number.isNaN(w.kw));
      referenceKw = st.outsideKw;
    }
  }
  if (elevated.length) {
    const last = elevated.length - 1;
    elevated[0] = trimWindow(kwh, elevated[0]!, referenceKw, s.minLeakKw, 'start', b.minWindowCoverage);
    elevated[last] = trimWindow(kwh, elevated[last]!, referenceKw, s.minLeakKw, 'end', b.minWindowCoverage);
  }
  const hours = elevated.reduce((a, w) => a + w.coveredHours, 0);
  const elevatedKw = hours ? elevated.reduce((a, w) => a + w.kw * w.coveredHours, 0) / hours : Number.NaN;
  let wasteKwh = 0;
  let wasteCny = 0;
  let leakFlowSum = 0;
  let leakFlowN = 0;
  const inWindow = new Uint8Array(grid.n);
  for (const w of elevated) inWindow.fill(1, w.start, w.end);
  // The leak also runs in the shorter stops (breaks) of its active span: counted at its size.
  if (elevated.length) {
    const leakKw = elevatedKw - referenceKw;
    for (let i = elevated[0]!.start; i < elevated[elevated.length - 1]!.end; i++) {
      if (inWindow[i] || !noProd[i] || Number.isNaN(kwh[i]!)) continue;
      wasteKwh += leakKw * SLOT_H;
      wasteCny += leakKw * SLOT_H * ctx.priceCnyPerKwh[i]!;
    }
  }
  for (const w of elevated)
    for (let i = w.start; i < w.end; i++) {
      const v = kwh[i]!;
      if (Number.isNaN(v)) continue;
      wasteKwh += v - referenceKw * SLOT_H;
      wasteCny += (v - referenceKw * SLOT_H) * ctx.priceCnyPerKwh[i]!;
      const f = air ? air[i]! / 15 : Number.NaN;
      if (!Number.isNaN(f)) {
        leakFlowSum += f;
        leakFlowN++;
      }
    }
  // Cross-check by flow: leak flow × the marginal specific power (kW vs m³/min slope in production).
  const fit = prodKw.length >= 10 ? ols([Float64Array.from(prodFlow)], Float64Array.from(prodKw)) : null;
  const marginalSp = fit && fit.beta[1]! > 0 && (fit.r2 ?? 0) >= s.minFitR2 ? fit.beta[1]! : null;
  const leakFlow = leakFlowN ? leakFlowSum / leakFlowN : null;
  // Specific power over loaded quarter-hours only.
  const sortedFlow = [...prodFlow].sort((a, b2) => a - b2);
  const p95 = sortedFlow.length ? sortedFlow[Math.floor(0.95 * (sortedFlow.length - 1))]! : 0;
  let loadedKw = 0;
  let loadedFlow = 0;
  let loadedN = 0;
  for (let k = 0; k < prodFlow.length; k++)
    if (p95 > 0 && prodFlow[k]! >= s.loadedFlowShare * p95) {
      loadedKw += prodKw[k]!;
      loadedFlow += prodFlow[k]!;
      loadedN++;
    }
  const loadedHours = loadedN * SLOT_H;
  return {
    c,
    productionKw: prodSum / prodN,
    noProductionKw,
    leakKw: hours ? elevatedKw - referenceKw : 0,
    referenceKw,
    method,
    elevated,
    windows,
    leakFlowM3Min: leakFlow,
    flowMethodKw: marginalSp !== null && leakFlow !== null ? marginalSp * leakFlow : null,
    marginalSp,
    fitR2: fit?.r2 ?? null,
    loadedSp: loadedHours >= s.minLoadedHours && loadedFlow > 0 ? loadedKw / loadedFlow : null,
    loadedHours,
    unloadedProductionHours: (prodFlow.length - loadedN) * SLOT_H,
    wasteKwh,
    wasteCny,
    noProductionHours: hours,
    coveredHours: covered * SLOT_H,
    reliesOn,
  };
}
