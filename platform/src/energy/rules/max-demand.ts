import type { DiagnosisContext } from '../context.js';
import { type Finding, type IndicatorInput, t } from '../finding.js';
import { SLOT_MS } from '../slots.js';
import type { TreeNode } from '../tree.js';
import { fig, nameOf, type Rule, round, seriesRef, whereOf, wholePeriod } from './rule.js';

/**
 * Rule 5 — 15-minute maximum demand at the billing point. Demand is the mean power of each fixed
 * quarter-hour window (kWh × 4), the windows aligned to the clock as the billing meter's are. Per month:
 * the maximum, the short peaks that set it (quarter-hours above the median of the ±1 h around them), the
 * sustained level left after shaving them, and against the contract demand the >105 % double-billing rule.
 */
export const maxDemand: Rule = {
  id: 'maxDemand',
  category: 'energyManagement',
  title: t('最大需量与削峰', 'Maximum demand and peak shaving'),
  basis: [
    'Two-part tariff: 15-min maximum demand, >105 % of contract demand billed double (reference §7)',
    'Load factor = P_avg / P_max (reference §9)',
  ],
  run(ctx) {
    const elec = [...ctx.tree.nodes.values()].filter((n) => n.medium === 'electricity' && n.series >= 0);
    const mains = elec.filter((n) => n.role === 'mainIncomer');
    const billing = mains.length ? mains : elec.filter((n) => n.parent === null);
    if (!billing.length) return { findings: [], skipped: t('无计费点电表数据', 'no billing-meter data') };
    const findings: Finding[] = [];
    const indicators: IndicatorInput[] = [];
    for (const node of billing) {
      const f = diagnoseMeter(ctx, node, indicators);
      if (f) findings.push(f);
    }
    return { findings, indicators };
  },
};

/** Median of d over [i − half, i + half] for every i, NaN-skipping (small window: insertion sort). */
export function slidingMedian(d: Float64Array, half: number): Float64Array {
  const out = new Float64Array(d.length);
  const w = new Float64Array(2 * half + 1);
  for (let i = 0; i < d.length; i++) {
    let m = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(d.length - 1, i + half); j++) {
      const v = d[j]!;
      if (Number.isNaN(v)) continue;
      let k = m++;
      while (k > 0 && w[k - 1]! > v) {
        w[k] = w[k - 1]!;
        k--;
      }
      w[k] = v;
    }
    out[i] = m === 0 ? Number.NaN : m % 2 ? w[(m - 1) >> 1]! : (w[m / 2 - 1]! + w[m / 2]!) / 2;
  }
  return out;
}

