import type { DiagnosisContext } from '../context.js';
import { type Finding, severityFrom, t } from '../finding.js';
import { anyExecuting } from '../machines.js';
import { KIND } from '../slots.js';
import { ols } from '../stats/regression.js';
import { fig, nameOf, type Rule, round, seriesRef, whereOf, wholePeriod } from './rule.js';

/**
 * Rule 2 — compressed-air leakage: the compressor's load while no production consumes air (outside
 * production time and with no production machine executing). With a flow meter the leak is the leak flow ×
 * the compressor's marginal specific power (slope of kW on m³/min over production time); without one it is
 * the no-production power above the compressor's standby. Specific power kW/(m³/min) is reported against
 * GB 19153-2019 grades when the grade table is loaded — the reference lacks it, so only the sanity range is
 * used and the finding says so.
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
      return { findings: [], skipped: t('未识别到空压机电表', 'no air-compressor meter identified') };
    if (!ctx.grid.hasCalendar) return { findings: [], skipped: t('未配置班次日历', 'no shift calendar') };
    const noProd = noProductionMask(ctx);
    const findings: Finding[] = [];
    for (const c of ctx.compressors) findings.push(...diagnoseCompressor(ctx, c, noProd));
    return { findings };
  },
};

function noProductionMask(ctx: DiagnosisContext): Uint8Array {
  const re = new RegExp(ctx.settings.compressedAir.namePattern, 'i');
  const compressorMeters = new Set(ctx.compressors.map((c) => c.meterId));
  const consumers = ctx.machines.filter(
    (m) =>
      m.occ && !(m.meterId && compressorMeters.has(m.meterId)) && !re.test(m.deviceId) && !re.test(m.name),
  );
  const exec = anyExecuting(
    consumers.map((m) => m.occ!),
    ctx.grid.n,
  );
  const mask = new Uint8Array(ctx.grid.n);
  for (let i = 0; i < ctx.grid.n; i++)
    mask[i] = ctx.grid.kind[i] !== KIND.production && exec[i] !== 1 ? 1 : 0;
  return mask;
}

function diagnoseCompressor(
  ctx: DiagnosisContext,
  c: DiagnosisContext['compressors'][number],
  noProd: Uint8Array,
): Finding[] {
  const s = ctx.settings.compressedAir;
  const kwh = ctx.meterById.get(c.meterId)?.consumption.values;
  if (!kwh) return [];
  const air = c.airMeterId ? ctx.meterById.get(c.airMeterId)?.consumption.values : undefined;
  const { grid } = ctx;
  const prodKw: number[] = [];
  const prodFlow: number[] = [];
  let prodSum = 0;
  let prodN = 0;
  let npSum = 0;
  let npN = 0;
  let npFlowSum = 0;
  let npFlowN = 0;
  for (let i = 0; i < grid.n; i++) {
    const v = kwh[i]!;
    const f = air ? air[i]! / 15 : Number.NaN; // m³ per quarter-hour → m³/min
    if (grid.kind[i] === KIND.production && !Number.isNaN(v)) {
      prodSum += v / 0.25;
      prodN++;
      if (!Number.isNaN(f)) {
        prodKw.push(v / 0.25);
        prodFlow.push(f);
      }
    } else if (noProd[i]) {
      if (!Number.isNaN(v)) {
        npSum += v / 0.25;
        npN++;
      }
      if (!Number.isNaN(f)) {
        npFlowSum += f;
        npFlowN++;
      }
    }
  }
  if (!npN || !prodN) return [];
  const prodMeanKw = prodSum / prodN;
  const npMeanKw = npSum / npN;
  const powerLeakKw = npMeanKw - c.standbyPowerKw;
  const fit = prodKw.length >= 10 ? ols([Float64Array.from(prodFlow)], Float64Array.from(prodKw)) : null;
  const marginalSp = fit && fit.beta[1]! > 0 && (fit.r2 ?? 0) >= s.minFitR2 ? fit.beta[1]! : null;
  const leakFlow = npFlowN ? npFlowSum / npFlowN : null;
  const byFlow = marginalSp !== null && leakFlow !== null;
  // The leak cannot draw more than the compressor does with no production: keep the smaller figure.
  const leakKw = byFlow ? Math.min(marginalSp * leakFlow, powerLeakKw) : powerLeakKw;
  const flowSum = prodFlow.reduce((a, b) => a + b, 0);
  const avgSp = flowSum > 0 ? prodKw.reduce((a, b) => a + b, 0) / flowSum : null;
  const out: Finding[] = [];
  const name = nameOf(ctx, c.meterId);
  const series = [
    seriesRef(ctx, c.meterId, 'activeEnergyImport'),
    ...(c.airMeterId ? [seriesRef(ctx, c.airMeterId, 'volume')] : []),
  ];
  const sr = ctx.book.data.compressor.sanityRange;
  const spFigures = [
    fig(
      'specificPowerKwPerM3Min',
      '生产时段平均比功率',
      'Mean specific power in production',
      avgSp,
      'kW/(m3/min)',
    ),
    fig(
      'marginalSpecificPower',
      '边际比功率（功率-流量回归斜率）',
      'Marginal specific power (kW vs flow slope)',
      marginalSp,
      'kW/(m3/min)',
    ),
    fig('fitR2', '功率-流量拟合 R²', 'Power vs flow fit R²', fit?.r2 ?? null, '1'),
  ];
  if (leakKw >= s.minLeakKw) {
    const severity = severityFrom(leakKw / prodMeanKw, s.severityShareOfProduction);
    let cost = 0;
    for (let i = 0; i < grid.n; i++) if (noProd[i]) cost += leakKw * 0.25 * ctx.priceCnyPerKwh[i]!;
    const hours = noProd.reduce((a, b) => a + b, 0) * 0.25;
    out.push({
      id: `compressedAirLeak:${c.meterId}`,
      rule: 'compressedAirLeak',
      category: 'processSystem',
      severity,
      title: t(
        `${name}：无生产用气时空压机仍在供气（疑似泄漏）`,
        `${name}: compressor loaded while no production uses air (leak)`,
      ),
      what: t(
        `无生产用气时段空压机平均 ${round(npMeanKw)} kW；泄漏负荷约 ${round(leakKw)} kW（${byFlow ? `泄漏流量 ${round(leakFlow!, 3)} m³/min × 边际比功率 ${round(marginalSp!)} kW/(m³/min)` : `扣除待机 ${round(c.standbyPowerKw)} kW`}），为生产时段负荷的 ${round((leakKw / prodMeanKw) * 100, 1)}%。`,
        `With no production using air the compressor draws ${round(npMeanKw)} kW on average; the leak load is about ${round(leakKw)} kW (${byFlow ? `leak flow ${round(leakFlow!, 3)} m³/min × marginal specific power ${round(marginalSp!)} kW/(m³/min)` : `net of ${round(c.standbyPowerKw)} kW standby`}), ${round((leakKw / prodMeanKw) * 100, 1)} % of its production-time load.`,
      ),
      where: whereOf(ctx, c.meterId),
      when: { ...wholePeriod(ctx), label: 'noProduction' },
      evidence: {
        series,
        figures: [
          fig('noProductionKw', '无生产用气时段平均功率', 'Mean power with no production', npMeanKw, 'kW'),
          fig('productionKw', '生产时段平均功率', 'Mean power in production', prodMeanKw, 'kW'),
          fig('leakKw', '泄漏负荷', 'Leak load', leakKw, 'kW'),
          fig('leakFlowM3Min', '无生产时段流量', 'Flow with no production', leakFlow, 'm3/min'),
          fig(
            'powerMethodLeakKw',
            '功率法泄漏负荷（扣待机）',
            'Leak load by power net of standby',
            powerLeakKw,
            'kW',
          ),
          fig('noProductionHours', '无生产用气时长', 'Hours with no production', hours, 'h'),
          ...spFigures,
        ],
      },
      saving: ctx.saving({
        rule: 'compressedAirLeak',
        deviceId: c.meterId,
        observedKwh: leakKw * hours,
        observedCostCny: cost,
        assumptions: [
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
    });
  }
  if (avgSp !== null && avgSp > sr.max) {
    out.push({
      id: `compressorSpecificPower:${c.meterId}`,
      rule: 'compressedAirLeak',
      category: 'keyEquipment',
      // Without the GB 19153 grade table a sanity-range excess is an observation, not a graded failure.
      severity: ctx.book.data.compressor.status === 'loaded' ? 'low' : 'info',
      title: t(`${name}：比功率偏高`, `${name}: high specific power`),
      what: t(
        `生产时段平均比功率 ${round(avgSp)} kW/(m³/min)，高于 ${sr.applies} 常见范围 ${sr.min}–${sr.max}（GB 19153-2019 能效等级表缺失，未评级）。`,
        `Mean specific power in production is ${round(avgSp)} kW/(m³/min), above the usual ${sr.min}–${sr.max} for ${sr.applies} (GB 19153-2019 grade table missing: not graded).`,
      ),
      where: whereOf(ctx, c.meterId),
      when: { ...wholePeriod(ctx), label: 'production' },
      evidence: { series, figures: spFigures },
      recommendation: t(
        '核查空压机加卸载控制、排气压力和机组效率，对照 GB 19153-2019 能效等级评估改造或更换（变频/高效机组）。',
        'Check load/unload control, discharge pressure and package efficiency; assess retrofit or replacement (VSD, high-efficiency package) against the GB 19153-2019 grades.',
      ),
      basis: [
        `${ctx.book.data.compressor.document}: ${ctx.book.data.compressor.note}`,
        `${sr.source} (${sr.confidence})`,
      ],
    });
    ctx.book.tryValue(`${sr.id}.max`);
  }
  return out;
}
