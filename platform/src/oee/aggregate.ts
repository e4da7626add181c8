import type { RegistrySnapshot } from '../registry/model.js';
import { ancestorAt } from './assets.js';
import { type CalendarContext, prepareCalendar } from './calendar-context.js';
import { figuresFromTotals } from './figures.js';
import { computeMachineOee } from './machine.js';
import {
  type AssetOee,
  addTotals,
  emptyTotals,
  type MachineOeeInput,
  type MachineOeeResult,
  type OeeConfig,
  type OeeConfigInput,
  type OeeFigures,
  oeeConfigSchema,
} from './types.js';

/**
 * Line, workshop and factory OEE.
 * - Line, rule "lastStation": the line's output is what its last station (the registry's output-counter
 *   device for the line) delivers, so the line's OEE is that station's OEE. Chosen automatically when the
 *   line has an output counter on one of its machines.
 * - Line, rule "timeWeighted" (fallback): time and ideal-output totals are summed over the line's machines,
 *   then A = Σoperating ÷ ΣPPT, P = Σideal ÷ Σoperating, Q = Σgood ÷ Σpieces — each machine weighs by its
 *   planned time, so a machine planned for one hour cannot swing the line.
 * - Workshop and factory: time-weighted over all their machines (never an average of percentages).
 */
export type FactoryOeeResult = {
  fromMs: number;
  toMs: number;
  hasCalendar: boolean;
  machines: MachineOeeResult[];
  lines: AssetOee[];
  workshops: AssetOee[];
  factory: AssetOee;
};

export function computeFactoryOee(args: {
  snapshot: Pick<RegistrySnapshot, 'factory' | 'assets' | 'lines'>;
  machines: MachineOeeInput[];
  fromMs: number;
  toMs: number;
  config?: OeeConfigInput;
}): FactoryOeeResult {
  const config = oeeConfigSchema.parse(args.config ?? {});
  const ctx = prepareCalendar(args.snapshot.factory.calendar, args.fromMs, args.toMs);
  const machines = args.machines.map((m) => computeMachineOee(m, ctx, config));
  return { ...aggregateMachines(args.snapshot, machines, ctx, config), machines };
}

export function aggregateMachines(
  snapshot: Pick<RegistrySnapshot, 'assets' | 'lines'>,
  machines: MachineOeeResult[],
  ctx: CalendarContext,
  config: OeeConfig,
): Omit<FactoryOeeResult, 'machines'> {
  const byLevel = (level: 'line' | 'workshop') => {
    const groups = new Map<string, MachineOeeResult[]>();
    for (const m of machines) {
      const p = ancestorAt(snapshot, m.assetPath, level);
      if (p === null) continue;
      groups.set(p, [...(groups.get(p) ?? []), m]);
    }
    return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  };
  const lines = byLevel('line').map(([path, ms]) => {
    const output = snapshot.lines.find((l) => l.path === path)?.outputCounter?.deviceId;
    const last = output ? ms.find((m) => m.deviceId === output) : undefined;
    if (last && config.lineRule !== 'timeWeighted') {
      return {
        assetPath: path,
        level: 'line' as const,
        rule: 'lastStation' as const,
        ruleDeviceId: last.deviceId,
        deviceIds: ms.map((m) => m.deviceId),
        period: last.period,
        days: last.days,
        shifts: last.shifts,
      };
    }
    return timeWeighted(path, 'line', ms, ctx, config.minCoverage);
  });
  const workshops = byLevel('workshop').map(([path, ms]) =>
    timeWeighted(path, 'workshop', ms, ctx, config.minCoverage),
  );
  return {
    fromMs: ctx.fromMs,
    toMs: ctx.toMs,
    hasCalendar: ctx.hasCalendar,
    lines,
    workshops,
    factory: timeWeighted('', 'factory', machines, ctx, config.minCoverage),
  };
}

export function timeWeighted(
  path: string,
  level: AssetOee['level'],
  ms: MachineOeeResult[],
  ctx: CalendarContext,
  minCoverage?: number,
): AssetOee {
  const sum = (pick: (m: MachineOeeResult) => OeeFigures | undefined, fromMs: number, toMs: number) => {
    const t = emptyTotals();
    for (const m of ms) {
      const f = pick(m);
      if (f) addTotals(t, f.totals);
    }
    // All totals of a group are machine-time sums (calendarMs too), so they stay mutually consistent.
    return figuresFromTotals(fromMs, toMs, t, minCoverage);
  };
  return {
    assetPath: path,
    level: path === '' ? 'factory' : level,
    rule: 'timeWeighted',
    deviceIds: ms.map((m) => m.deviceId),
    period: sum((m) => m.period, ctx.fromMs, ctx.toMs),
    days: ctx.days.map((d, i) => ({ ...sum((m) => m.days[i], d.startMs, d.endMs), date: d.date })),
    shifts: ctx.shifts.map((s, i) => ({
      ...sum((m) => m.shifts[i], s.startMs, s.endMs),
      shift: s.shift,
      date: s.date,
    })),
  };
}
