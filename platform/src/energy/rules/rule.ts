import type { DiagnosisContext } from '../context.js';
import type { Category, Figure, Finding, RuleOutput, SeriesRef } from '../finding.js';
import type { Text } from '../types.js';

/** A diagnostic rule: one module, one entry in rules/index.ts. Pure: context in, findings out. */
export type Rule = {
  id: string;
  category: Category;
  title: Text;
  /** Standards and methods the rule rests on (shown with every finding). */
  basis: string[];
  run(ctx: DiagnosisContext): RuleOutput;
};

export const fig = (key: string, zh: string, en: string, value: number | null, unit: string): Figure => ({
  key,
  label: { zh, en },
  value: value === null || Number.isNaN(value) ? null : value,
  unit,
});

export function seriesRef(ctx: DiagnosisContext, deviceId: string, metric: string): SeriesRef {
  return { deviceId, metric, fromMs: ctx.input.period.fromMs, toMs: ctx.input.period.toMs };
}

/** Quantity key of a meter's consumption counter (kWh → activeEnergyImport, m3 → volume, t → mass). */
export function consumptionMetric(ctx: DiagnosisContext, deviceId: string): string {
  const u = ctx.meterById.get(deviceId)?.unit;
  return u === 'm3' ? 'volume' : u === 't' ? 'mass' : 'activeEnergyImport';
}

/** The whole-period "when" of a finding. */
export function wholePeriod(ctx: DiagnosisContext): Finding['when'] {
  return { fromMs: ctx.input.period.fromMs, toMs: ctx.input.period.toMs };
}

/** Display name of a device (registry name, else id). */
export function nameOf(ctx: DiagnosisContext, deviceId: string): string {
  return ctx.devices.get(deviceId)?.name ?? deviceId;
}

export function whereOf(ctx: DiagnosisContext, deviceId: string): Finding['where'] {
  const d = ctx.devices.get(deviceId);
  return { deviceId, assetPath: d?.assetPath ?? '', name: d?.name ?? deviceId };
}

/** Rounds for display in evidence (figures keep full precision elsewhere). */
export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Mean production-time power of the plant (all electricity roots), kW — the yardstick for severity. */
export function plantProductionKw(ctx: DiagnosisContext): number {
  let sum = 0;
  let n = 0;
  const roots = ctx.tree.roots.map((id) => ctx.tree.nodes.get(id)!).filter((r) => r.medium === 'electricity');
  const arrays = roots.flatMap((r) => {
    const m = ctx.meterById.get(r.id);
    return m ? [m.consumption.values] : [];
  });
  if (!arrays.length) return Number.NaN;
  for (let i = 0; i < ctx.grid.n; i++) {
    if (ctx.grid.hasCalendar && ctx.grid.kind[i] !== 0) continue;
    let s = 0;
    let ok = true;
    for (const a of arrays) {
      const v = a[i]!;
      if (Number.isNaN(v)) {
        ok = false;
        break;
      }
      s += v;
    }
    if (!ok) continue;
    sum += s;
    n++;
  }
  return n ? sum / n / 0.25 : Number.NaN;
}
