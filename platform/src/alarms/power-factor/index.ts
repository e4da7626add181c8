import { localMidnight } from '@xiang/protocol';
import { monthlyPowerFactor } from '../../energy/accounting/power-factor.js';
import type { AlarmContext, AlarmKind } from '../types.js';

/**
 * 月度功率因数低于考核标准 — the month's power factor (kWh and kvarh of the main incomer since the 1st, rounded
 * as the 功率因数调整电费办法 does) below the contract's standard (major), or within `warnMargin` above it, or
 * the last 7 days below it while the month is still above (warning: trending down).
 */
const DAY_MS = 86_400_000;

async function pfOver(ctx: AlarmContext, meterId: string, fromMs: number): Promise<number | null> {
  const p = ctx.data.metric(meterId, 'activeEnergyImport');
  const q = ctx.data.metric(meterId, 'reactiveEnergyImport');
  if (!p || !q) return null;
  const [p0, p1, q0, q1] = await Promise.all([
    ctx.data.valueAt(meterId, p.key, fromMs),
    ctx.data.valueAt(meterId, p.key, ctx.nowMs),
    ctx.data.valueAt(meterId, q.key, fromMs),
    ctx.data.valueAt(meterId, q.key, ctx.nowMs),
  ]);
  if ([p0, p1, q0, q1].some((x) => x?.value == null)) return null;
  const kwh = p1!.value! - p0!.value!;
  const kvarh = q1!.value! - q0!.value!;
  if (kwh <= 0 || kvarh < 0) return null;
  return monthlyPowerFactor(kwh, kvarh);
}

export const powerFactor: AlarmKind = {
  id: 'powerFactor',
  async evaluate(ctx) {
    const t = ctx.thresholds.powerFactor;
    const meterId = ctx.mainIncomerId;
    if (!t.enabled || !meterId) return [];
    const off = (ctx.calendar?.utcOffsetMinutes ?? 480) * 60_000;
    const d = new Date(localMidnight({ utcOffsetMinutes: off / 60_000 }, ctx.nowMs) + off);
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - off;
    const [month, week] = await Promise.all([
      pfOver(ctx, meterId, monthStart),
      pfOver(ctx, meterId, ctx.nowMs - 7 * DAY_MS),
    ]);
    const std = ctx.snapshot.factory.powerFactorStandard;
    if (month === null) return [];
    const variant =
      month < std
        ? 'below'
        : week !== null && week < std
          ? 'trending'
          : month < std + t.warnMargin
            ? 'near'
            : null;
    if (!variant) return [];
    const name = ctx.snapshot.devices.find((x) => x.id === meterId)?.name ?? meterId;
    return [
      {
        key: meterId,
        deviceId: meterId,
        severity: variant === 'below' ? 'major' : 'warning',
        value: month,
        threshold: std,
        unit: '',
        params: { meter: name, variant, monthPf: month, weekPf: week, standard: std },
        summary: `${name}: power factor this month ${month.toFixed(2)} (7 days ${week?.toFixed(2) ?? '—'}), standard ${std}`,
      },
    ];
  },
};
