import { kgceFactor } from '../accounting/conversion.js';
import type { DiagnosisContext } from '../context.js';
import { type Finding, type IndicatorInput, type Note, t } from '../finding.js';
import { KIND } from '../slots.js';
import type { LineOutputSeries } from '../types.js';
import { fig, type Rule, round, seriesRef, wholePeriod } from './rule.js';

/**
 * Rule 10 — unit-product energy consumption (单位产品能耗) per line: energy of the line's top meters ÷ good
 * output, in kWh and kgce per unit. Against the national benchmark (标杆) / baseline (基准) level when the
 * product has one and the units match; otherwise against the line's own history (the last 7 production days
 * versus the period's median day).
 */
export const unitConsumption: Rule = {
  id: 'unitConsumption',
  category: 'energyEfficiency',
  title: t('单位产品能耗', 'Energy per unit of product'),
  basis: [
    'GB/T 2589-2020 单位产品综合能耗 e = E / P_qualified',
    '工业重点领域能效标杆水平和基准水平（2023年版） 发改产业〔2023〕723号',
  ],
  run(ctx) {
    if (!ctx.input.lines.length) return { findings: [], skipped: t('无产线产量数据', 'no line output data') };
    const findings: Finding[] = [];
    const indicators: IndicatorInput[] = [];
    const notes: Note[] = [];
    for (const line of ctx.input.lines) {
      const f = diagnoseLine(ctx, line, indicators, notes);
      if (f) findings.push(f);
    }
    return { findings, indicators, notes };
  },
};

function lineEnergy(
  ctx: DiagnosisContext,
  path: string,
): { kwh: Float64Array; kgce: Float64Array; meters: string[] } | null {
  const inside = (p: string) => p === path || p.startsWith(`${path}/`);
  const tops = [...ctx.tree.nodes.values()].filter(
    (n) =>
      n.series >= 0 && inside(n.assetPath) && !(n.parent && inside(ctx.tree.nodes.get(n.parent)!.assetPath)),
  );
  if (!tops.length) return null;
  const n = ctx.grid.n;
  const kwh = new Float64Array(n);
  const kgce = new Float64Array(n);
  for (const node of tops) {
    const m = ctx.meterById.get(node.id)!;
    if (ctx.options.inHouseMedia.includes(m.medium)) continue;
    const k = kgceFactor(ctx.book, m.medium, m.unit, ctx.basis).perUnit ?? Number.NaN;
    for (let i = 0; i < n; i++) {
      const v = m.consumption.values[i]!;
      if (m.medium === 'electricity') kwh[i] = kwh[i]! + v;
      kgce[i] = kgce[i]! + v * k;
    }
  }
  return { kwh, kgce, meters: tops.map((t) => t.id) };
}

