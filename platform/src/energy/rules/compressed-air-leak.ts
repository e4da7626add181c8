import type { DiagnosisContext } from '../context.js';
import { type Finding, severityFrom, t } from '../finding.js';
import { analyseCompressor, type CompressorResult } from './compressor-analysis.js';
import { fig, nameOf, type Rule, round, seriesRef, whereOf } from './rule.js';

/**
 * Rule 2 — compressed-air leakage on DECLARED compressors (class airCompressor; a name containing 空压 is
 * no compressor until confirmed): the load while no production uses air, per no-production window, above
 * the declared standby power (compressor-analysis.ts). Specific power kW/(m³/min) over loaded quarter-hours
 * only, against the sanity range — GB 19153-2019 grades are not loaded, so it stays informational.
 */
export const compressedAirLeak: Rule = {
  id: 'compressedAirLeak',
  category: 'processSystem',
  title: t('压缩空气泄漏', 'Compressed-air leakage'),
  basis: [
    'Off-shift leak test: leak kWh = compressor power with no production × non-production hours (reference §9; DOE MEASUR leak survey)',
    'GB 19153-2019 容积式空气压缩机能效限定值及能效等级 (grade table not in the reference)',
  ],
  run(ctx) {
    if (!ctx.compressors.length)
      return {
        findings: [],
        skipped: t(
          '未登记空压机（设备类别 airCompressor）；名称含“空压”的设备见设备类别建议',
          'no declared air compressor (class airCompressor); devices whose names suggest one are listed as suggestions',
        ),
      };
    if (!ctx.grid.hasCalendar) return { findings: [], skipped: t('未配置班次日历', 'no shift calendar') };
    const findings: Finding[] = [];
    for (const c of ctx.compressors) {
      const r = analyseCompressor(ctx, c);
      if (!r) continue;
      if (r.leakKw >= ctx.settings.compressedAir.minLeakKw && r.elevated.length) findings.push(leak(ctx, r));
      const sp = specificPower(ctx, r);
      if (sp) findings.push(sp);
    }
    return { findings };
  },
};

function spFigures(r: CompressorResult) {
  return [
    fig(
      'specificPowerKwPerM3Min',
      '加载时段比功率',
      'Specific power while loaded',
      r.loadedSp,
      'kW/(m3/min)',
    ),
    fig('loadedHours', '加载时长', 'Loaded hours', r.loadedHours, 'h'),
    fig(
      'unloadedProductionHours',
      '生产时段空载/低载时长',
      'Unloaded production hours',
      r.unloadedProductionHours,
      'h',
    ),
    fig(
      'marginalSpecificPower',
      '边际比功率（功率-流量回归斜率）',
      'Marginal specific power (kW vs flow slope)',
      r.marginalSp,
      'kW/(m3/min)',
    ),
    fig('fitR2', '功率-流量拟合 R²', 'Power vs flow fit R²', r.fitR2, '1'),
  ];
}

