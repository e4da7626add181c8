import {
  capacitorKvar,
  creditCapPf,
  monthlyPowerFactor,
  type PfStandard,
  pfAdjustmentPct,
} from '../accounting/power-factor.js';
import type { DiagnosisContext } from '../context.js';
import { type Finding, type IndicatorInput, t } from '../finding.js';
import { KIND } from '../slots.js';
import { fig, nameOf, type Rule, round, seriesRef, whereOf } from './rule.js';

/**
 * Rule 4 — power factor per metering point and month against the supply contract's standard
 * (0.90 / 0.85 / 0.80), the 功率因数调整电费 adjustment at the billing point, and the capacitor bank that
 * would lift the PF to the table's credit cap: Qc = P·(tan φ1 − tan φ2), P = mean production-time load.
 */
export const powerFactor: Rule = {
  id: 'powerFactor',
  category: 'energyEfficiency',
  title: t('功率因数与力调电费', 'Power factor and the power-factor adjustment'),
  basis: ['功率因数调整电费办法 (83)水电财字第215号', 'Qc = P·(tan φ1 − tan φ2) (reference §9)'],
  run(ctx) {
    const std = ctx.registry.factory.powerFactorStandard as PfStandard;
    const target = creditCapPf(ctx.book, std);
    const elec = ctx.tree.order
      .map((id) => ctx.tree.nodes.get(id)!)
      .filter((n) => n.medium === 'electricity');
    const hasMain = elec.some((n) => n.role === 'mainIncomer');
    const findings: Finding[] = [];
    const indicators: IndicatorInput[] = [];
    let metered = 0;
    for (const node of elec) {
      const m = ctx.meterById.get(node.id);
      if (!m?.reactiveKvarh) continue;
      metered++;
      const billing = hasMain ? node.role === 'mainIncomer' : node.parent === null;
      const rows = monthlyRows(ctx, m.consumption.values, m.reactiveKvarh.values, std, target, billing);
      for (const r of rows)
        indicators.push({
          key: `powerFactor:${node.id}:${r.month}`,
          label: t(
            `${nameOf(ctx, node.id)} ${r.month} 功率因数`,
            `${nameOf(ctx, node.id)} ${r.month} power factor`,
          ),
          value: r.pf,
          unit: '1',
          where: node.id,
          reference: [{ kind: 'limit', value: std, source: '(83)水电财字第215号', confidence: 'S' }],
          assessment: r.pf === null ? 'unknown' : r.pf < std ? 'worse' : 'within',
          basis: 'PF = Ep/√(Ep²+Eq²), monthly, 2 decimals',
        });
      const low = rows.filter((r) => r.pf !== null && r.pf < std);
      if (!low.length) continue;
      const worst = low.reduce((a, b) => (a.pf! <= b.pf! ? a : b));
      const surchargeCny = ctx.priced ? low.reduce((s, r) => s + (r.surchargeCny ?? 0), 0) : null;
      const savingCny = ctx.priced ? rows.reduce((s, r) => s + (r.savingCny ?? 0), 0) : null;
      const name = nameOf(ctx, node.id);
      findings.push({
        id: `powerFactor:${node.id}`,
        rule: 'powerFactor',
        category: 'energyEfficiency',
        severity: billing ? (worst.adjPct >= 5 ? 'high' : 'medium') : 'low',
        title: t(`${name}功率因数低于 ${std.toFixed(2)}`, `${name}: power factor below ${std.toFixed(2)}`),
        what: t(
          `${low.length} 个月功率因数低于标准 ${std.toFixed(2)}，最低 ${worst.pf!.toFixed(2)}（${worst.month}）${billing ? `，力调电费增收 ${round(worst.adjPct, 2)}%` : '（非计费点，影响上级计费点的功率因数）'}；补偿到 ${target.toFixed(2)} 需电容约 ${round(worst.qcKvar, 1)} kvar。`,
          `${low.length} month(s) below the ${std.toFixed(2)} standard, lowest ${worst.pf!.toFixed(2)} (${worst.month})${billing ? `: the adjustment adds ${round(worst.adjPct, 2)} %` : ' (not a billing point; it pulls down the billing point)'}; reaching ${target.toFixed(2)} needs about ${round(worst.qcKvar, 1)} kvar.`,
        ),
        where: whereOf(ctx, node.id),
        when: { fromMs: worst.fromMs, toMs: worst.toMs, label: low.map((r) => r.month).join(',') },
        evidence: {
          series: [
            seriesRef(ctx, node.id, 'activeEnergyImport'),
            seriesRef(ctx, node.id, 'reactiveEnergyImport'),
          ],
          figures: [
            fig('powerFactor', '最低月功率因数', 'Lowest monthly power factor', worst.pf, '1'),
            fig('standard', '考核标准', 'Standard', std, '1'),
            fig('adjustmentPct', '力调电费调整', 'Adjustment', billing ? worst.adjPct : null, '%'),
            fig(
              'meanProductionKw',
              '生产时段平均有功功率',
              'Mean production-time active power',
              worst.meanKw,
              'kW',
            ),
            fig('capacitorKvar', '所需补偿电容', 'Capacitor needed', worst.qcKvar, 'kvar'),
            fig('targetPf', '补偿目标功率因数', 'Target power factor', target, '1'),
            fig('surchargeCny', '观测期力调增收', 'Surcharge in the period', surchargeCny, 'CNY'),
          ],
          table: {
            columns: [
              t('月份', 'Month'),
              t('有功 kWh', 'kWh'),
              t('无功 kvarh', 'kvarh'),
              t('功率因数', 'PF'),
              t('调整 %', 'Adj. %'),
              t('补偿 kvar', 'kvar'),
            ],
            rows: rows.map((r) => [
              r.month,
              round(r.kwh, 1),
              round(r.kvarh, 1),
              r.pf,
              billing ? r.adjPct : null,
              round(r.qcKvar, 1),
            ]),
          },
        },
        saving: ctx.saving({
          rule: 'powerFactor',
          deviceId: node.id,
          observedKwh: 0,
          observedCostCny: billing ? savingCny : null,
          assumptions: [
            t(
              `补偿至 ${target.toFixed(2)} 后按调整表取消增收并获得减收；调整基数为电度电费${ctx.options.demandPriceCnyPerKwMonth ? '加基本电费（最大需量）' : '（未配置基本电费单价，未计基本电费）'}`,
              `after compensation to ${target.toFixed(2)} the surcharge is removed and the table credit earned; adjustment base is the energy charge${ctx.options.demandPriceCnyPerKwMonth ? ' plus the demand-based basic charge' : ' only (no demand price configured)'}`,
            ),
            t(
              '节电量未计（无功补偿降低线损的节电量另行测算）',
              'no kWh saving counted (loss reduction from compensation not estimated)',
            ),
          ],
        }),
        recommendation: t(
          `在${billing ? '配电室' : '该回路或主要感性负载处'}加装（或检修）无功补偿装置，约 ${round(worst.qcKvar, 0)} kvar，宜自动分组投切；检查电容器容量衰减。`,
          `Install or repair reactive compensation ${billing ? 'at the substation' : 'on this feeder or at the main inductive loads'}, about ${round(worst.qcKvar, 0)} kvar, with automatic step switching; check capacitors for lost capacity.`,
        ),
        basis: powerFactor.basis,
      });
    }
    if (!metered) return { findings, indicators, skipped: t('无无功电能数据', 'no reactive-energy data') };
    return { findings, indicators };
  },
};

