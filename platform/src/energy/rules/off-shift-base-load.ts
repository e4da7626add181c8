import { type Finding, severityFrom, t } from '../finding.js';
import { KIND } from '../slots.js';
import { fig, nameOf, plantProductionKw, type Rule, round, seriesRef, whereOf, wholePeriod } from './rule.js';

/**
 * Rule 1 — off-shift base load / standby waste, per meter and per machine. For each electricity meter the
 * load it measures itself (a parent's own load = parent − Σ children, so savings never count twice) is
 * compared between production and off-shift quarter-hours. The saving is what would be saved if the
 * off-shift load fell to a stated target: the machine's standby power where known, else a share of the
 * meter's own production-time load (settings). Compressors belong to the compressed-air rule, and
 * quarter-hours in which a machine idles belong to the idle rule.
 */
export const offShiftBaseLoad: Rule = {
  id: 'offShiftBaseLoad',
  category: 'energyEfficiency',
  title: t('非生产时段基础负荷（待机浪费）', 'Off-shift base load (standby waste)'),
  basis: [
    'Base (idle) load and non-production energy ratio: opengrid standby(), OpenEIS daily summary (reference §9)',
    'GB/T 2589-2020 综合能耗计算通则 (tce)',
  ],
  run(ctx) {
    if (!ctx.grid.hasCalendar)
      return {
        findings: [],
        skipped: t(
          '未配置班次日历，无法区分生产与非生产时段',
          'no shift calendar: production and off-shift time cannot be told apart',
        ),
      };
    const s = ctx.settings.baseLoad;
    const plantKw = plantProductionKw(ctx);
    const compressors = new Set(ctx.compressors.map((c) => c.meterId));
    const machineByMeter = new Map(ctx.machines.filter((m) => m.meterId).map((m) => [m.meterId!, m]));
    const minIdle = ctx.settings.idle.minIdleFraction;
    const findings: Finding[] = [];
    const { grid } = ctx;
    for (const id of ctx.tree.order) {
      const node = ctx.tree.nodes.get(id)!;
      if (node.medium !== 'electricity' || node.series < 0 || compressors.has(id)) continue;
      const own = node.children.length > 0;
      const load = own ? ctx.ownLoad(id) : ctx.meterById.get(id)!.consumption.values;
      if (!load) continue;
      const machine = own ? undefined : machineByMeter.get(id);
      let prodSum = 0;
      let prodN = 0;
      let offSum = 0;
      let offN = 0;
      for (let i = 0; i < grid.n; i++) {
        const v = load[i]!;
        if (Number.isNaN(v)) continue;
        const k = grid.kind[i];
        if (k === KIND.production) {
          prodSum += v;
          prodN++;
        } else if (k === KIND.offShift && !(machine?.occ && machine.occ.idle[i]! >= minIdle)) {
          offSum += v;
          offN++;
        }
      }
      if (!prodN || !offN) continue;
      const prodKw = prodSum / prodN / 0.25;
      const offKw = offSum / offN / 0.25;
      const standby = machine?.standbyPowerKw ?? ctx.devices.get(id)?.standbyPowerKw ?? null;
      const targetKw = standby ?? s.targetShareOfProductionLoad * Math.max(0, prodKw);
      const excessKw = offKw - targetKw;
      // Material for the plant, and large against what the meter itself draws in production.
      if (excessKw < s.minExcessKw || excessKw < s.minShareOfPlantLoad * plantKw) continue;
      const severity = severityFrom(prodKw > excessKw ? excessKw / prodKw : 1, s.severityShareOfOwnLoad);
      if (severity === 'info') continue;
      let wasteKwh = 0;
      let wasteCny = 0;
      for (let i = 0; i < grid.n; i++) {
        const v = load[i]!;
        if (Number.isNaN(v) || grid.kind[i] !== KIND.offShift) continue;
        if (machine?.occ && machine.occ.idle[i]! >= minIdle) continue;
        const w = v - targetKw * 0.25;
        wasteKwh += w;
        wasteCny += w * ctx.priceCnyPerKwh[i]!;
      }
      const name = nameOf(ctx, id);
      const label = own ? `${name}（本表自身负荷）` : machine ? `${machine.name}（${name}）` : name;
      const labelEn = own
        ? `${name} (own load, net of sub-meters)`
        : machine
          ? `${machine.name} (${name})`
          : name;
      const targetText =
        standby !== null
          ? t(
              `目标为登记的待机功率 ${round(standby)} kW`,
              `target: registered standby power ${round(standby)} kW`,
            )
          : t(
              `目标为生产时段平均负荷的 ${round(s.targetShareOfProductionLoad * 100, 1)}%（${round(targetKw)} kW）`,
              `target: ${round(s.targetShareOfProductionLoad * 100, 1)} % of the mean production-time load (${round(targetKw)} kW)`,
            );
      findings.push({
        id: `offShiftBaseLoad:${id}`,
        rule: 'offShiftBaseLoad',
        category: 'energyEfficiency',
        severity,
        title: t(`${label}非生产时段负荷偏高`, `High off-shift load on ${labelEn}`),
        what: t(
          `非生产时段平均负荷 ${round(offKw)} kW，为生产时段（${round(prodKw)} kW）的 ${round((offKw / prodKw) * 100, 1)}%，高出目标 ${round(excessKw)} kW。`,
          `Mean off-shift load ${round(offKw)} kW is ${round((offKw / prodKw) * 100, 1)} % of the production-time load (${round(prodKw)} kW), ${round(excessKw)} kW above target.`,
        ),
        where: { ...whereOf(ctx, machine?.deviceId ?? id), name: own ? label : (machine?.name ?? name) },
        when: { ...wholePeriod(ctx), label: 'offShift' },
        evidence: {
          series: [
            seriesRef(ctx, id, 'activeEnergyImport'),
            ...(own ? node.children.map((c) => seriesRef(ctx, c, 'activeEnergyImport')) : []),
          ],
          figures: [
            fig('productionKw', '生产时段平均负荷', 'Mean production-time load', prodKw, 'kW'),
            fig('offShiftKw', '非生产时段平均负荷', 'Mean off-shift load', offKw, 'kW'),
            fig('targetKw', '目标负荷', 'Target load', targetKw, 'kW'),
            fig('excessKw', '超出目标', 'Excess over target', excessKw, 'kW'),
            fig('offShiftHours', '非生产时段（有数据）', 'Off-shift hours with data', offN * 0.25, 'h'),
            fig('wasteKwh', '观测期超额电量', 'Excess energy in the period', wasteKwh, 'kWh'),
            fig(
              'shareOfPlantLoad',
              '占全厂生产负荷',
              'Share of plant production load',
              (excessKw / plantKw) * 100,
              '%',
            ),
          ],
        },
        saving: ctx.saving({
          rule: 'offShiftBaseLoad',
          deviceId: machine?.deviceId ?? id,
          observedKwh: wasteKwh,
          observedCostCny: wasteCny,
          assumptions: [
            targetText,
            t('按非生产时段逐刻钟超出目标的电量计', 'excess energy counted per off-shift quarter-hour'),
          ],
        }),
        recommendation: t(
          '下班后关闭非必要设备和辅助系统（照明、通风、加热、待机设备），为设备设置定时/自动待机，并排查持续运行的异常负荷。',
          'Switch off non-essential equipment and auxiliaries (lighting, ventilation, heaters, standby loads) after shifts, set timers or auto-standby, and trace loads that keep running.',
        ),
        basis: offShiftBaseLoad.basis,
      });
    }
    return { findings };
  },
};
