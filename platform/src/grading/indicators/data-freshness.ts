import { devicesInScope, ratio } from './context.js';
import type { IndicatorModule } from './types.js';

/**
 * Data freshness: share of periodic series whose newest sample, at evaluation time, is younger than
 * max(k × sampling period, minimum) — k = 3, minimum 60 s by default. Report-by-exception series have no
 * period to judge against and are counted as unchecked. Also reports the 95th-percentile sample age.
 */
export const dataFreshness: IndicatorModule = {
  id: 'data-freshness',
  name: { zh: '数据实时性', en: 'Data freshness' },
  formula: {
    zh: '最新数据时延 ≤ max(3 × 采样周期, 60 s) 的周期数据点数 ÷ 周期数据点总数',
    en: 'Periodic series whose newest sample is at most max(3 × sampling period, 60 s) old ÷ all periodic series',
  },
  formulaVersion: '1',
  compute(ctx, scope) {
    const { nowMs } = ctx.inputs;
    const devices = new Map(devicesInScope(ctx.inputs.snapshot.devices, scope).map((d) => [d.id, d]));
    const periodic = ctx.inputs.series.filter((s) => devices.has(s.deviceId) && s.expectedPeriodMs !== null);
    const unchecked = ctx.inputs.series.filter(
      (s) => devices.has(s.deviceId) && s.expectedPeriodMs === null,
    ).length;
    const rows = periodic.map((s) => {
      const slaMs = Math.max(
        ctx.config.freshnessFactor * (s.expectedPeriodMs as number),
        ctx.config.freshnessMinS * 1000,
      );
      const ageMs = s.lastTsMs === null ? Number.POSITIVE_INFINITY : Math.max(0, nowMs - s.lastTsMs);
      return { s, ageMs, fresh: ageMs <= slaMs };
    });
    const ages = rows.map((r) => r.ageMs).sort((a, b) => a - b);
    const p95 =
      ages.length > 0 ? (ages[Math.min(ages.length - 1, Math.ceil(0.95 * ages.length) - 1)] as number) : null;
    const fresh = rows.filter((r) => r.fresh).length;
    return {
      value: ratio(fresh, rows.length),
      counts: {
        periodicSeries: rows.length,
        fresh,
        stale: rows.length - fresh,
        unchecked,
        ...(p95 !== null && Number.isFinite(p95) ? { p95AgeS: p95 / 1000 } : {}),
      },
      // Oldest first.
      pullingDown: rows
        .filter((r) => !r.fresh)
        .sort((a, b) => b.ageMs - a.ageMs || a.s.deviceId.localeCompare(b.s.deviceId))
        .slice(0, ctx.config.maxPullingDown)
        .map((r) => ({
          kind: 'series' as const,
          ref: `${r.s.deviceId}.${r.s.metric}`,
          assetPath: devices.get(r.s.deviceId)?.assetPath,
          value: Number.isFinite(r.ageMs) ? r.ageMs / 1000 : null,
          reason: { zh: '数据过期（值为时延秒数）', en: 'Stale (value = age in seconds)' },
        })),
      notes: [],
    };
  },
};
