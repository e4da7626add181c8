import { calendarSegments } from '@xiang/protocol';
import { KIND } from '../../energy/slots.js';
import { accountPeriod, loadMonitoringInputs } from '../../services/energy-monitoring/inputs.js';
import { currentLoadKw } from '../load.js';
import type { AlarmContext, AlarmKind, Condition } from '../types.js';

/**
 * 非生产时段负荷超基线 — off-shift load above its baseline, now. While the whole window (default 15 min) lies
 * outside shifts and breaks per the production calendar, the mean load of the main incomer and of each feeder
 * is compared with the meter's baseline: the median off-shift quarter-hour load of the previous days (default
 * 7). The diagnosis' base-load rule judges the same waste over a period; this says it while it happens.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const baselines = new Map<string, Promise<Map<string, number | null>>>();

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median off-shift quarter-hour kW per meter over the days before the current hour (kept for the hour). */
function offShiftBaselines(ctx: AlarmContext, meterIds: string[], days: number) {
  const hour = Math.floor(ctx.nowMs / HOUR_MS) * HOUR_MS;
  const key = `${ctx.factoryId}|${hour}|${days}|${meterIds.join(',')}`;
  let hit = baselines.get(key);
  if (!hit) {
    if (baselines.size > 100) baselines.clear();
    hit = (async () => {
      const from = hour - days * DAY_MS;
      const input = await loadMonitoringInputs(ctx.data.store, ctx.snapshot, from, hour, {
        meterIds: new Set(meterIds),
      });
      const { ctx: acc } = accountPeriod(input, from, hour, {});
      const out = new Map<string, number | null>();
      for (const id of meterIds) {
        const v = acc.meterById.get(id)?.consumption.values;
        const kw: number[] = [];
        if (v)
          for (let i = 0; i < v.length; i++)
            if (acc.grid.kind[i] === KIND.offShift && !Number.isNaN(v[i]!)) kw.push(v[i]! * 4);
        out.set(id, median(kw));
      }
      return out;
    })();
    hit.catch(() => baselines.delete(key));
    baselines.set(key, hit);
  }
  return hit;
}

export const offShiftLoad: AlarmKind = {
  id: 'offShiftLoad',
  async evaluate(ctx) {
    const t = ctx.thresholds.offShiftLoad;
    if (!t.enabled || !ctx.calendar) return [];
    const from = ctx.nowMs - t.windowMin * 60_000;
    const segs = calendarSegments(ctx.calendar, from, ctx.nowMs);
    if (segs.some((s) => s.kind !== 'offShift')) return [];
    const meters = ctx.snapshot.devices.filter(
      (d) =>
        d.kind === 'meter' &&
        (d.medium ?? 'electricity') === 'electricity' &&
        (d.id === ctx.mainIncomerId || d.meterRole === 'mainIncomer' || d.meterRole === 'feeder'),
    );
    if (!meters.length) return [];
    const base = await offShiftBaselines(
      ctx,
      meters.map((m) => m.id),
      t.baselineDays,
    );
    const out: Condition[] = [];
    for (const m of meters) {
      const baseline = base.get(m.id);
      if (baseline === null || baseline === undefined) continue;
      const kw = await currentLoadKw(ctx.data, m.id, from, ctx.nowMs);
      if (kw === null) continue;
      const limit = Math.max(baseline * (1 + t.marginShare), baseline + t.minExcessKw);
      if (kw <= limit) continue;
      const excess = kw - baseline;
      out.push({
        key: m.id,
        deviceId: m.id,
        severity: excess >= 3 * Math.max(t.minExcessKw, baseline * t.marginShare) ? 'major' : 'warning',
        value: kw,
        threshold: limit,
        unit: 'kW',
        params: { meter: m.name ?? m.id, kw, baselineKw: baseline, excessKw: excess, windowMin: t.windowMin },
        summary: `${m.name ?? m.id}: off-shift load ${kw.toFixed(1)} kW, baseline ${baseline.toFixed(1)} kW (+${excess.toFixed(1)} kW)`,
      });
    }
    return out;
  },
};