function diagnoseLine(
  ctx: DiagnosisContext,
  line: LineOutputSeries,
  indicators: IndicatorInput[],
  notes: Note[],
): Finding | null {
  const e = lineEnergy(ctx, line.assetPath);
  const lineName = ctx.registry.assets.find((a) => a.path === line.assetPath)?.name ?? line.assetPath;
  if (!e) {
    notes.push({
      code: 'lineWithoutMeter',
      severity: 'info',
      text: t(
        `产线 ${lineName} 无电表，无法计算单位产品能耗`,
        `line ${lineName} has no meter: no energy per unit`,
      ),
    });
    return null;
  }
  const { grid } = ctx;
  const out = line.output.values;
  const nd = grid.days.length;
  const dayKwh = new Float64Array(nd);
  const dayKgce = new Float64Array(nd);
  const dayOut = new Float64Array(nd);
  const dayBad = new Uint8Array(nd);
  const daySlots = new Uint32Array(nd);
  const dayPlanned = new Uint32Array(nd);
  for (let i = 0; i < grid.n; i++) {
    const a = e.kwh[i]!;
    const k = e.kgce[i]!;
    const p = out[i]!;
    const d = grid.day[i]!;
    daySlots[d]!++;
    if (grid.kind[i] === KIND.production) dayPlanned[d]!++;
    if (Number.isNaN(a) || Number.isNaN(p) || Number.isNaN(k)) {
      dayBad[d] = 1;
      continue;
    }
    dayKgce[d]! += k;
    dayKwh[d]! += a;
    dayOut[d]! += p;
  }
  // Whole days only: a day cut by the period's edges or by missing data is not counted (it would mix part of
  // a day's fixed load with part of its output).
  const complete = Array.from({ length: nd }, (_, d) => d).filter((d) => daySlots[d] === 96 && !dayBad[d]);
  let kwh = 0;
  let kgce = 0;
  let units = 0;
  for (const d of complete) {
    kwh += dayKwh[d]!;
    kgce += dayKgce[d]!;
    units += dayOut[d]!;
  }
  // Partial production days (a half holiday, a shortened shift, a stoppage) are left out of the day-by-day
  // comparison: their fixed loads spread over fewer units.
  const prodDays = complete.filter((d) => dayOut[d]! > 0);
  const medianOf = (xs: number[]) => {
    const v = [...xs].sort((a2, b2) => a2 - b2);
    return v.length
      ? v.length % 2
        ? v[(v.length - 1) / 2]!
        : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2
      : 0;
  };
  const typicalPlanned = medianOf(prodDays.map((d) => dayPlanned[d]!));
  const typicalOut = medianOf(prodDays.map((d) => dayOut[d]!));
  const fullDays = prodDays.filter(
    (d) => (!grid.hasCalendar || dayPlanned[d]! >= 0.9 * typicalPlanned) && dayOut[d]! >= 0.5 * typicalOut,
  );
  if (!(units > 0)) return null;
  const product = ctx.registry.factory.products.find((p) => p.id === line.productId);
  const unit = product?.unit ?? 'pcs';
  const secKwh = kwh / units;
  const secKgce = kgce / units;
  const bm = product?.benchmarkKey
    ? ctx.book.data.benchmarks.entries.find((b) => b.key === product.benchmarkKey)
    : undefined;
  const bmSec = bm
    ? bm.unit === `kgce/${unit}`
      ? secKgce
      : bm.unit === `kWh/${unit}`
        ? secKwh
        : null
    : null;
  const base = {
    series: [
      ...e.meters.map((id) => seriesRef(ctx, id, 'activeEnergyImport')),
      seriesRef(ctx, line.source.deviceId, line.source.metric),
    ],
    figures: [
      fig('secKwh', '单位产品电耗', 'Electricity per unit', secKwh, `kWh/${unit}`),
      fig('secKgce', '单位产品综合能耗', 'Energy per unit', secKgce, `kgce/${unit}`),
      fig('output', '合格产量', 'Good output', units, unit),
      fig('energyKwh', '产线电量', 'Line electricity', kwh, 'kWh'),
      fig('completeDays', '计入的完整日', 'Whole days counted', complete.length, 'd'),
      fig(
        'partialDays',
        '剔除的不完整生产日',
        'Partial production days left out',
        prodDays.length - fullDays.length,
        'd',
      ),
    ],
  };
  indicators.push({
    key: `sec:${line.assetPath}`,
    label: t(`${lineName} 单位产品能耗`, `${lineName} energy per unit`),
    value: bmSec ?? secKwh,
    unit: bm && bmSec !== null ? bm.unit : `kWh/${unit}`,
    where: line.assetPath,
    reference:
      bm && bmSec !== null
        ? [
            {
              kind: 'benchmark',
              value: ctx.book.value(`benchmark.${bm.key}.benchmark`),
              source: bm.source,
              confidence: bm.confidence,
            },
            {
              kind: 'baseline',
              value: ctx.book.value(`benchmark.${bm.key}.baseline`),
              source: bm.source,
              confidence: bm.confidence,
            },
          ]
        : [],
    assessment: 'unknown',
    basis: line.source.assumption ?? 'energy of the line meters ÷ good output',
  });
  const ind = indicators[indicators.length - 1]!;
  if (bm && bmSec !== null) {
    const benchmark = ctx.book.value(`benchmark.${bm.key}.benchmark`);
    const baseline = ctx.book.value(`benchmark.${bm.key}.baseline`);
    ind.assessment = bmSec > baseline ? 'worse' : bmSec > benchmark ? 'within' : 'better';
    if (bmSec <= benchmark) return null;
    const share = (bmSec - benchmark) / bmSec;
    return finding(ctx, line, lineName, bmSec > baseline ? 'high' : 'medium', base, {
      what: t(
        `单位产品能耗 ${round(bmSec, 2)} ${bm.unit}，${bmSec > baseline ? `劣于基准水平 ${baseline}` : `介于基准 ${baseline} 与标杆 ${benchmark} 之间`}（${bm.label}，${bm.confidence}）。`,
        `Energy per unit ${round(bmSec, 2)} ${bm.unit} is ${bmSec > baseline ? `worse than the baseline level ${baseline}` : `between the baseline ${baseline} and the benchmark ${benchmark}`} (${bm.label}, ${bm.confidence}).`,
      ),
      observedKwh: share * kwh,
      otherKgce: share * (kgce - kwh * ctx.kgcePerKwh),
      observedHours: complete.length * 24,
      assumption: t(
        `降至标杆水平 ${benchmark} ${bm.unit}，各能源按比例减少`,
        `brought down to the benchmark ${benchmark} ${bm.unit}, all media in proportion`,
      ),
    });
  }
  // Own history: the last 7 full production days against the median full production day.
  const days = fullDays;
  if (days.length < 8) return null;
  const secs = days.map((d) => dayKwh[d]! / dayOut[d]!).sort((a, b) => a - b);
  const median =
    secs.length % 2
      ? secs[(secs.length - 1) / 2]!
      : (secs[secs.length / 2 - 1]! + secs[secs.length / 2]!) / 2;
  const last = days.slice(-7);
  const lastKwh = last.reduce((s, d) => s + dayKwh[d]!, 0);
  const lastOut = last.reduce((s, d) => s + dayOut[d]!, 0);
  const lastSec = lastKwh / lastOut;
  ind.reference = [{ kind: 'history', value: median, source: 'median production day of the period' }];
  ind.assessment =
    lastSec > median * (1 + ctx.settings.unitConsumption.ownHistoryWorseShare) ? 'worse' : 'within';
  if (ind.assessment !== 'worse') return null;
  base.figures.push(
    fig('medianDaySec', '期内中位日单耗', 'Median day', median, `kWh/${unit}`),
    fig('last7Sec', '最近7个生产日单耗', 'Last 7 production days', lastSec, `kWh/${unit}`),
  );
  return finding(ctx, line, lineName, 'low', base, {
    what: t(
      `最近 7 个生产日单位产品电耗 ${round(lastSec, 3)} kWh/${unit}，比期内中位日 ${round(median, 3)} 高 ${round((lastSec / median - 1) * 100, 1)}%。`,
      `Electricity per unit over the last 7 production days is ${round(lastSec, 3)} kWh/${unit}, ${round((lastSec / median - 1) * 100, 1)} % above the period's median day (${round(median, 3)}).`,
    ),
    observedKwh: (lastSec - median) * lastOut,
    otherKgce: 0,
    observedHours: (last[last.length - 1]! - last[0]! + 1) * 24,
    assumption: t('回到期内中位日单耗', 'back to the median day of the period'),
  });
}

