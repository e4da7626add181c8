import type { DiagnosisContext } from './context.js';
import type { Finding } from './finding.js';
import { t } from './finding.js';

/**
 * The report never counts a kWh twice (issue 9): savings of aggregate findings — a line's energy per unit,
 * the plant's drift above its baseline — contain the savings of the specific findings on the meters below
 * them (an off-shift load, a leak, idling machines). Each aggregate keeps only what is left after the
 * specific findings inside its part of the metering tree (and, for the plant, after the lines). Specific
 * findings do not overlap among themselves: a parent's own load excludes its sub-meters, compressors and
 * idling machines' quarter-hours are left out of the off-shift rule.
 */
const AGGREGATE_ORDER = ['unitConsumption', 'energyBaseline'];

/** The meter a specific finding's saving sits on. */
function meterOf(ctx: DiagnosisContext, f: Finding): string | null {
  const id = f.where.deviceId;
  if (!id) return null;
  if (f.rule === 'machineIdle') return ctx.machines.find((m) => m.deviceId === id)?.meterId ?? id;
  return id;
}

/** Every meter at or below the given ones. */
function subtree(ctx: DiagnosisContext, tops: string[]): Set<string> {
  const out = new Set<string>();
  const stack = [...tops];
  for (let guard = 0; stack.length && guard < 100_000; guard++) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(ctx.tree.nodes.get(id)?.children ?? []));
  }
  return out;
}

function scale(f: Finding, keep: number, claimed: string[]): Finding {
  const s = f.saving!;
  const k = Math.max(0, Math.min(1, keep));
  return {
    ...f,
    saving: {
      ...s,
      energyKwh: s.energyKwh * k,
      tce: s.tce * k,
      tco2: s.tco2 * k,
      costCny: s.costCny === null ? null : s.costCny * k,
      observedKwh: s.observedKwh * k,
      paybackYears: s.paybackYears === null || k === 0 ? null : s.paybackYears / k,
      assumptions: [
        ...s.assumptions,
        t(
          `已扣除 ${claimed.join('、')} 中已计入的节能量（同一电量不重复计算）`,
          `less what ${claimed.join(', ')} already count (no kWh counted twice)`,
        ),
      ],
    },
  };
}

export function withoutDoubleCounting(ctx: DiagnosisContext, findings: Finding[]): Finding[] {
  const out = [...findings];
  const specific = out.filter((f) => f.saving && f.saving.energyKwh > 0 && !AGGREGATE_ORDER.includes(f.rule));
  const counted: { meter: string | null; kwh: number; id: string; rule: string }[] = specific.map((f) => ({
    meter: meterOf(ctx, f),
    kwh: f.saving!.energyKwh,
    id: f.id,
    rule: f.rule,
  }));
  for (const rule of AGGREGATE_ORDER) {
    out.forEach((f, i) => {
      if (f.rule !== rule || !f.saving || !(f.saving.energyKwh > 0)) return;
      const meters = f.evidence.series.map((s) => s.deviceId).filter((id) => ctx.tree.nodes.has(id));
      const scope = subtree(ctx, meters);
      const inside = counted.filter((c) => c.meter !== null && scope.has(c.meter) && c.id !== f.id);
      const claimedKwh = inside.reduce((a, c) => a + c.kwh, 0);
      if (claimedKwh <= 0) return;
      const keep = (f.saving.energyKwh - claimedKwh) / f.saving.energyKwh;
      out[i] = scale(
        f,
        keep,
        inside.map((c) => c.id),
      );
      counted.push({ meter: meters[0] ?? null, kwh: out[i]!.saving!.energyKwh, id: f.id, rule });
    });
  }
  return out;
}
