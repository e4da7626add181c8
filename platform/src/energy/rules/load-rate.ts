import type { FactoryProfile } from '../../registry/model.js';
import type { DiagnosisContext } from '../context.js';
import { type Finding, type IndicatorInput, type Severity, t } from '../finding.js';
import { fig, nameOf, type Rule, round, seriesRef, whereOf, wholePeriod } from './rule.js';

/**
 * Rule 8 — load rate of transformers against their economic range (GB/T 13462: β_econ = √(P0/Pk), best
 * zone [1.33·β_econ², 0.75], loading above 0.85 flagged) and of motors / equipment with a rating in the
 * registry (GB/T 12497: ≥ 60 % economic, 40–60 % acceptable, < 40 % uneconomic). Transformer losses
 * P0 + β²·Pk are integrated over the quarter-hours.
 */
export const loadRate: Rule = {
  id: 'loadRate',
  category: 'keyEquipment',
  title: t('变压器与电机负载率', 'Transformer and motor load rate'),
  basis: ['GB/T 13462-2008 电力变压器经济运行', 'GB/T 12497-2006 三相异步电动机经济运行'],
  run(ctx) {
    const findings: Finding[] = [];
    const indicators: IndicatorInput[] = [];
    for (const tr of ctx.registry.factory.transformers) {
      const f = transformer(ctx, tr, indicators);
      if (f) findings.push(f);
    }
    // Compressors cycle load/unload by design: their efficiency is the compressed-air rule's (specific power).
    const trMeters = new Set([
      ...ctx.registry.factory.transformers.map((x) => x.meterDeviceId),
      ...ctx.compressors.map((c) => c.meterId),
    ]);
    const seen = new Set<string>();
    const equipment: Equipment[] = [];
    for (const m of ctx.machines) {
      if (m.meterId) seen.add(m.meterId);
      // A meter shared by several machines says nothing about one machine's load rate.
      if (m.meterId && !m.meterShared && m.ratedPowerKw && !trMeters.has(m.meterId))
        equipment.push({
          id: m.deviceId,
          meterId: m.meterId,
          ratedKw: m.ratedPowerKw,
          exec: m.occ?.exec ?? null,
          standbyKw: m.standbyPowerKw,
        });
    }
    for (const n of ctx.tree.nodes.values())
      if (n.role === 'equipment' && n.ratedPowerKw && n.series >= 0 && !seen.has(n.id) && !trMeters.has(n.id))
        equipment.push({ id: n.id, meterId: n.id, ratedKw: n.ratedPowerKw, exec: null, standbyKw: null });
    for (const e of equipment) {
      const f = motor(ctx, e, indicators);
      if (f) findings.push(f);
    }
    if (!ctx.registry.factory.transformers.length && !equipment.length)
      return {
        findings,
        skipped: t('注册表中无变压器或设备额定功率', 'no transformer or equipment ratings in the registry'),
      };
    return { findings, indicators };
  },
};