function finding(
  ctx: DiagnosisContext,
  line: LineOutputSeries,
  lineName: string,
  severity: Finding['severity'],
  evidence: Finding['evidence'],
  s: {
    what: Finding['what'];
    observedKwh: number;
    otherKgce: number;
    assumption: Finding['what'];
    observedHours?: number;
  },
): Finding {
  return {
    id: `unitConsumption:${line.assetPath}`,
    rule: 'unitConsumption',
    category: 'energyEfficiency',
    severity,
    title: t(`${lineName}单位产品能耗偏高`, `${lineName}: high energy per unit`),
    what: s.what,
    where: { assetPath: line.assetPath, name: lineName },
    when: wholePeriod(ctx),
    evidence,
    saving: ctx.saving({
      rule: 'unitConsumption',
      deviceId: line.assetPath,
      observedKwh: s.observedKwh,
      observedOtherKgce: s.otherKgce,
      observedCostCny: null,
      assumptions: [
        s.assumption,
        t('费用未计（产线电量未按时段计价）', 'cost not computed for line-level savings'),
      ],
      ...(s.observedHours ? { observedHours: s.observedHours } : {}),
    }),
    recommendation: t(
      '对比高单耗日的生产组织（批量、换型、空转、返工），固化低单耗日的做法；对照行业先进水平制定节能改造计划。',
      'Compare the organisation of high-consumption days (batch sizes, changeovers, idling, rework) with the best days and standardise on them; plan retrofits against the sector’s advanced level.',
    ),
    basis: unitConsumption.basis,
  };
}
