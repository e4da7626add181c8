import type { DiagnosisContext } from './context.js';
import { classSuggestions } from './equipment-map.js';
import { type Indicator, type IndicatorInput, indicatorSchema, type Note, t } from './finding.js';
import type { Accounting } from './result.js';
import { KIND } from './slots.js';
import type { Text } from './types.js';

/** Plant-level indicators from the accounting, and the notes about the run itself (tree, tariff, factors). */
export function accountingIndicators(ctx: DiagnosisContext, a: Accounting): Indicator[] {
  const annual = ctx.annualFactor;
  const out: IndicatorInput[] = [
    {
      key: 'comprehensiveEnergy',
      label: t('综合能源消费量（观测期）', 'Comprehensive energy consumption (period)'),
      value: a.comprehensive.tce,
      unit: 'tce',
      basis: `GB/T 2589-2020, ${ctx.basis === 'equivalent' ? '当量值 equivalent value' : '等价值 equal value'}`,
    },
    {
      key: 'comprehensiveEnergyAnnual',
      label: t('综合能源消费量（折全年）', 'Comprehensive energy consumption (annualised)'),
      value: a.comprehensive.tce * annual,
      unit: 'tce/a',
      basis: `period × ${ctx.settings.annualHours} h ÷ observed hours`,
    },
    {
      key: 'co2',
      label: t('二氧化碳排放（观测期）', 'CO₂ emissions (period)'),
      value: a.comprehensive.co2T,
      unit: 't',
      basis: ctx.gridFactorUsed
        ? `grid factor ${ctx.gridFactorUsed.id}; fuels GB/T 32150-2015`
        : 'no grid factor',
    },
  ];
  const value = ctx.registry.factory.annualOutputValueCny;
  if (value)
    out.push({
      key: 'energyPerOutputValue',
      label: t('单位产值综合能耗', 'Energy per output value'),
      value: (a.comprehensive.tce * annual) / (value / 10_000),
      unit: 'tce/万元',
      basis: 'GB/T 2589-2020 单位产值综合能耗 (annualised tce ÷ annual output value)',
    });
  const elec = a.tou.reduce((s, r) => s + r.energyKwh, 0);
  if (ctx.grid.hasCalendar && elec > 0) {
    let off = 0;
    for (const node of ctx.tree.roots.map((id) => ctx.tree.nodes.get(id)!))
      if (node.medium === 'electricity' && ctx.meterById.has(node.id)) {
        const v = ctx.meterById.get(node.id)!.consumption.values;
        for (let i = 0; i < ctx.grid.n; i++)
          if (ctx.grid.kind[i] === KIND.offShift && !Number.isNaN(v[i]!)) off += v[i]!;
      }
    out.push({
      key: 'nonProductionEnergyRatio',
      label: t('非生产时段用电占比', 'Non-production electricity ratio'),
      value: (off / elec) * 100,
      unit: '%',
      basis: 'E(off-shift) ÷ E(total) (reference §9)',
    });
  }
  return out.map((i) => indicatorSchema.parse(i));
}

export function contextNotes(ctx: DiagnosisContext): Note[] {
  const notes: Note[] = [];
  for (const p of ctx.tree.problems) {
    const text: Record<typeof p.problem, Text> = {
      unknownParent: t(`上级表 ${p.parent} 未登记`, `parent meter ${p.parent} is not registered`),
      cycle: t('计量树存在环路，已断开', 'metering tree has a cycle; the link was dropped'),
      mediumMismatch: t(
        `上级表 ${p.parent} 能源介质不同，已断开`,
        `parent meter ${p.parent} measures another medium; link dropped`,
      ),
      noData: t('观测期无数据', 'no data in the period'),
    };
    notes.push({
      code: `tree.${p.problem}`,
      severity: p.problem === 'noData' ? 'low' : 'medium',
      text: text[p.problem],
      deviceId: p.deviceId,
    });
  }
  // Names may only suggest an equipment class: listed for a person to confirm, used by no rule.
  for (const sug of classSuggestions(ctx.registry.devices.filter((d) => d.kind !== 'sensor')))
    notes.push({
      code: 'equipmentClassSuggested',
      severity: 'info',
      deviceId: sug.deviceId,
      text: t(
        `名称提示设备类别 ${sug.classes.join('/')}，未登记，诊断未采用；请在设备登记中确认`,
        `the name suggests equipment class ${sug.classes.join('/')}; not declared, so no rule used it — confirm it in the registry`,
      ),
    });
  if (!ctx.grid.hasCalendar)
    notes.push({
      code: 'noCalendar',
      severity: 'medium',
      text: t('未配置班次日历：全部时间按生产时段处理', 'no shift calendar: all time treated as production'),
    });
  if (!ctx.priced)
    notes.push({
      code: 'unpriced',
      severity: 'low',
      text: t(
        '未配置平段电价（代理购电公告），费用未计算',
        'no flat energy price configured (agency-purchase notice): costs not computed',
      ),
    });
  if (ctx.grid.slotsBeforeTariff)
    notes.push({
      code: 'tariffValidity',
      severity: 'low',
      text: t(
        `有 ${ctx.grid.slotsBeforeTariff / 4} h 早于分时电价生效日，按最早版本计价`,
        `${ctx.grid.slotsBeforeTariff / 4} h precede the tariff's validity; priced with its earliest version`,
      ),
    });
  if (!ctx.gridFactorUsed)
    notes.push({
      code: 'noGridFactor',
      severity: 'medium',
      text: t(
        '所选数据年份无电网排放因子，未计电力 CO₂',
        'no grid emission factor for the chosen data year: electricity CO₂ not counted',
      ),
    });
  else if (ctx.gridFactorUsed.fallbackFrom)
    notes.push({
      code: 'gridFactorFallback',
      severity: 'info',
      text: t(
        `${ctx.gridFactorUsed.fallbackFrom} 无数值，改用 ${ctx.gridFactorUsed.id}`,
        `${ctx.gridFactorUsed.fallbackFrom} has no figure; used ${ctx.gridFactorUsed.id}`,
      ),
    });
  if (ctx.basis === 'equal' && !ctx.book.record('electricity.equal')?.override)
    notes.push({
      code: 'equalValueDefault',
      severity: 'low',
      text: t(
        '等价值采用上海 DB31/T 783-2026 的发电煤耗（湖南无公布值），应按适用标准覆盖',
        'equal value uses the Shanghai DB31/T 783-2026 generation coal rate (no Hunan figure): override with the applicable figure',
      ),
    });
  if (Number.isNaN(ctx.kgcePerKwh))
    notes.push({
      code: 'noElectricityCoefficient',
      severity: 'high',
      text: t(
        '电力折标系数缺失（等价值需覆盖）',
        'electricity conversion coefficient missing (equal value needs an override)',
      ),
    });
  const unmapped = ctx.machines.filter((m) => !m.meterId).length;
  if (unmapped)
    notes.push({
      code: 'machinesWithoutMeter',
      severity: 'info',
      text: t(
        `${unmapped} 台设备无独立电表（按资产路径匹配）`,
        `${unmapped} machine(s) without their own meter (matched by asset path)`,
      ),
    });
  return notes;
}
