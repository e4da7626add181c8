import { type Finding, type IndicatorInput, t } from '../finding.js';
import type { Verification } from '../result.js';
import { tabularCusum } from '../stats/fit-metrics.js';
import { dailyData, fitOn, predictRow, quality, uncertainty } from './baseline-model.js';
import { fig, type Rule, round } from './rule.js';

/**
 * Rule 11 — energy baseline (ISO 50006 EnB; IPMVP Option C whole-facility regression): daily plant
 * electricity against daily good output (and heating/cooling degree-days when an outdoor temperature series
 * exists), goodness of fit per ASHRAE Guideline 14 (CV(RMSE), NMBE with n − p; a daily model is held to the
 * hourly limits, as the data file notes), drift by tabular CUSUM, and for each measure taken: savings after
 * its date = Σ(model − metered) with the uncertainty t·s·√(m + gᵀ(XᵀX)⁻¹g), inflated for autocorrelation.
 */
export const energyBaseline: Rule = {
  id: 'energyBaseline',
  category: 'energyManagement',
  title: t('能源基准与节能量验证', 'Energy baseline and savings verification'),
  basis: [
    'ISO 50006 / GB/T 36713-2018 energy baseline',
    'IPMVP Option C',
    'ASHRAE Guideline 14-2014 CV(RMSE), NMBE',
  ],
  run(ctx) {
    const d = dailyData(ctx);
    if (!d.terms.length)
      return {
        findings: [],
        skipped: t(
          '无产量或气温数据，无法建立回归基准',
          'no output or temperature data: no regression baseline',
        ),
      };
    const findings: Finding[] = [];
    const indicators: IndicatorInput[] = [];
    const verification: Verification[] = [];
    const minPoints = ctx.settings.baseline.minPoints;
    for (const m of ctx.options.measures) {
      const base = d.days.filter((k) => d.endMs[k]! <= m.dateMs);
      const rep = d.days.filter((k) => d.startMs[k]! >= m.dateMs);
      if (base.length < minPoints || !rep.length) continue;
      const fit = fitOn(d, base);
      if (!fit) continue;
      const q = quality(ctx, d, base, fit);
      const pred = rep.map((k) => predictRow(fit, d, k));
      const predicted = pred.reduce((a, b) => a + b, 0);
      const saved = predicted - rep.reduce((s, k) => s + d.energy[k]!, 0);
      verification.push({
        measureId: m.id,
        name: m.name,
        dateMs: m.dateMs,
        model: { ...q, terms: ['intercept', ...d.terms], coefficients: fit.beta, granularity: 'day' },
        reportingDays: rep.length,
        savedKwh: saved,
        savedFraction: predicted > 0 ? saved / predicted : null,
        uncertaintyKwh: uncertainty(ctx, d, fit, rep),
        confidence: ctx.settings.baseline.confidence,
      });
    }
    // Monitoring: baseline on the first half when there is enough data, CUSUM over the rest.
    const split = d.days.length >= 2 * minPoints ? Math.floor(d.days.length / 2) : d.days.length;
    const base = d.days.slice(0, split);
    if (base.length < minPoints)
      return {
        findings,
        verification,
        skipped: t(`完整数据日少于 ${minPoints} 天`, `fewer than ${minPoints} complete days`),
      };
    const fit = fitOn(d, base);
    if (!fit)
      return {
        findings,
        verification,
        skipped: t('回归矩阵奇异（变量无变化）', 'singular regression (a variable does not vary)'),
      };
    const q = quality(ctx, d, base, fit);
    const label = (k: string, zh: string, en: string, v: number | null, unit: string, ref?: number) =>
      indicators.push({
        key: `baseline:${k}`,
        label: t(zh, en),
        value: v,
        unit,
        reference:
          ref !== undefined
            ? [
                {
                  kind: 'limit',
                  value: ref,
                  source:
                    'ASHRAE Guideline 14-2014 (hourly pair applied to a daily model, out of sample by blocked k-fold cross-validation)',
                },
              ]
            : [],
        assessment: ref === undefined || v === null ? 'unknown' : Math.abs(v) <= ref ? 'within' : 'worse',
        basis: `E_day = ${['a', ...d.terms.map((x) => `b·${x}`)].join(' + ')}`,
      });
    label('intercept', '基准模型：日固定电耗', 'Baseline: fixed electricity per day', fit.beta[0]!, 'kWh/d');
    d.terms.forEach((term, j) => {
      label(
        term,
        `基准模型系数：${term}`,
        `Baseline coefficient: ${term}`,
        fit.beta[j + 1]!,
        `kWh/${term === 'production' ? 'unit' : 'K·d'}`,
      );
    });
    label('r2', '基准模型 R²', 'Baseline R²', q.r2, '1');
    label(
      'cvRmse',
      '基准模型 CV(RMSE)',
      'Baseline CV(RMSE)',
      q.cvRmsePct,
      '%',
      ctx.book.value('mv.hour.cvRmsePctMax'),
    );
    label('nmbe', '基准模型 NMBE', 'Baseline NMBE', q.nmbePct, '%', ctx.book.value('mv.hour.nmbePctMax'));
    const when = (a: number, b: number) => ({ fromMs: d.startMs[a]!, toMs: d.endMs[b]! });
    if (!q.passes)
      findings.push({
        id: 'energyBaseline:fit',
        rule: 'energyBaseline',
        category: 'energyManagement',
        severity: 'info',
        title: t('能源基准模型拟合度不足', 'Energy baseline does not meet Guideline 14'),
        what: t(
          `日电量对${d.terms.join('、')}回归（交叉验证，样本外）：CV(RMSE) ${round(q.cvRmsePct ?? Number.NaN, 1)}%，NMBE ${round(q.nmbePct ?? Number.NaN, 2)}%，未达 ASHRAE Guideline 14 要求，节能量不宜据此核定。`,
          `Daily electricity on ${d.terms.join(', ')}, cross-validated (out of sample): CV(RMSE) ${round(q.cvRmsePct ?? Number.NaN, 1)} %, NMBE ${round(q.nmbePct ?? Number.NaN, 2)} % — outside ASHRAE Guideline 14; do not verify savings on it.`,
        ),
        where: { name: ctx.registry.factory.name || ctx.registry.factory.id },
        when: when(base[0]!, base[base.length - 1]!),
        evidence: {
          series: d.refs(ctx),
          figures: [
            fig('cvRmsePct', 'CV(RMSE)', 'CV(RMSE)', q.cvRmsePct, '%'),
            fig('nmbePct', 'NMBE', 'NMBE', q.nmbePct, '%'),
            fig('n', '样本天数', 'Days', q.n, 'd'),
          ],
        },
        recommendation: t(
          '补充相关变量（产品结构、班次、气温）或延长基准期后重新建模。',
          'Add relevant variables (product mix, shifts, weather) or extend the baseline period and refit.',
        ),
        basis: energyBaseline.basis,
      });
    const mon = d.days.slice(split === d.days.length ? 0 : split);
    const resid = mon.map((k) => d.energy[k]! - predictRow(fit, d, k));
    const c = tabularCusum(resid, fit.s, ctx.settings.baseline.cusumK, ctx.settings.baseline.cusumH);
    if (c.direction === 'up') {
      const run = mon.slice(c.runStartIndex);
      const excess = resid.slice(c.runStartIndex).reduce((a, b) => a + b, 0);
      const modelSum = run.reduce((s, k) => s + predictRow(fit, d, k), 0);
      const hours = (d.endMs[run[run.length - 1]!]! - d.startMs[run[0]!]!) / 3.6e6;
      findings.push({
        id: 'energyBaseline:drift',
        rule: 'energyBaseline',
        category: 'energyManagement',
        severity: excess / modelSum > 0.1 ? 'medium' : 'low',
        title: t('能耗相对基准持续上升', 'Consumption drifting above the baseline'),
        what: t(
          `CUSUM 自 ${new Date(d.startMs[run[0]!]! + 8 * 3.6e6).toISOString().slice(0, 10)} 起报警：比基准多用 ${round(excess, 0)} kWh（${round((excess / modelSum) * 100, 1)}%）。`,
          `CUSUM alarm from ${new Date(d.startMs[run[0]!]! + 8 * 3.6e6).toISOString().slice(0, 10)}: ${round(excess, 0)} kWh (${round((excess / modelSum) * 100, 1)} %) above the baseline.`,
        ),
        where: { name: ctx.registry.factory.name || ctx.registry.factory.id },
        when: when(run[0]!, run[run.length - 1]!),
        evidence: {
          series: d.refs(ctx),
          figures: [
            fig('excessKwh', '超出基准电量', 'Energy above the baseline', excess, 'kWh'),
            fig('excessShare', '超出比例', 'Share above the baseline', (excess / modelSum) * 100, '%'),
            fig('residualSigmaKwh', '基准残差标准差', 'Baseline residual σ', fit.s, 'kWh/d'),
          ],
          table: {
            columns: [t('日期', 'Date'), t('累计偏差 kWh', 'CUSUM kWh')],
            rows: mon.map((k, i) => [
              new Date(d.startMs[k]! + 8 * 3.6e6).toISOString().slice(0, 10),
              round(c.cumulative[i]!, 1),
            ]),
          },
        },
        saving: ctx.saving({
          rule: 'energyBaseline',
          observedKwh: excess,
          observedCostCny: null,
          observedHours: hours,
          assumptions: [
            t('恢复到基准模型水平', 'back to the baseline model'),
            t('费用未计（日电量未按时段计价）', 'cost not computed for daily totals'),
          ],
        }),
        recommendation: t(
          '排查报警日起的变化（设备故障、工艺参数、泄漏、管理松懈），恢复到基准运行水平。',
          'Find what changed from the alarm date (equipment faults, process settings, leaks, lax routines) and return to baseline operation.',
        ),
        basis: energyBaseline.basis,
      });
    }
    return { findings, indicators, verification };
  },
};
