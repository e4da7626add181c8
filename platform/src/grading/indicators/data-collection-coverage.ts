import { ancestorAt } from '../../oee/assets.js';
import type { I18n } from '../common.js';
import { BUSINESS_LINKS, businessLinkOf } from './business-links.js';
import { devicesInScope, worstFirst } from './context.js';
import type { Indicator, IndicatorModule, SeriesActivity } from './types.js';

/**
 * Automatic data-collection coverage: the mean over series of each series' share of expected samples received
 * (min(1, present ÷ expected) for periodic series; 1 if it delivered anything, else 0, for report-by-exception
 * series such as machine state). Each series weighs the same, so a 1-second series cannot drown a 15-minute
 * one. Broken down by business link and by line.
 */
export const dataCollectionCoverage: IndicatorModule = {
  id: 'data-collection-coverage',
  name: { zh: '数据自动采集覆盖率', en: 'Automatic data-collection coverage' },
  formula: {
    zh: '各数据点覆盖率的平均值；周期点 = min(1, 实收点数 ÷ 应收点数)，变化上送点 = 统计期内有数据为 1，否则为 0',
    en: 'Mean of per-series coverage; periodic series = min(1, received ÷ expected samples), report-by-exception series = 1 if any data in the period, else 0',
  },
  formulaVersion: '1',
  compute(ctx, scope) {
    const { snapshot } = ctx.inputs;
    const devices = new Map(devicesInScope(snapshot.devices, scope).map((d) => [d.id, d]));
    const quantity = new Map(snapshot.metrics.map((m) => [`${m.deviceId}\u0000${m.key}`, m.quantity]));
    const rows = ctx.inputs.series
      .filter((s) => devices.has(s.deviceId))
      .map((s) => {
        const d = devices.get(s.deviceId);
        return {
          s,
          share: seriesShare(s),
          link: businessLinkOf(quantity.get(`${s.deviceId}\u0000${s.metric}`), d?.kind),
          line: d ? (ancestorAt(snapshot, d.assetPath, 'line') ?? d.assetPath) : '',
        };
      });
    const summarize = (list: typeof rows) => ({
      value: list.length > 0 ? list.reduce((a, r) => a + r.share, 0) / list.length : null,
      counts: {
        series: list.length,
        periodicSeries: list.filter((r) => r.s.expected !== null).length,
        expectedSamples: list.reduce((a, r) => a + (r.s.expected ?? 0), 0),
        receivedSamples: list.reduce((a, r) => a + (r.s.expected !== null ? Math.min(r.s.present, r.s.expected) : 0), 0),
        reportByExceptionSeries: list.filter((r) => r.s.expected === null).length,
        reportByExceptionDelivering: list.filter((r) => r.s.expected === null && r.s.present > 0).length,
      },
    });
    const group = (key: (r: (typeof rows)[number]) => string, label: (k: string) => I18n) => {
      const keys = [...new Set(rows.map(key))].sort();
      return keys.map((k) => ({ key: k, label: label(k), ...summarize(rows.filter((r) => key(r) === k)) }));
    };
    const breakdown: NonNullable<Indicator['breakdown']> = [
      ...group((r) => `link:${r.link}`, (k) => BUSINESS_LINKS[k.slice(5)] ?? { zh: k, en: k }),
      ...group((r) => `asset:${r.line}`, (k) => ({ zh: k.slice(6) || '工厂', en: k.slice(6) || 'factory' })),
    ];
    return {
      ...summarize(rows),
      breakdown,
      pullingDown: worstFirst(
        rows
          .filter((r) => r.share < ctx.config.pullDownBelow)
          .map((r) => ({
            kind: 'series' as const,
            ref: `${r.s.deviceId}.${r.s.metric}`,
            assetPath: devices.get(r.s.deviceId)?.assetPath,
            value: r.share,
            reason: { zh: '缺失应收数据', en: 'Missing expected samples' },
          })),
        ctx.config.maxPullingDown,
      ),
      notes: [],
    };
  },
};

export function seriesShare(s: SeriesActivity): number {
  if (s.expected === null) return s.present > 0 ? 1 : 0;
  if (s.expected <= 0) return 1;
  return Math.min(1, s.present / s.expected);
}