function transformer(
  ctx: DiagnosisContext,
  tr: FactoryProfile['transformers'][number],
  indicators: IndicatorInput[],
): Finding | null {
  const m = ctx.meterById.get(tr.meterDeviceId);
  if (!m) return null;
  const kwh = m.consumption.values;
  const kvarh = m.reactiveKvarh?.values;
  let sumBeta = 0;
  let maxBeta = 0;
  let n = 0;
  let lossKwh = 0;
  let energy = 0;
  for (let i = 0; i < ctx.grid.n; i++) {
    const p = kwh[i]! * 4;
    if (Number.isNaN(p)) continue;
    const q = kvarh ? kvarh[i]! * 4 : 0;
    const beta = Math.hypot(p, Number.isNaN(q) ? 0 : q) / tr.ratedKva;
    sumBeta += beta;
    if (beta > maxBeta) maxBeta = beta;
    n++;
    lossKwh += (tr.noLoadLossKw + beta * beta * tr.loadLossKw) * 0.25;
    energy += kwh[i]!;
  }
  if (!n) return null;
  const beta = sumBeta / n;
  const betaEcon = Math.sqrt(tr.noLoadLossKw / tr.loadLossKw);
  const low = ctx.book.value('transformer.bestZoneLower') * betaEcon * betaEcon;
  const high = ctx.book.value('transformer.bestZoneUpper');
  const over = ctx.book.value('transformer.highLoadFlag');
  const state = maxBeta > over ? 'overload' : beta < low ? 'light' : beta > high ? 'heavy' : 'economic';
  indicators.push({
    key: `transformerLoad:${tr.id}`,
    label: t(`变压器 ${tr.id} 平均负载率`, `Transformer ${tr.id} mean load rate`),
    value: beta,
    unit: '1',
    where: tr.meterDeviceId,
    reference: [
      {
        kind: 'limit',
        value: low,
        source: 'GB/T 13462-2008 best zone lower bound 1.33·β_econ²',
        confidence: 'R',
      },
      { kind: 'limit', value: high, source: 'GB/T 13462-2008 best zone upper bound', confidence: 'R' },
    ],
    assessment: state === 'economic' ? 'within' : 'worse',
    basis: 'β = S/S_N; β_econ = √(P0/Pk)',
  });
  if (state === 'economic') return null;
  const severity: Severity = state === 'overload' ? 'medium' : 'low';
  const text = {
    overload: t('最大负载率超过 0.85，存在过载风险', 'peak load above 0.85 of rating: overload risk'),
    light: t('长期轻载，空载损耗占比高', 'lightly loaded: no-load losses dominate'),
    heavy: t('平均负载率高于经济区上限', 'mean load above the economic zone'),
  }[state];
  const label = `${tr.id}（${nameOf(ctx, tr.meterDeviceId)}）`;
  return {
    id: `transformerLoad:${tr.id}`,
    rule: 'loadRate',
    category: 'keyEquipment',
    severity,
    title: t(`变压器 ${label}：${text.zh}`, `Transformer ${label}: ${text.en}`),
    what: t(
      `平均负载率 ${round(beta, 3)}，最大 ${round(maxBeta, 3)}；经济负载率 ${round(betaEcon, 3)}，最佳区间 ${round(low, 3)}～${high}；观测期变压器损耗 ${round(lossKwh, 1)} kWh（${round((lossKwh / energy) * 100, 2)}%）。`,
      `Mean load rate ${round(beta, 3)}, maximum ${round(maxBeta, 3)}; economic load rate ${round(betaEcon, 3)}, best zone ${round(low, 3)}–${high}; transformer losses ${round(lossKwh, 1)} kWh in the period (${round((lossKwh / energy) * 100, 2)} %).`,
    ),
    where: whereOf(ctx, tr.meterDeviceId),
    when: wholePeriod(ctx),
    evidence: {
      series: [
        seriesRef(ctx, tr.meterDeviceId, 'activeEnergyImport'),
        ...(kvarh ? [seriesRef(ctx, tr.meterDeviceId, 'reactiveEnergyImport')] : []),
      ],
      figures: [
        fig('meanLoadRate', '平均负载率', 'Mean load rate', beta, '1'),
        fig('maxLoadRate', '最大负载率', 'Maximum load rate', maxBeta, '1'),
        fig('economicLoadRate', '经济负载率 √(P0/Pk)', 'Economic load rate √(P0/Pk)', betaEcon, '1'),
        fig('bestZoneLow', '最佳区间下限', 'Best zone lower bound', low, '1'),
        fig('lossKwh', '观测期损耗', 'Losses in the period', lossKwh, 'kWh'),
      ],
    },
    recommendation:
      state === 'light'
        ? t(
            '合并负荷、停运轻载变压器或在非生产时段退出备用变压器；更新时选用容量匹配的节能型变压器。',
            'Consolidate loads and take lightly loaded transformers out of service (at least outside production); size replacements to the load with high-efficiency units.',
          )
        : t(
            '转移部分负荷或增容，避免长期高负载运行。',
            'Move load to other transformers or add capacity to avoid sustained high loading.',
          ),
    basis: [
      `GB/T 13462-2008: β_econ = √(P0/Pk) (${ctx.book.data.economics.transformer.economicLoadFormula.confidence}); best zone [1.33·β_econ², 0.75] (R)`,
    ],
  };
}

