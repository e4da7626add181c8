import { TOU, versionPrices } from '../accounting/tou.js';
import { type Finding, t } from '../finding.js';
import { fig, type Rule, round, seriesRef, wholePeriod } from './rule.js';

/**
 * Rule 6 — time-of-use: the share of electricity bought in peak and critical-peak periods, against the
 * share of the day those periods take (a flat load's share), and the cost saving from moving flexible loads
 * to valley hours: ΔC = Σ ΔE × (p_slot − p_valley). Flexible loads come from the run options; without them
 * the saving is shown for an assumed shiftable share (settings) and says so. Energy is moved, not saved.
 */
export const touShift: Rule = {
  id: 'touShift',
  category: 'energyManagement',
  title: t('峰谷分时用电', 'Time-of-use load shifting'),
  basis: ['Peak-valley shift potential ΔC = Σ ΔE_shifted × (p_peak − p_valley) (reference §9)'],
  run(ctx) {
    const roots = ctx.tree.roots
      .map((id) => ctx.tree.nodes.get(id)!)
      .filter((n) => n.medium === 'electricity' && ctx.meterById.has(n.id));
    if (!roots.length)
      return { findings: [], skipped: t('无电力总表数据', 'no electricity root meter data') };
    const { grid } = ctx;
    const valley = ctx.tariff.versions.map(
      (v) => versionPrices(v.version, ctx.options.flatPriceCnyPerKwh)[TOU.valley] ?? Number.NaN,
    );
    const byType = new Float64Array(4);
    let peakSlots = 0;
    for (let i = 0; i < grid.n; i++) if (grid.tou[i]! >= TOU.peak) peakSlots++;
    for (const r of roots) {
      const v = ctx.meterById.get(r.id)!.consumption.values;
      for (let i = 0; i < grid.n; i++) if (!Number.isNaN(v[i]!)) byType[grid.tou[i]!]! += v[i]!;
    }
    const total = byType.reduce((a, b) => a + b, 0);
    if (!(total > 0)) return { findings: [] };
    const peakKwh = byType[TOU.peak]! + byType[TOU.critical]!;
    const peakShare = peakKwh / total;
    const timeShare = peakSlots / grid.n;
    const declared = ctx.options.flexibleLoads.filter((f) => ctx.meterById.has(f.meterId));
    const sources = declared.length
      ? declared.map((f) => ({ id: f.meterId, share: f.shiftableShare }))
      : roots.map((r) => ({ id: r.id, share: ctx.settings.tou.assumedShiftableShare }));
    let shiftedKwh = 0;
    let deltaCny = 0;
    for (const src of sources) {
      const v = ctx.meterById.get(src.id)!.consumption.values;
      for (let i = 0; i < grid.n; i++) {
        const x = v[i]!;
        if (Number.isNaN(x) || grid.tou[i]! < TOU.peak) continue;
        shiftedKwh += x * src.share;
        deltaCny += x * src.share * (ctx.priceCnyPerKwh[i]! - valley[grid.touVersion[i]!]!);
      }
    }
    const assumption = declared.length
      ? t(
          `可转移负荷：${declared.map((d) => `${d.meterId} ${round(d.shiftableShare * 100, 0)}%`).join('、')}`,
          `flexible loads: ${declared.map((d) => `${d.meterId} ${round(d.shiftableShare * 100, 0)} %`).join(', ')}`,
        )
      : t(
          `未申报可转移负荷，按峰/尖峰电量的 ${round(ctx.settings.tou.assumedShiftableShare * 100, 0)}% 可移至谷段估算`,
          `no flexible loads declared: assumes ${round(ctx.settings.tou.assumedShiftableShare * 100, 0)} % of peak and critical-peak energy can move to valley hours`,
        );
    const finding: Finding = {
      id: 'touShift:plant',
      rule: 'touShift',
      category: 'energyManagement',
      // Without declared flexible loads the potential rests on an assumed share: information, not a finding.
      severity:
        declared.length && peakShare >= timeShare * ctx.settings.tou.peakConcentrationFlag ? 'low' : 'info',
      title: t('峰段与尖峰用电占比', 'Electricity bought in peak and critical-peak hours'),
      what: t(
        `峰段和尖峰用电占 ${round(peakShare * 100, 1)}%（两者时长占全天 ${round(timeShare * 100, 1)}%）；转移 ${round(shiftedKwh, 0)} kWh 至谷段${ctx.priced ? `可节省电费 ${round(deltaCny, 0)} 元` : ''}。`,
        `Peak and critical-peak hours take ${round(peakShare * 100, 1)} % of the electricity (they are ${round(timeShare * 100, 1)} % of the time); moving ${round(shiftedKwh, 0)} kWh to valley hours${ctx.priced ? ` saves ${round(deltaCny, 0)} ¥` : ''}.`,
      ),
      where: { name: ctx.registry.factory.name || ctx.registry.factory.id },
      when: wholePeriod(ctx),
      evidence: {
        series: roots.map((r) => seriesRef(ctx, r.id, 'activeEnergyImport')),
        figures: [
          fig('peakShare', '峰段+尖峰电量占比', 'Peak + critical share', peakShare * 100, '%'),
          fig('peakTimeShare', '峰段+尖峰时长占比', 'Peak + critical share of time', timeShare * 100, '%'),
          fig('valleyKwh', '谷段电量', 'Valley energy', byType[TOU.valley]!, 'kWh'),
          fig('flatKwh', '平段电量', 'Flat energy', byType[TOU.flat]!, 'kWh'),
          fig('peakKwh', '峰段电量', 'Peak energy', byType[TOU.peak]!, 'kWh'),
          fig('criticalKwh', '尖峰电量', 'Critical-peak energy', byType[TOU.critical]!, 'kWh'),
          fig('shiftedKwh', '可转移电量', 'Energy moved', shiftedKwh, 'kWh'),
        ],
      },
      saving: ctx.saving({
        rule: 'touShift',
        observedKwh: 0,
        observedCostCny: deltaCny,
        assumptions: [
          assumption,
          t('电量转移至同日谷段，不减少', 'energy moves to valley hours of the same day; it is not saved'),
        ],
      }),
      recommendation: t(
        '将可调度负荷（空压储气、热处理/烘干、充电、蓄冷蓄热、非连续工序）安排到谷段；尖峰时段避免启动大功率设备。',
        'Schedule deferrable loads (air receivers, heat treatment and drying, charging, thermal storage, batch steps) into valley hours; avoid starting large loads in critical-peak hours.',
      ),
      basis: [
        ...touShift.basis,
        `${ctx.tariff.tariff.name}: ${ctx.tariff.tariff.source} (${ctx.tariff.tariff.confidence})`,
      ],
    };
    return { findings: [finding] };
  },
};
