import type { DiagnosisContext } from '../context.js';
import { type DemandSource, type Shaving, shaveMonth, slotDemand } from '../demand.js';
import { type Finding, type IndicatorInput, t } from '../finding.js';
import { SLOT_MS } from '../slots.js';
import type { TreeNode } from '../tree.js';
import { robustSigma } from '../windows.js';
import { fig, nameOf, type Rule, round, seriesRef, whereOf, wholePeriod } from './rule.js';

/**
 * Rule 5 — maximum demand at the billing point as the billing meter measures it: the 15-min demand sliding
 * every minute (滑差, demand.ts) from the meter's minute data or demand register. Per month: the maximum,
 * the excursions that set it and what shaving them takes off (plateau-aware: a 2-hour plateau is an
 * excursion, a shift's sustained load is not), the contract utilisation and the >105 % double billing
 * (发改办价格〔2016〕1583号) counted on the sliding windows.
 */
export const maxDemand: Rule = {
  id: 'maxDemand',
  category: 'energyManagement',
  title: t('最大需量与削峰', 'Maximum demand and peak shaving'),
  basis: [
    'Two-part tariff: maximum demand = 15-min demand sliding every 1 min (滑差), >105 % of contract demand billed double (reference §7, §10)',
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

const SOURCE_TEXT: Record<DemandSource, { zh: string; en: string }> = {
  minuteCounter: {
    zh: '按分钟电量计算的 15 分钟滑差需量',
    en: '15-min demand sliding every minute, from minute energy',
  },
  register: { zh: '电表需量寄存器（滑差）', en: "the meter's demand register (sliding)" },
  fixedBlocks: {
    zh: '固定 15 分钟时段（无分钟数据；低估计费用滑差最大需量）',
    en: 'fixed 15-min blocks (no minute data: understates the billed sliding maximum)',
  },
};

type Month = { g: number; slots: number[]; sum: number; n: number; shave: Shaving | null; over: number };

function diagnoseMeter(ctx: DiagnosisContext, node: TreeNode, indicators: IndicatorInput[]): Finding | null {
  const s = ctx.settings.demand;
  const { grid } = ctx;
  const { kw: d, source } = slotDemand(ctx.meterById.get(node.id)!, grid.n);
  const contract = ctx.registry.factory.contractDemandKw;
  const price = ctx.options.demandPriceCnyPerKwMonth;
  const thr = ctx.book.value('tariff.demandExceedance');
  const mult = ctx.book.value('tariff.demandExceedanceMultiplier');
  const penalty = (kw: number) =>
    contract && price ? Math.max(0, kw - thr * contract) * price * (mult - 1) : 0;
  const months: Month[] = grid.months.map((_, g) => ({ g, slots: [], sum: 0, n: 0, shave: null, over: 0 }));
  for (let i = 0; i < grid.n; i++) {
    const m = months[grid.month[i]!]!;
    m.slots.push(i);
    if (Number.isNaN(d[i]!)) continue;
    m.sum += d[i]!;
    m.n++;
    if (contract && d[i]! > thr * contract) m.over++;
  }
  const mergeSlots = Math.round((s.mergeGapMinutes * 60_000) / SLOT_MS);
  const peakSlots = Math.round((s.maxPeakHours * 3_600_000) / SLOT_MS);
  const name = nameOf(ctx, node.id);
  let savingCny = 0;
  let worst: Month | null = null;
  let overall: Month | null = null;
  let exceeded = false;
  for (const m of months) {
    if (!m.n) continue;
    const vals = m.slots.map((i) => d[i]!).filter((v) => !Number.isNaN(v));
    const max = Math.max(...vals);
    // Noise of the demand around its rolling median sets how far an excursion must stand out.
    const delta = Math.max(s.minPeakShare * max, s.peakSigma * residualSigma(d, m.slots, peakSlots));
    m.shave = shaveMonth(d, m.slots, peakSlots, mergeSlots, delta);
    if (!m.shave) continue;
    const key = grid.months[m.g]!.key;
    indicators.push({
      key: `maxDemand:${node.id}:${key}`,
      label: t(`${name} ${key} 最大需量`, `${name} ${key} maximum demand`),
      value: m.shave.maxKw,
      unit: 'kW',
      where: node.id,
      reference: contract ? [{ kind: 'target', value: contract, source: 'contract demand' }] : [],
      assessment: contract ? (m.shave.maxKw > thr * contract ? 'worse' : 'within') : 'unknown',
      basis: SOURCE_TEXT[source].en,
    });
    indicators.push({
      key: `loadFactor:${node.id}:${key}`,
      label: t(`${name} ${key} 负荷率`, `${name} ${key} load factor`),
      value: m.sum / m.n / m.shave.maxKw,
      unit: '1',
      where: node.id,
      basis: 'LF = P_avg / P_max (opengrid)',
    });
    if (contract && m.shave.maxKw > thr * contract) exceeded = true;
    if (!worst || m.shave.shaveKw > worst.shave!.shaveKw) worst = m;
    if (!overall || m.shave.maxKw > overall.shave!.maxKw) overall = m;
    if (price)
      savingCny += m.shave.shaveKw * price + penalty(m.shave.maxKw) - penalty(m.shave.withoutPeaksKw);
  }
  if (!worst?.shave || !overall?.shave) return null;
  const shareShave = worst.shave.shaveKw / overall.shave.maxKw;
  if (!exceeded && shareShave < s.minShaveShare) return null;
  const monthsObserved = months.filter((m) => m.n).length;
  const local = (i: number) =>
    new Date(grid.fromMs + i * SLOT_MS + grid.utcOffsetMinutes * 60_000)
      .toISOString()
      .slice(0, 16)
      .replace('T', ' ');
  const max = overall.shave.maxKw;
  const overWindows = months.reduce((a, m) => a + m.over, 0);
  const exceedKw = contract ? Math.max(0, max - thr * contract) : 0;
  return {
    id: `maxDemand:${node.id}`,
    rule: 'maxDemand',
    category: 'energyManagement',
    severity: exceeded ? 'high' : 'low',
    title: exceeded
      ? t(`${name}最大需量超过合同需量`, `${name}: maximum demand above the contract`)
      : t(`${name}存在可削减的需量尖峰`, `${name}: demand peaks that can be shaved`),
    what: t(
      `最大需量 ${round(max, 1)} kW（${local(overall.shave.maxSlot)}，${SOURCE_TEXT[source].zh}）${contract ? `，为合同需量 ${contract} kW 的 ${round((max / contract) * 100, 1)}%${exceedKw > 0 ? `，超过 105% 的 ${round(exceedKw, 1)} kW 按两倍计费（${overWindows} 个刻钟超限）` : ''}` : ''}；削去 ${worst.shave.peaks.length} 段短时高峰后为 ${round(worst.shave.withoutPeaksKw, 1)} kW，可降低约 ${round(worst.shave.shaveKw, 1)} kW。`,
      `Maximum demand ${round(max, 1)} kW (${local(overall.shave.maxSlot)}, ${SOURCE_TEXT[source].en})${contract ? `, ${round((max / contract) * 100, 1)} % of the ${contract} kW contract${exceedKw > 0 ? `; ${round(exceedKw, 1)} kW above 105 % is billed double (${overWindows} quarter-hours over)` : ''}` : ''}; with ${worst.shave.peaks.length} short excursions shaved it is ${round(worst.shave.withoutPeaksKw, 1)} kW, about ${round(worst.shave.shaveKw, 1)} kW lower.`,
    ),
    where: whereOf(ctx, node.id),
    when: { ...wholePeriod(ctx), label: local(overall.shave.maxSlot) },
    evidence: {
      series: [seriesRef(ctx, node.id, source === 'register' ? 'demand15' : 'activeEnergyImport')],
      figures: [
        fig('maxDemandKw', '最大需量', 'Maximum demand', max, 'kW'),
        fig(
          'sustainedKw',
          '削峰后需量',
          'Demand with the excursions shaved',
          worst.shave.withoutPeaksKw,
          'kW',
        ),
        fig('shaveKw', '可削减需量', 'Shaveable demand', worst.shave.shaveKw, 'kW'),
        fig('contractKw', '合同需量', 'Contract demand', contract ?? null, 'kW'),
        fig(
          'utilisationPct',
          '需量利用率',
          'Demand utilisation',
          contract ? (max / contract) * 100 : null,
          '%',
        ),
        fig('exceedanceKw', '超过105%部分', 'Above 105 % of the contract', contract ? exceedKw : null, 'kW'),
        fig(
          'exceedanceQuarterHours',
          '超限刻钟数',
          'Quarter-hours above 105 %',
          contract ? overWindows : null,
          '1',
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
        columns: [t('开始', 'Start'), t('峰值 kW', 'Peak kW'), t('周边负荷 kW', 'Load around kW')],
        rows: worst.shave.peaks
          .sort((a, b) => b.peakKw - a.peakKw)
          .slice(0, s.topPeaks)
          .map((p) => [local(p.start), round(p.peakKw, 1), round(p.aroundKw, 1)]),
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
    basis: [...maxDemand.basis, `demand source: ${SOURCE_TEXT[source].en}`],
  };
}

/** Robust σ of the demand around its rolling median over the month's slots. */
function residualSigma(d: Float64Array, slots: number[], half: number): number {
  const vals = Float64Array.from(slots, (i) => d[i]!);
  const out: number[] = [];
  const w = new Float64Array(2 * half + 1);
  for (let k = 0; k < vals.length; k++) {
    if (Number.isNaN(vals[k]!)) continue;
    const lo = Math.max(0, k - half);
    const hi = Math.min(vals.length, k + half + 1);
    const len = sortedKnown(vals, lo, hi, w);
    out.push(vals[k]! - w[len >> 1]!);
  }
  return robustSigma(out);
}

/**
 * The known values of vals[lo, hi) into `into`, sorted by insertion — a stable sort with the comparator
 * a − b, so the order (and the median picked) is the one Array.prototype.sort gives, without an array and a
 * closure per quarter-hour of the month. Returns how many.
 */
function sortedKnown(vals: Float64Array, lo: number, hi: number, into: Float64Array): number {
  let len = 0;
  for (let i = lo; i < hi; i++) {
    const v = vals[i]!;
    if (Number.isNaN(v)) continue;
    let j = len;
    while (j > 0 && into[j - 1]! - v > 0) {
      into[j] = into[j - 1]!;
      j--;
    }
    into[j] = v;
    len++;
  }
  return len;
}