function diagnoseMeter(ctx: DiagnosisContext, node: TreeNode, indicators: IndicatorInput[]): Finding | null {
  const s = ctx.settings.demand;
  const { grid } = ctx;
  const kwh = ctx.meterById.get(node.id)!.consumption.values;
  const d = new Float64Array(grid.n);
  for (let i = 0; i < grid.n; i++) d[i] = kwh[i]! * 4;
  const sustained = slidingMedian(d, s.sustainedWindowHalfSlots);
  const contract = ctx.registry.factory.contractDemandKw;
  const price = ctx.options.demandPriceCnyPerKwMonth;
  const thr = ctx.book.value('tariff.demandExceedance');
  const mult = ctx.book.value('tariff.demandExceedanceMultiplier');
  const penalty = (kw: number) =>
    contract && price ? Math.max(0, kw - thr * contract) * price * (mult - 1) : 0;
  const months = grid.months.map(() => ({ max: Number.NaN, at: -1, sustained: Number.NaN, sum: 0, n: 0 }));
  for (let i = 0; i < grid.n; i++) {
    const m = months[grid.month[i]!]!;
    const v = d[i]!;
    if (Number.isNaN(v)) continue;
    m.sum += v;
    m.n++;
    if (!(v <= m.max)) {
      m.max = v;
      m.at = i;
    }
    const sv = sustained[i]!;
    if (!(sv <= m.sustained)) m.sustained = sv;
  }
  const name = nameOf(ctx, node.id);
  const peaks: { i: number; kw: number; sustained: number }[] = [];
  let savingCny = 0;
  let worst = { shave: 0, month: -1 };
  let exceeded = false;
  months.forEach((m, g) => {
    if (!m.n) return;
    const shave = Math.max(0, m.max - m.sustained);
    indicators.push({
      key: `maxDemand:${node.id}:${grid.months[g]!.key}`,
      label: t(`${name} ${grid.months[g]!.key} 最大需量`, `${name} ${grid.months[g]!.key} maximum demand`),
      value: m.max,
      unit: 'kW',
      where: node.id,
      reference: contract ? [{ kind: 'target', value: contract, source: 'contract demand' }] : [],
      assessment: contract ? (m.max > thr * contract ? 'worse' : 'within') : 'unknown',
      basis: '15-min block demand, quarter-hour aligned',
    });
    indicators.push({
      key: `loadFactor:${node.id}:${grid.months[g]!.key}`,
      label: t(`${name} ${grid.months[g]!.key} 负荷率`, `${name} ${grid.months[g]!.key} load factor`),
      value: m.sum / m.n / m.max,
      unit: '1',
      where: node.id,
      basis: 'LF = P_avg / P_max (opengrid)',
    });
    if (contract && m.max > thr * contract) exceeded = true;
    if (shave > worst.shave) worst = { shave, month: g };
    if (price) savingCny += shave * price + penalty(m.max) - penalty(m.sustained);
    const monthPeaks: typeof peaks = [];
    for (let i = 0; i < grid.n; i++)
      if (grid.month[i] === g && d[i]! > m.sustained)
        monthPeaks.push({ i, kw: d[i]!, sustained: sustained[i]! });
    monthPeaks.sort((a, b) => b.kw - a.kw || a.i - b.i);
    peaks.push(...monthPeaks.slice(0, s.topPeaks));
  });
  const overall = months.reduce((a, b) => (b.n && !(b.max <= a.max) ? b : a), months[0]!);
  if (!overall.n) return null;
  const shareShave = worst.shave / overall.max;
  if (!exceeded && shareShave < s.minShaveShare) return null;
  const monthsObserved = months.filter((m) => m.n).length;
  const local = (i: number) =>
    new Date(grid.fromMs + i * SLOT_MS + grid.utcOffsetMinutes * 60_000)
      .toISOString()
      .slice(0, 16)
      .replace('T', ' ');
  const worstMonth = months[worst.month] ?? overall;
  return {
    id: `maxDemand:${node.id}`,
    rule: 'maxDemand',
    category: 'energyManagement',
    severity: exceeded ? 'high' : 'low',
    title: exceeded
      ? t(`${name}最大需量超过合同需量`, `${name}: maximum demand above the contract`)
      : t(`${name}存在可削减的短时需量尖峰`, `${name}: short demand peaks that can be shaved`),
    what: t(
      `最大需量 ${round(overall.max, 1)} kW（${local(overall.at)}）${contract ? `，为合同需量 ${contract} kW 的 ${round((overall.max / contract) * 100, 1)}%` : ''}；持续负荷水平 ${round(worstMonth.sustained, 1)} kW，削去短时尖峰可降低约 ${round(worst.shave, 1)} kW。`,
      `Maximum demand ${round(overall.max, 1)} kW (${local(overall.at)})${contract ? `, ${round((overall.max / contract) * 100, 1)} % of the ${contract} kW contract` : ''}; the sustained level is ${round(worstMonth.sustained, 1)} kW, so shaving the short peaks lowers it by about ${round(worst.shave, 1)} kW.`,
    ),
    where: whereOf(ctx, node.id),
    when: { ...wholePeriod(ctx), label: local(overall.at) },
    evidence: {
      series: [seriesRef(ctx, node.id, 'activeEnergyImport')],
      figures: [
        fig('maxDemandKw', '最大需量', 'Maximum demand', overall.max, 'kW'),
        fig('sustainedKw', '持续负荷水平', 'Sustained level', worstMonth.sustained, 'kW'),
        fig('shaveKw', '可削减需量', 'Shaveable demand', worst.shave, 'kW'),
        fig('contractKw', '合同需量', 'Contract demand', contract ?? null, 'kW'),
        fig(
          'utilisationPct',
          '需量利用率',
          'Demand utilisation',
          contract ? (overall.max / contract) * 100 : null,
          '%',
        ),
        fig(
          'savingCny',
          '观测期基本电费节省',
          'Basic-charge saving in the period',
          price ? savingCny : null,
          'CNY',
        ),
      ],
      table: {
        columns: [t('时间', 'Time'), t('需量 kW', 'Demand kW'), t('前后1小时中位 kW', '±1 h median kW')],
        rows: peaks.map((p) => [local(p.i), round(p.kw, 1), round(p.sustained, 1)]),
      },
    },
    saving: ctx.saving({
      rule: 'maxDemand',
      deviceId: node.id,
      observedKwh: 0,
      observedCostCny: price ? savingCny : null,
      observedHours: (monthsObserved * ctx.settings.annualHours) / 12,
      assumptions: [
        t(
          '尖峰负荷错峰运行（电量转移，不减少）',
          'peak loads are rescheduled (energy moves, it is not saved)',
        ),
        price
          ? t(`需量电价 ${price} 元/(kW·月)`, `demand price ${price} ¥/(kW·month)`)
          : t('未配置需量电价，未计费用', 'no demand price configured: cost not computed'),
      ],
    }),
    recommendation: t(
      '错开大功率设备的启动和同时运行（启动顺序控制、需量控制器），必要时配置储能削峰；按实际需量调整合同需量。',
      'Stagger start-ups and simultaneous running of large loads (sequencing, a demand controller), consider storage for peak shaving, and revise the contract demand to the real need.',
    ),
    basis: maxDemand.basis,
  };
}