function leak(ctx: DiagnosisContext, r: CompressorResult): Finding {
  const s = ctx.settings.compressedAir;
  const c = r.c;
  const name = nameOf(ctx, c.meterId);
  const series = [
    seriesRef(ctx, c.meterId, 'activeEnergyImport'),
    ...(c.airMeterId ? [seriesRef(ctx, c.airMeterId, 'volume')] : []),
  ];
  const ref =
    r.method === 'declaredStandby'
      ? t(`扣除登记待机 ${round(r.referenceKw)} kW`, `net of the declared ${round(r.referenceKw)} kW standby`)
      : t(
          `对照其余无生产时段 ${round(r.referenceKw)} kW`,
          `against its other no-production windows, ${round(r.referenceKw)} kW`,
        );
  const fromMs = ctx.grid.fromMs + r.elevated[0]!.start * 900_000;
  const toMs = ctx.grid.fromMs + r.elevated[r.elevated.length - 1]!.end * 900_000;
  return {
    id: `compressedAirLeak:${c.meterId}`,
    rule: 'compressedAirLeak',
    category: 'processSystem',
    severity: severityFrom(r.leakKw / r.productionKw, s.severityShareOfProduction),
    title: t(
      `${name}：无生产用气时空压机仍在供气（疑似泄漏）`,
      `${name}: compressor loaded while no production uses air (leak)`,
    ),
    what: t(
      `${r.elevated.length}/${r.windows.length} 个无生产时段（${round(r.noProductionHours, 1)} h）空压机带载，泄漏负荷约 ${round(r.leakKw)} kW（${ref.zh}），为生产时段负荷的 ${round((r.leakKw / r.productionKw) * 100, 1)}%${r.flowMethodKw !== null ? `；流量法核对 ${round(r.flowMethodKw)} kW（${round(r.leakFlowM3Min!, 3)} m³/min × ${round(r.marginalSp!)} kW/(m³/min)）` : ''}。`,
      `In ${r.elevated.length} of ${r.windows.length} no-production windows (${round(r.noProductionHours, 1)} h) the compressor stays loaded: leak load about ${round(r.leakKw)} kW (${ref.en}), ${round((r.leakKw / r.productionKw) * 100, 1)} % of its production-time load${r.flowMethodKw !== null ? `; flow cross-check ${round(r.flowMethodKw)} kW (${round(r.leakFlowM3Min!, 3)} m³/min × ${round(r.marginalSp!)} kW/(m³/min))` : ''}.`,
    ),
    where: whereOf(ctx, c.meterId),
    when: { fromMs, toMs, label: 'noProduction' },
    evidence: {
      series,
      figures: [
        fig(
          'noProductionKw',
          '无生产用气时段平均功率',
          'Mean power with no production',
          r.noProductionKw,
          'kW',
        ),
        fig('productionKw', '生产时段平均功率', 'Mean power in production', r.productionKw, 'kW'),
        fig('leakKw', '泄漏负荷', 'Leak load', r.leakKw, 'kW'),
        fig('referenceKw', '参照（待机）功率', 'Reference (standby) power', r.referenceKw, 'kW'),
        fig('leakFlowM3Min', '无生产时段流量', 'Flow with no production', r.leakFlowM3Min, 'm3/min'),
        fig('flowMethodLeakKw', '流量法泄漏负荷', 'Leak load by the flow method', r.flowMethodKw, 'kW'),
        fig(
          'noProductionHours',
          '带载无生产时长',
          'Loaded hours with no production',
          r.noProductionHours,
          'h',
        ),
        ...spFigures(r),
      ],
    },
    saving: ctx.saving({
      rule: 'compressedAirLeak',
      deviceId: c.meterId,
      observedKwh: r.wasteKwh,
      observedCostCny: r.wasteCny,
      observedHours: r.coveredHours,
      assumptions: [
        ref,
        t(
          '仅计非生产时段的泄漏电量（保守；生产时段同样泄漏）',
          'only the leak energy outside production is counted (conservative: the leak also runs during production)',
        ),
      ],
    }),
    recommendation: t(
      '开展管网泄漏检测（超声波检漏），修复泄漏点；下班后关闭空压机或隔断主管阀门；降低不必要的供气压力。',
      'Run an ultrasonic leak survey and fix leaks; switch compressors off or isolate the main header after shifts; lower excess supply pressure.',
    ),
    basis: compressedAirLeak.basis,
    reliesOn: r.reliesOn,
    coverage: { coveredHours: r.coveredHours, periodHours: ctx.observedHours },
  };
}

function specificPower(ctx: DiagnosisContext, r: CompressorResult): Finding | null {
  const sr = ctx.book.data.compressor.sanityRange;
  if (r.loadedSp === null || r.loadedSp <= sr.max) return null;
  ctx.book.tryValue(`${sr.id}.max`);
  const name = nameOf(ctx, r.c.meterId);
  return {
    id: `compressorSpecificPower:${r.c.meterId}`,
    rule: 'compressedAirLeak',
    category: 'keyEquipment',
    // Without the GB 19153 grade table a sanity-range excess is an observation, not a graded failure.
    severity: ctx.book.data.compressor.status === 'loaded' ? 'low' : 'info',
    title: t(`${name}：比功率偏高`, `${name}: high specific power`),
    what: t(
      `加载时段比功率 ${round(r.loadedSp)} kW/(m³/min)（${round(r.loadedHours, 1)} h），高于 ${sr.applies} 常见范围 ${sr.min}–${sr.max}（GB 19153-2019 能效等级表缺失，未评级）。`,
      `Specific power while loaded is ${round(r.loadedSp)} kW/(m³/min) over ${round(r.loadedHours, 1)} h, above the usual ${sr.min}–${sr.max} for ${sr.applies} (GB 19153-2019 grade table missing: not graded).`,
    ),
    where: whereOf(ctx, r.c.meterId),
    when: { fromMs: ctx.input.period.fromMs, toMs: ctx.input.period.toMs, label: 'production' },
    evidence: {
      series: [seriesRef(ctx, r.c.meterId, 'activeEnergyImport')],
      figures: spFigures(r),
    },
    recommendation: t(
      '核查空压机加卸载控制、排气压力和机组效率，对照 GB 19153-2019 能效等级评估改造或更换（变频/高效机组）。',
      'Check load/unload control, discharge pressure and package efficiency; assess retrofit or replacement (VSD, high-efficiency package) against the GB 19153-2019 grades.',
    ),
    basis: [
      `${ctx.book.data.compressor.document}: ${ctx.book.data.compressor.note}`,
      `${sr.source} (${sr.confidence})`,
    ],
    reliesOn: r.reliesOn,
  };
}
