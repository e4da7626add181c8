import type { DiagnosisContext, MachineInfo } from '../context.js';
import type { ReliesOn } from '../finding.js';
import { KIND } from '../slots.js';
import type { TreeNode } from '../tree.js';
import { SLOT_H } from '../types.js';
import { elevatedStretch, trimWindow, type WindowMean, windowMeans, windowsOf } from '../windows.js';
import { machinesBusy, machinesByMeter, observedByWorkshop } from './off-shift-masks.js';

/**
 * The computation behind the off-shift rule, per electricity meter (its own load when it has sub-meters):
 * off-production windows (calendar off-shift, no production observed on the machines of its workshop, no
 * machine of its own idling — that is the idle rule's), the mean load per window, and the excess —
 * against the DECLARED expected load (standby of what it measures, always-on power, a loss allowance for a
 * parent's own load) when there is one, else against the meter's own windows before and after a load that
 * starts or stops inside the period. An undeclared load that runs through the whole period cannot be told
 * from a need, and is left to an information note.
 */
export type OffShiftResult = {
  meterId: string;
  own: boolean;
  method: 'declared' | 'learned';
  /** Reference level: the declared target (mean over the elevated windows) or the learned baseline, kW. */
  referenceKw: number;
  excessKw: number;
  /** Hour-weighted mean load of the elevated windows, kW. */
  elevatedKw: number;
  grossProductionKw: number;
  thresholdKw: number;
  elevated: WindowMean[];
  windows: WindowMean[];
  startedMs: number;
  endedMs: number;
  wasteKwh: number;
  wasteCny: number;
  coveredHours: number;
  reliesOn: ReliesOn[];
};

export type Undeclared = { meterId: string; own: boolean; offKw: number; productionKw: number };

/** What every meter of one run shares (off-shift-masks.ts): built once per diagnosis, not per meter. */
export type OffShiftShared = {
  observed: (assetPath: string) => Uint8Array;
  machinesOf: Map<string, MachineInfo[]>;
};

export function offShiftShared(ctx: DiagnosisContext): OffShiftShared {
  return { observed: observedByWorkshop(ctx), machinesOf: machinesByMeter(ctx) };
}

/** Declared expected off-shift kW of what the meter measures directly, with the facts it rests on. */
function declaredTarget(
  ctx: DiagnosisContext,
  id: string,
  measured: MachineInfo[],
): { kw: number; reliesOn: ReliesOn[] } | null {
  const dev = ctx.devices.get(id);
  const eq = dev?.equipment;
  const reliesOn: ReliesOn[] = [];
  let kw = 0;
  let declared = false;
  if (eq?.standbyPowerKw !== undefined) {
    kw += eq.standbyPowerKw;
    declared = true;
    reliesOn.push({ deviceId: id, fact: 'standbyPowerKw', value: eq.standbyPowerKw, source: 'declared' });
  } else if (dev?.standbyPowerKw !== undefined && measured.length === 0) {
    kw += dev.standbyPowerKw;
    declared = true;
    reliesOn.push({ deviceId: id, fact: 'standbyPowerKw', value: dev.standbyPowerKw, source: 'declared' });
  }
  if (eq?.alwaysOnKw !== undefined) {
    kw += eq.alwaysOnKw;
    reliesOn.push({ deviceId: id, fact: 'alwaysOnKw', value: eq.alwaysOnKw, source: 'declared' });
  }
  if (measured.length) {
    // Standby on a shared meter is summed over the machines it measures.
    let all = true;
    for (const m of measured) {
      const d = ctx.devices.get(m.deviceId);
      const always = m.profile === 'alwaysOn' ? d?.equipment?.alwaysOnKw : undefined;
      const part =
        m.profile === 'alwaysOn' ? always : m.standbySource === 'registry' ? m.standbyPowerKw : null;
      if (part === undefined || part === null) {
        all = false;
        reliesOn.push({ deviceId: m.deviceId, fact: 'standbyPowerKw', value: null, source: 'missing' });
        continue;
      }
      kw += part;
      reliesOn.push({
        deviceId: m.deviceId,
        fact: m.profile === 'alwaysOn' ? 'alwaysOnKw' : 'standbyPowerKw',
        value: part,
        source: 'declared',
      });
    }
    if (!all) return null;
    declared = true;
  }
  return declared ? { kw, reliesOn } : null;
}

