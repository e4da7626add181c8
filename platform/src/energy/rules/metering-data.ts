import { type Finding, type Severity, severityFrom, severityRank, t } from '../finding.js';
import type { Text } from '../types.js';
import { checkMeters } from './meter-data-quality.js';
import { consumptionMetric, fig, nameOf, type Rule, round, seriesRef, whereOf, wholePeriod } from './rule.js';

/**
 * Rule 9b — metering data diagnosis: frozen meters, gaps (drop-outs), negative or physically implausible
 * consumption, counter resets, gauges without good values, and the metering-tree balance (children above
 * their parent = a meter reads wrong; a large remainder = losses plus unmetered loads).
 */
export const meteringData: Rule = {
  id: 'meteringData',
  category: 'metering',
  title: t('计量数据诊断', 'Metering data diagnosis'),
  basis: [
    'GB 17167-2006 §4.3 (meter management, data collection)',
    'Metering-tree balance: parent − Σ children',
  ],
  run(ctx) {
    const s = ctx.settings.metering;
    const findings: Finding[] = [];
    for (const c of checkMeters(ctx)) {
      const problems: { sev: Severity; text: Text }[] = [];
      if (c.frozenSlots)
        problems.push({
          sev: 'medium',
          text: t(
            `计数器冻结 ${round(c.frozenSlots / 4, 2)} h${c.frozenMissedQuantity !== null ? `（期间功率/流量显示约 ${round(c.frozenMissedQuantity, 1)} 未计入）` : ''}`,
            `counter frozen for ${round(c.frozenSlots / 4, 2)} h${c.frozenMissedQuantity !== null ? ` (the power/flow gauge shows about ${round(c.frozenMissedQuantity, 1)} unrecorded)` : ''}`,
          ),
        });
      // Missing data is never waste and never more than 'low': a drop-out inside the meter's data is a
      // communication fault to fix; time before its first or after its last reading is coverage, stated.
      const internalShare = c.internalGapSlots / c.slots;
      if (c.internalGapSlots)
        problems.push({
          sev: severityFrom(internalShare, s.gapShareFlag) === 'info' ? 'info' : 'low',
          text: t(
            `通讯中断/数据缺失 ${round(c.internalGapSlots / 4, 2)} h（${round(internalShare * 100, 2)}%，最长连续 ${round(c.longestGapSlots / 4, 2)} h）`,
            `${round(c.internalGapSlots / 4, 2)} h missing inside its data (${round(internalShare * 100, 2)} %, longest ${round(c.longestGapSlots / 4, 2)} h)`,
          ),
        });
      if (c.gapSlots > c.internalGapSlots)
        problems.push({
          sev: 'info',
          text: t(
            `数据覆盖 ${round(((c.slots - c.gapSlots) / c.slots) * 100, 1)}%（期初/期末 ${round((c.gapSlots - c.internalGapSlots) / 4, 2)} h 无数据）`,
            `coverage ${round(((c.slots - c.gapSlots) / c.slots) * 100, 1)} % (${round((c.gapSlots - c.internalGapSlots) / 4, 2)} h without data at the start/end of the period)`,
          ),
        });
      if (c.negativeSlots)
        problems.push({
          sev: 'medium',
          text: t(
            `${c.negativeSlots} 个刻钟用量为负`,
            `${c.negativeSlots} quarter-hours with negative consumption`,
          ),
        });
      if (c.implausibleSlots)
        problems.push({
          sev: 'medium',
          text: t(
            `${c.implausibleSlots} 个刻钟用量超过额定功率 ${s.impossibleFactorOfRating} 倍`,
            `${c.implausibleSlots} quarter-hours above ${s.impossibleFactorOfRating} × the rating`,
          ),
        });
      if (c.childOverParentSlots)
        problems.push({
          sev: 'medium',
          text: t(
            `${c.childOverParentSlots} 个刻钟用量大于上级表`,
            `${c.childOverParentSlots} quarter-hours above the parent meter`,
          ),
        });
      // A reset (meter replaced, register cleared) is handled in the data; listed for the record.
      if (c.resets)
        problems.push({
          sev: 'info',
          text: t(
            `计数器复位 ${c.resets} 次（如换表）`,
            `${c.resets} counter reset(s) (e.g. meter replaced)`,
          ),
        });
      for (const g of c.badGauges)
        problems.push({
          sev: 'low',
          text: t(
            `${g.metric} 通道 ${round(g.gapShare * 100, 1)}% 无有效值（质量码 Bad 或无数据）`,
            `${g.metric}: ${round(g.gapShare * 100, 1)} % without a good value (Bad quality or no data)`,
          ),
        });
      if (!problems.length) continue;
      const severity = problems.reduce<Severity>(
        (a, p) => (severityRank[p.sev] > severityRank[a] ? p.sev : a),
        'info',
      );
      const name = nameOf(ctx, c.meterId);
      findings.push({
        id: `meteringData:${c.meterId}`,
        rule: 'meteringData',
        category: 'metering',
        severity,
        title: t(`${name}计量数据异常`, `${name}: metering data problems`),
        what: t(problems.map((p) => p.text.zh).join('；'), problems.map((p) => p.text.en).join('; ')),
        where: whereOf(ctx, c.meterId),
        when:
          c.frozenFromMs !== null
            ? { fromMs: c.frozenFromMs, toMs: ctx.input.period.toMs, label: 'frozen' }
            : wholePeriod(ctx),
        evidence: {
          series: [
            seriesRef(ctx, c.meterId, consumptionMetric(ctx, c.meterId)),
            ...c.badGauges.map((g) => seriesRef(ctx, c.meterId, g.metric)),
          ],
          figures: [
            fig(
              'gapHours',
              '缺失时长（数据内中断）',
              'Missing hours inside the data',
              c.internalGapSlots / 4,
              'h',
            ),
            fig('coveredHours', '有数据时长', 'Hours with data', c.coveredSlots / 4, 'h'),
            fig('longestGapHours', '最长连续缺失', 'Longest gap', c.longestGapSlots / 4, 'h'),
            fig('frozenHours', '冻结时长', 'Frozen hours', c.frozenSlots / 4, 'h'),
            fig(
              'frozenMissed',
              '冻结期间未计用量',
              'Unrecorded during freeze',
              c.frozenMissedQuantity,
              ctx.meterById.get(c.meterId)!.unit,
            ),
            fig('negativeSlots', '负用量刻钟数', 'Negative quarter-hours', c.negativeSlots, '1'),
            fig(
              'implausibleSlots',
              '不合理用量刻钟数',
              'Implausible quarter-hours',
              c.implausibleSlots + c.childOverParentSlots,
              '1',
            ),
          ],
        },
        recommendation: t(
          '现场检查该表计（电源、通信、互感器接线、计数器），校准或更换，并核实缺失期间的用量。',
          'Inspect the meter on site (supply, communication, CT wiring, register), recalibrate or replace it, and reconcile the consumption of the affected period.',
        ),
        basis: meteringData.basis,
        coverage: { coveredHours: c.coveredSlots / 4, periodHours: c.slots / 4 },
      });
    }
    // Balance over the whole period: parent vs Σ children on quarter-hours where all have data.
    const perParent = new Map<string, { p: number; c: number; childIds: string[] }>();
    for (const r of ctx.balance()) {
      const acc = perParent.get(r.parentId) ?? { p: 0, c: 0, childIds: r.childIds };
      acc.p += r.parentQuantity;
      acc.c += r.childrenQuantity;
      perParent.set(r.parentId, acc);
    }
    for (const [parentId, b] of perParent) {
      if (!(b.p > 0)) continue;
      const share = (b.p - b.c) / b.p;
      const negative = share < -s.childOverParentTolerance;
      // Children above the parent is a metering error; a large remainder is information (losses + unmetered
      // loads), since which loads must be sub-metered is the coverage rule's question.
      const sev: Severity = negative ? 'medium' : 'info';
      if (!negative && share < s.unmeteredShareInfo) continue;
      const name = nameOf(ctx, parentId);
      const unit = ctx.meterById.get(parentId)!.unit;
      findings.push({
        id: `meteringBalance:${parentId}`,
        rule: 'meteringData',
        category: 'metering',
        severity: sev,
        title: negative
          ? t(`${name}下级表合计大于本表`, `${name}: sub-meters add up to more than the meter`)
          : t(`${name}未分项计量比例偏高`, `${name}: large unmetered share`),
        what: t(
          `本表 ${round(b.p, 1)} ${unit}，下级表合计 ${round(b.c, 1)} ${unit}，差额 ${round(share * 100, 1)}%（损耗与未计量负荷${negative ? '为负，说明表计有误' : ''}）。`,
          `Meter ${round(b.p, 1)} ${unit}, sub-meters ${round(b.c, 1)} ${unit}: remainder ${round(share * 100, 1)} % (losses and unmetered loads${negative ? '; negative means a meter reads wrong' : ''}).`,
        ),
        where: whereOf(ctx, parentId),
        when: wholePeriod(ctx),
        evidence: {
          series: [
            seriesRef(ctx, parentId, consumptionMetric(ctx, parentId)),
            ...b.childIds.map((c) => seriesRef(ctx, c, consumptionMetric(ctx, c))),
          ],
          figures: [
            fig('parentQuantity', '本表用量', 'Meter total', b.p, unit),
            fig('childrenQuantity', '下级表合计', 'Sub-meter total', b.c, unit),
            fig('unmeteredShare', '差额比例', 'Remainder share', share * 100, '%'),
          ],
        },
        recommendation: negative
          ? t('核对下级表倍率与接线，校准表计。', 'Check sub-meter ratios and wiring; recalibrate.')
          : t(
              '为未计量的主要负荷加装分项计量表，核算线损。',
              'Add sub-meters for the unmetered main loads and quantify the line losses.',
            ),
        basis: meteringData.basis,
      });
    }
    return { findings };
  },
};