type Equipment = {
  id: string;
  meterId: string;
  ratedKw: number;
  /** Share of each quarter-hour the machine executes (its states), when known. */
  exec: Float32Array | null;
  standbyKw: number | null;
};

/**
 * Running load rate = mean power while running ÷ rated power (GB/T 12497). Running: quarter-hours the
 * machine executes (at least half of it) when its states are known — idling and standby are not running —
 * else power above both 5 % of the rating and 1.5 × its standby power.
 */
function motor(ctx: DiagnosisContext, e: Equipment, indicators: IndicatorInput[]): Finding | null {
  const kwh = ctx.meterById.get(e.meterId)!.consumption.values;
  const minKw = Math.max(ctx.settings.loadRate.minRunningShareOfRated * e.ratedKw, 1.5 * (e.standbyKw ?? 0));
  let sum = 0;
  let n = 0;
  for (let i = 0; i < ctx.grid.n; i++) {
    const p = kwh[i]! * 4;
    if (Number.isNaN(p)) continue;
    if (e.exec ? e.exec[i]! < 0.5 : p <= minKw) continue;
    sum += p;
    n++;
  }
  if (!n) return null;
  const rate = sum / n / e.ratedKw;
  const economic = ctx.book.value('motor.economicFrom');
  const acceptable = ctx.book.value('motor.acceptableFrom');
  indicators.push({
    key: `equipmentLoad:${e.id}`,
    label: t(`${nameOf(ctx, e.id)} 运行负载率`, `${nameOf(ctx, e.id)} running load rate`),
    value: rate,
    unit: '1',
    where: e.id,
    reference: [{ kind: 'limit', value: economic, source: 'GB/T 12497-2006', confidence: 'R' }],
    assessment: rate >= economic ? 'within' : 'worse',
    basis: 'mean running power / rated power',
  });
  if (rate >= acceptable) return null;
  return {
    id: `equipmentLoad:${e.id}`,
    rule: 'loadRate',
    category: 'keyEquipment',
    severity: 'low',
    title: t(
      `${nameOf(ctx, e.id)}负载率偏低（"大马拉小车"）`,
      `${nameOf(ctx, e.id)}: low load rate (oversized drive)`,
    ),
    what: t(
      `运行时平均功率 ${round(sum / n, 1)} kW，为额定 ${e.ratedKw} kW 的 ${round(rate * 100, 1)}%，低于 ${acceptable * 100}%（非经济运行区）。`,
      `Mean running power ${round(sum / n, 1)} kW is ${round(rate * 100, 1)} % of the ${e.ratedKw} kW rating, below ${acceptable * 100} % (uneconomic range).`,
    ),
    where: whereOf(ctx, e.id),
    when: wholePeriod(ctx),
    evidence: {
      series: [seriesRef(ctx, e.meterId, 'activeEnergyImport')],
      figures: [
        fig('loadRate', '运行负载率', 'Running load rate', rate, '1'),
        fig('ratedKw', '额定功率', 'Rated power', e.ratedKw, 'kW'),
        fig('runningHours', '运行时长', 'Running hours', n * 0.25, 'h'),
      ],
    },
    recommendation: t(
      '核算负载，更换为容量匹配的高效电机（GB 18613-2020 2 级及以上）或加装变频调速。',
      'Check the duty and replace with a correctly sized high-efficiency motor (GB 18613-2020 grade 2 or better) or add a variable-speed drive.',
    ),
    basis: ['GB/T 12497-2006 (R): ≥ 60 % economic, 40–60 % acceptable, < 40 % uneconomic'],
  };
}