export function analyseMeter(
  ctx: DiagnosisContext,
  node: TreeNode,
  undeclared: Undeclared[],
  shared: OffShiftShared,
): OffShiftResult | null {
  const s = ctx.settings.baseLoad;
  const { grid } = ctx;
  const id = node.id;
  const own = node.children.length > 0;
  const load = own ? ctx.ownLoad(id) : ctx.meterById.get(id)!.consumption.values;
  if (!load) return null;
  const gross = ctx.meterById.get(id)!.consumption.values;
  const measured = shared.machinesOf.get(id) ?? [];
  const observed = shared.observed(node.assetPath);
  const busy = machinesBusy(measured, grid.n, ctx.settings.idle.minIdleFraction);
  const candidate = new Uint8Array(grid.n);
  let prodSum = 0;
  let prodN = 0;
  let ownProdSum = 0;
  let covered = 0;
  const { kind, n } = grid;
  for (let i = 0; i < n; i++) {
    const v = load[i]!;
    const known = !Number.isNaN(v);
    if (known) covered++;
    const k = kind[i];
    if (k === KIND.production) {
      const g = gross[i]!;
      if (!Number.isNaN(g) && known) {
        prodSum += g;
        ownProdSum += v;
        prodN++;
      }
      continue;
    }
    if (k === KIND.offShift && !observed[i] && !busy?.[i]) candidate[i] = 1;
  }
  if (!prodN) return null;
  const grossProductionKw = prodSum / prodN / SLOT_H;
  const windows = windowMeans(
    load,
    windowsOf(candidate, Math.round(s.minWindowHours / SLOT_H)),
    s.minWindowCoverage,
  );
  const usable = windows.filter((w) => !Number.isNaN(w.kw));
  if (!usable.length) return null;
  const thresholdKw = Math.max(s.minExcessKw, s.minShareOfMeterLoad * grossProductionKw);
  const target = declaredTarget(ctx, id, measured);
  // A parent's own load also holds cable losses and its children's meter errors.
  const kids = node.children.map((k) => ctx.meterById.get(k)?.consumption.values);
  const childKw = (w: WindowMean) => {
    if (!own) return 0;
    let sum = 0;
    let n = 0;
    for (let i = w.start; i < w.end; i++) {
      let c = 0;
      let ok = true;
      for (const values of kids) {
        const v = values?.[i];
        if (v === undefined || Number.isNaN(v)) ok = false;
        else c += v;
      }
      if (ok) {
        sum += c;
        n++;
      }
    }
    return n ? sum / n / SLOT_H : 0;
  };
  let elevated: WindowMean[] = [];
  let refOf: (w: WindowMean) => number;
  let method: OffShiftResult['method'];
  let reliesOn: ReliesOn[] = [];
  if (target) {
    method = 'declared';
    reliesOn = target.reliesOn;
    refOf = (w) => target.kw + s.ownLoadLossAllowanceShare * childKw(w);
    elevated = usable.filter((w) => w.kw - refOf(w) >= thresholdKw);
  } else {
    method = 'learned';
    const st = elevatedStretch(windows, s.minBaselineHours);
    const diff = st ? st.insideKw - st.outsideKw : 0;
    if (st && diff >= thresholdKw && st.score >= s.changeScore) {
      elevated = windows.slice(st.from, st.to).filter((w) => !Number.isNaN(w.kw));
      refOf = () => st.outsideKw;
    } else {
      const hours = usable.reduce((a, w) => a + w.coveredHours, 0);
      const offKw = usable.reduce((a, w) => a + w.kw * w.coveredHours, 0) / hours;
      undeclared.push({ meterId: id, own, offKw, productionKw: ownProdSum / prodN / SLOT_H });
      return null;
    }
    reliesOn.push({ deviceId: id, fact: 'standbyPowerKw', value: null, source: 'missing' });
  }
  if (!elevated.length) return null;
  const cov = s.minWindowCoverage;
  // The window just before the first elevated one may hold the load's start (a long weekend it began in),
  // the one just after the last its end: their loud part is the load's, their quiet part the reference's.
  const iFirst = windows.indexOf(elevated[0]!);
  const iLast = windows.indexOf(elevated[elevated.length - 1]!);
  const quiet: WindowMean[] = [];
  const edge = (w: WindowMean | undefined, side: 'start' | 'end') => {
    if (!w || Number.isNaN(w.kw)) return false;
    const loud = trimWindow(load, w, refOf(w), thresholdKw, side, cov);
    if (loud === w) return false;
    if (side === 'start') elevated.unshift(loud);
    else elevated.push(loud);
    const rest = side === 'start' ? { start: w.start, end: loud.start } : { start: loud.end, end: w.end };
    quiet.push(...windowMeans(load, [rest], cov).filter((x) => !Number.isNaN(x.kw)));
    return true;
  };
  const splitBefore = edge(windows[iFirst - 1], 'start');
  const splitAfter = edge(windows[iLast + 1], 'end');
  if (method === 'learned' && (splitBefore || splitAfter)) {
    const outside = [
      ...windows.slice(0, splitBefore ? iFirst - 1 : iFirst),
      ...windows.slice(splitAfter ? iLast + 2 : iLast + 1),
      ...quiet,
    ].filter((w) => !Number.isNaN(w.kw));
    const h = outside.reduce((a, w) => a + w.coveredHours, 0);
    if (h > 0) {
      const ref = outside.reduce((a, w) => a + w.kw * w.coveredHours, 0) / h;
      refOf = () => ref;
    }
  }
  // A load that starts or stops inside a window is sized from that moment, not averaged over the window.
  elevated[0] = trimWindow(load, elevated[0]!, refOf(elevated[0]!), thresholdKw, 'start', cov);
  const lastW = elevated.length - 1;
  elevated[lastW] = trimWindow(load, elevated[lastW]!, refOf(elevated[lastW]!), thresholdKw, 'end', cov);
  const hours = elevated.reduce((a, w) => a + w.coveredHours, 0);
  const elevatedKw = elevated.reduce((a, w) => a + w.kw * w.coveredHours, 0) / hours;
  const referenceKw = elevated.reduce((a, w) => a + refOf(w) * w.coveredHours, 0) / hours;
  let wasteKwh = 0;
  let wasteCny = 0;
  const inWindow = new Uint8Array(grid.n);
  for (const w of elevated) {
    const ref = refOf(w);
    for (let i = w.start; i < w.end; i++) {
      inWindow[i] = 1;
      const v = load[i]!;
      if (Number.isNaN(v)) continue;
      const x = v - ref * SLOT_H;
      wasteKwh += x;
      wasteCny += x * ctx.priceCnyPerKwh[i]!;
    }
  }
  // The load also runs in the shorter stops (breaks, shift changes) of its active span: counted at its size.
  const first = elevated[0]!.start;
  const last = elevated[elevated.length - 1]!.end;
  const excess = elevatedKw - referenceKw;
  for (let i = first; i < last; i++) {
    if (inWindow[i] || grid.kind[i] === KIND.production || observed[i] || Number.isNaN(load[i]!)) continue;
    if (busy?.[i]) continue;
    wasteKwh += excess * SLOT_H;
    wasteCny += excess * SLOT_H * ctx.priceCnyPerKwh[i]!;
  }
  const at = (slot: number) => grid.fromMs + slot * 900_000;
  return {
    meterId: id,
    own,
    method,
    referenceKw,
    excessKw: elevatedKw - referenceKw,
    elevatedKw,
    grossProductionKw,
    thresholdKw,
    elevated,
    windows,
    startedMs: at(elevated[0]!.start),
    endedMs: at(elevated[elevated.length - 1]!.end),
    wasteKwh,
    wasteCny,
    coveredHours: covered * SLOT_H,
    reliesOn,
  };
}
