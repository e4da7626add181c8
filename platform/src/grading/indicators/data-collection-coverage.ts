import { ancestorAt } from '../../oee/assets.js';
import type { RegistryDevice } from '../../registry/model.js';
import type { I18n } from '../common.js';
import { BUSINESS_LINKS, businessLinkOf } from './business-links.js';
import { devicesInScope, memo, worstFirst } from './context.js';
import { onlineTimes } from './equipment-online.js';
import type { Indicator, IndicatorContext, IndicatorModule, SeriesActivity } from './types.js';

/**
 * Automatic data-collection coverage: the mean over series of each series' coverage. A periodic series: its
 * share of expected samples received (capped per hour by the store). A report-by-exception series (machine
 * state, on-change counters — nothing to expect a count from): the share of the period its device was online
 * (it could report), or 0 if it delivered nothing. Each series weighs the same, so a 1-second series cannot
 * drown a 15-minute one. Broken down by business link and by line.
 */
export const dataCollectionCoverage: IndicatorModule = {
  id: 'data-collection-coverage',
  name: { zh: '数据自动采集覆盖率', en: 'Automatic data-collection coverage' },
  formula: {
    zh: '各数据点覆盖率的平均值；周期上送点 = 实收点数 ÷ 应收点数（按小时封顶），变化上送点 = 设备在线时长占比（统计期内无数据则为 0）',
    en: 'Mean of per-series coverage; periodic series = received ÷ expected samples (capped per hour), report-by-exception series = share of the period its device was online (0 if no data in the period)',
  },
  formulaVersion: '1',
  compute(ctx, scope) {
    const { snapshot } = ctx.inputs;
    const devices = new Map(devicesInScope(snapshot.devices, scope).map((d) => [d.id, d]));
    const rows = memo(ctx, 'coverage.rows', () => coverageRows(ctx)).filter((r) => devices.has(r.s.deviceId));
    const summarize = (list: typeof rows) => ({
      value: list.length > 0 ? list.reduce((a, r) => a + r.share, 0) / list.length : null,
      counts: {
        series: list.length,
        periodicSeries: list.filter((r) => r.s.expected !== null).length,
        expectedSamples: list.reduce((a, r) => a + (r.s.expected ?? 0), 0),
        receivedSamples: list.reduce(
          (a, r) => a + (r.s.expected !== null ? Math.min(r.s.present, r.s.expected) : 0),
          0,
        ),
        reportByExceptionSeries: list.filter((r) => r.s.expected === null).length,
        reportByExceptionDelivering: list.filter((r) => r.s.expected === null && r.s.present > 0).length,
      },
    });
    const group = (key: (r: (typeof rows)[number]) => string, label: (k: string) => I18n) => {
      const keys = [...new Set(rows.map(key))].sort();
      return keys.map((k) => ({ key: k, label: label(k), ...summarize(rows.filter((r) => key(r) === k)) }));
    };
    const breakdown: NonNullable<Indicator['breakdown']> = [
      ...group(
        (r) => `link:${r.link}`,
        (k) => BUSINESS_LINKS[k.slice(5)] ?? { zh: k, en: k },
      ),
      ...group(
        (r) => `asset:${r.line}`,
        (k) => ({ zh: k.slice(6) || '工厂', en: k.slice(6) || 'factory' }),
      ),
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

export function seriesShare(s: SeriesActivity, onlineShare: number): number {
  if (s.expected === null) return s.present > 0 ? onlineShare : 0;
  if (s.ratio !== undefined) return s.ratio;
  if (s.expected <= 0) return 1;
  return Math.min(1, s.present / s.expected);
}

type Row = { s: SeriesActivity; share: number; link: string; line: string };

/** Every series of the factory with its coverage, business link and line — scope-independent, built once. */
function coverageRows(ctx: IndicatorContext): Row[] {
  const { snapshot } = ctx.inputs;
  const devices = new Map(snapshot.devices.map((d) => [d.id, d]));
  const quantity = new Map(snapshot.metrics.map((m) => [`${m.deviceId}\u0000${m.key}`, m.quantity]));
  const online = onlineShares(ctx, snapshot.devices);
  const lineOf = new Map<string, string>();
  const line = (path: string) => {
    let l = lineOf.get(path);
    if (l === undefined) {
      l = ancestorAt(snapshot, path, 'line') ?? path;
      lineOf.set(path, l);
    }
    return l;
  };
  return ctx.inputs.series
    .filter((s) => devices.has(s.deviceId))
    .map((s) => {
      const d = devices.get(s.deviceId) as RegistryDevice;
      return {
        s,
        share: seriesShare(s, online.get(s.deviceId) ?? 1),
        link: businessLinkOf(quantity.get(`${s.deviceId}\u0000${s.metric}`), d.kind),
        line: line(d.assetPath),
      };
    });
}

function onlineShares(ctx: IndicatorContext, devices: RegistryDevice[]): Map<string, number> {
  const times = onlineTimes(ctx);
  return new Map(
    devices.map((d) => {
      const r = times.get(d.id);
      return [d.id, r && r.registeredMs > 0 ? r.onlineMs / r.registeredMs : 1] as const;
    }),
  );
}
