import { ancestorAt } from '../../oee/assets.js';
import type { RegistryDevice } from '../../registry/model.js';
import type { I18n } from '../common.js';
import { BUSINESS_LINKS, businessLinkOf } from './business-links.js';
import { devicesInScope, memo, periodEndMs, seriesAnswering, timeCoverage, worstFirst } from './context.js';
import { onlineTimes } from './equipment-online.js';
import { measure } from './intervals.js';
import type {
  Indicator,
  IndicatorContext,
  IndicatorDefinition,
  IndicatorModule,
  SeriesActivity,
} from './types.js';

/**
 * Automatic data-collection coverage: the mean over series of each series' coverage. A periodic series: its
 * share of expected Good samples received (capped per hour by the store). A report-by-exception series (machine
 * state, on-change counters — nothing to expect a count from), by definition:
 * - online-time/1 (DEFAULT): the share of the period its device was online with a Good value of the series in
 *   force — a tag that never changes (ideal cycle time, the current product, a zero reject count) is collected
 *   as long as it is there; a Bad or NoCommunication sample ends it;
 * - delivered-data/2: the share of the period its device was online when the series delivered a Good sample in
 *   the period, else 0 (version 1 counted Bad samples as delivered and read constant tags as missing).
 * Each series weighs the same, so a 1-second series cannot drown a 15-minute one. Broken down by business link
 * and by line.
 */
const DEFINITIONS: IndicatorDefinition[] = [
  {
    id: 'online-time',
    version: '1',
    name: { zh: '在线应答时长', en: 'Online and answering time' },
    formula: {
      zh: '各数据点覆盖率的平均值；周期上送点 = 实收良好点数 ÷ 应收点数（按小时封顶），变化上送点 = 设备在线且该点现值为良好质量的时长占比',
      en: 'Mean of per-series coverage; periodic series = Good samples received ÷ expected (capped per hour), report-by-exception series = share of the period its device was online with a Good value of the series in force',
    },
  },
  {
    id: 'delivered-data',
    version: '2',
    name: { zh: '上送良好数据', en: 'Delivered Good data' },
    formula: {
      zh: '各数据点覆盖率的平均值；周期上送点 = 实收良好点数 ÷ 应收点数（按小时封顶），变化上送点 = 设备在线时长占比（统计期内无良好质量数据则为 0）',
      en: 'Mean of per-series coverage; periodic series = Good samples received ÷ expected (capped per hour), report-by-exception series = share of the period its device was online (0 without a Good sample in the period)',
    },
  },
];

export const dataCollectionCoverage: IndicatorModule = {
  id: 'data-collection-coverage',
  name: { zh: '数据自动采集覆盖率', en: 'Automatic data-collection coverage' },
  formula: DEFINITIONS[0]!.formula,
  formulaVersion: 'online-time/1',
  definitions: { default: 'online-time', list: DEFINITIONS },
  compute(ctx, scope, definition) {
    const { snapshot } = ctx.inputs;
    const devices = new Map(devicesInScope(snapshot.devices, scope).map((d) => [d.id, d]));
    const byTime = definition !== 'delivered-data';
    const rows = memo(ctx, `coverage.rows.${byTime}`, () => coverageRows(ctx, byTime)).filter((r) =>
      devices.has(r.s.deviceId),
    );
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
        reportByExceptionDelivering: list.filter((r) => r.s.expected === null && r.s.good > 0).length,
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
            reason: { zh: '缺失应收数据或现值质量不良', en: 'Missing samples or no Good value in force' },
          })),
        ctx.config.maxPullingDown,
      ),
      notes: [],
      coverage: timeCoverage(ctx),
    };
  },
};

/** Coverage of one periodic series: Good samples received ÷ expected (the store's per-hour capped ratio). */
export function periodicShare(s: SeriesActivity): number {
  if (s.ratio !== undefined) return s.ratio;
  if (s.expected === null || s.expected <= 0) return 1;
  return Math.min(1, s.good / s.expected);
}

type Row = { s: SeriesActivity; share: number; link: string; line: string };

/** Every series of the factory with its coverage, business link and line — scope-independent, built once. */
function coverageRows(ctx: IndicatorContext, byTime: boolean): Row[] {
  const { snapshot } = ctx.inputs;
  const devices = new Map(snapshot.devices.map((d) => [d.id, d]));
  const quantity = new Map(snapshot.metrics.map((m) => [`${m.deviceId}\u0000${m.key}`, m.quantity]));
  const periodMs = Math.max(0, periodEndMs(ctx) - ctx.inputs.fromMs);
  const online = onlineTimes(ctx);
  const lineOf = new Map<string, string>();
  const line = (path: string) => {
    let l = lineOf.get(path);
    if (l === undefined) {
      l = ancestorAt(snapshot, path, 'line') ?? path;
      lineOf.set(path, l);
    }
    return l;
  };
  const onChangeShare = (s: SeriesActivity) => {
    if (!(periodMs > 0)) return 0;
    if (byTime) return measure(seriesAnswering(ctx, s)) / periodMs;
    // delivered-data: the registry's online time since the birth (equipment-online-ratio's), if it delivered.
    return s.good > 0 ? (online.get(s.deviceId)?.onlineMs ?? 0) / periodMs : 0;
  };
  return ctx.inputs.series
    .filter((s) => devices.has(s.deviceId))
    .map((s) => {
      const d = devices.get(s.deviceId) as RegistryDevice;
      return {
        s,
        share: s.expected === null ? onChangeShare(s) : periodicShare(s),
        link: businessLinkOf(quantity.get(`${s.deviceId}\u0000${s.metric}`), d.kind),
        line: line(d.assetPath),
      };
    });
}