type MonthRow = {
  month: string;
  fromMs: number;
  toMs: number;
  kwh: number;
  kvarh: number;
  pf: number | null;
  adjPct: number;
  meanKw: number;
  qcKvar: number;
  surchargeCny: number | null;
  savingCny: number | null;
};

function monthlyRows(
  ctx: DiagnosisContext,
  kwh: Float64Array,
  kvarh: Float64Array,
  std: PfStandard,
  target: number,
  billing: boolean,
): MonthRow[] {
  const { grid } = ctx;
  const m = grid.months.length;
  const p = new Float64Array(m);
  const q = new Float64Array(m);
  const energyCny = new Float64Array(m);
  const prodKwh = new Float64Array(m);
  const prodN = new Uint32Array(m);
  const maxKw = new Float64Array(m);
  const lastSlot = new Int32Array(m);
  for (let i = 0; i < grid.n; i++) {
    const g = grid.month[i]!;
    lastSlot[g] = i;
    const a = kwh[i]!;
    const r = kvarh[i]!;
    if (Number.isNaN(a)) continue;
    if (a * 4 > maxKw[g]!) maxKw[g] = a * 4;
    energyCny[g]! += a * ctx.priceCnyPerKwh[i]!;
    if (!grid.hasCalendar || grid.kind[i] === KIND.production) {
      prodKwh[g]! += a;
      prodN[g]!++;
    }
    if (Number.isNaN(r)) continue;
    p[g]! += a;
    q[g]! += r;
  }
  const demandPrice = ctx.options.demandPriceCnyPerKwMonth;
  return grid.months.map((mo, g) => {
    const pf = monthlyPowerFactor(p[g]!, q[g]!, ctx.book.data.powerFactor.roundingDecimals);
    const exactPf = p[g]! > 0 ? p[g]! / Math.hypot(p[g]!, q[g]!) : 1;
    const adjPct = pf === null ? 0 : pfAdjustmentPct(ctx.book, std, pf);
    const meanKw = prodN[g]! ? prodKwh[g]! / prodN[g]! / 0.25 : 0;
    const base = energyCny[g]! + (demandPrice ? demandPrice * maxKw[g]! : 0);
    const capAdj = pfAdjustmentPct(ctx.book, std, target);
    const priced = ctx.priced && billing;
    return {
      month: mo.key,
      fromMs: Math.max(mo.startMs, ctx.input.period.fromMs),
      toMs: grid.fromMs + (lastSlot[g]! + 1) * 900_000,
      kwh: p[g]!,
      kvarh: q[g]!,
      pf,
      adjPct,
      meanKw,
      qcKvar: capacitorKvar(meanKw, exactPf, target),
      surchargeCny: priced ? (base * Math.max(0, adjPct)) / 100 : null,
      savingCny: priced && pf !== null && pf < target ? (base * (adjPct - capAdj)) / 100 : null,
    };
  });
}
