import {
  deviceAnswering,
  devicesInScope,
  equipmentRuleNote,
  goodPointsInPeriod,
  periodEndMs,
  ratio,
  timeCoverage,
  worstFirst,
} from './context.js';
import { measure } from './intervals.js';
import type {
  IndicatorBody,
  IndicatorContext,
  IndicatorDefinition,
  IndicatorModule,
  IndicatorScope,
} from './types.js';

/**
 * 设备联网率, two definitions (issue 10 §3):
 * - online-time/1 (DEFAULT): a device is networked while it is connected (registry online history: births,
 *   deaths, status) and answering with Good quality — some tag of it has a Good value in force (on-change data
 *   holds its last value; a Bad or NoCommunication sample ends it). The rate is networked device-time ÷
 *   (production equipment × period): a holiday or a planned stop is not "not networked", a dropout is.
 * - delivered-data/2: a device is networked when it delivered at least one Good sample in the period; the rate
 *   is networked devices ÷ production equipment. Version 1 counted any sample, Bad ones too (a dropout's single
 *   BadNoCommunication sample made a silent device "networked"); on-change sources deliver nothing on a quiet
 *   day, so this definition reads holidays as not networked — use it only for periodic data.
 */
export const NETWORKING_DEFINITIONS: IndicatorDefinition[] = [
  {
    id: 'online-time',
    version: '1',
    name: { zh: '在线应答时长', en: 'Online and answering time' },
    formula: {
      zh: 'Σ 生产设备在线且以良好质量应答的时长（任一数据点的现值为 Good；Bad/通讯中断样本不计）÷（生产设备数 × 统计期时长）；节假日、计划停机时设备在线即计为联网',
      en: 'Σ time production equipment was online and answering with Good quality (some tag with a Good value in force; Bad/NoCommunication samples end it) ÷ (production equipment × period); holidays and planned stops count as networked while the device is online',
    },
  },
  {
    id: 'delivered-data',
    version: '2',
    name: { zh: '上送良好数据', en: 'Delivered Good data' },
    formula: {
      zh: '统计期内上送过至少一个良好质量（Good）数据的生产设备数 ÷ 登记的生产设备总数（Bad/通讯中断样本不计）',
      en: 'Production equipment that delivered at least one Good-quality sample in the period ÷ registered production equipment (Bad/NoCommunication samples do not count)',
    },
  },
];

export const equipmentNetworkingRate: IndicatorModule = {
  id: 'equipment-networking-rate',
  name: { zh: '设备联网率', en: 'Equipment networking rate' },
  formula: NETWORKING_DEFINITIONS[0]!.formula,
  formulaVersion: 'online-time/1',
  definitions: { default: 'online-time', list: NETWORKING_DEFINITIONS },
  compute(ctx, scope, definition) {
    return definition === 'delivered-data' ? delivered(ctx, scope) : onlineTime(ctx, scope);
  },
};

function onlineTime(ctx: IndicatorContext, scope: IndicatorScope): IndicatorBody {
  const equipment = devicesInScope(ctx.equipment, scope);
  const periodMs = Math.max(0, periodEndMs(ctx) - ctx.inputs.fromMs);
  const shares = equipment.map((d) => ({ d, ms: measure(deviceAnswering(ctx, d.id)) }));
  const networkedMs = shares.reduce((a, s) => a + s.ms, 0);
  const full = shares.filter((s) => s.ms >= periodMs).length;
  const silent = shares.filter((s) => s.ms === 0).length;
  return {
    value: ratio(networkedMs, equipment.length * periodMs),
    counts: {
      equipment: equipment.length,
      networked: equipment.length - silent,
      networkedWholePeriod: full,
      partlyNetworked: equipment.length - full - silent,
      silent,
      networkedHours: networkedMs / 3_600_000,
      periodHours: periodMs / 3_600_000,
    },
    // Every device short of the whole period, worst first (a one-hour dropout shows, whatever its share).
    pullingDown: worstFirst(
      shares
        .filter((s) => s.ms < periodMs)
        .map((s) => ({
          kind: 'device' as const,
          ref: s.d.id,
          assetPath: s.d.assetPath,
          value: periodMs > 0 ? s.ms / periodMs : null,
          reason:
            s.ms === 0
              ? { zh: '统计期内未在线应答', en: 'Not online and answering in the period' }
              : {
                  zh: '部分时段离线或通讯中断（值为联网时长占比）',
                  en: 'Offline or not answering for part of the period (value = share networked)',
                },
        })),
      ctx.config.maxPullingDown,
    ),
    notes: [equipmentRuleNote(ctx)],
    coverage: timeCoverage(ctx),
  };
}

function delivered(ctx: IndicatorContext, scope: IndicatorScope): IndicatorBody {
  const equipment = devicesInScope(ctx.equipment, scope);
  const live = equipment.filter((d) => goodPointsInPeriod(ctx, d.id) > 0);
  const silent = equipment.filter((d) => goodPointsInPeriod(ctx, d.id) === 0);
  return {
    value: ratio(live.length, equipment.length),
    counts: { equipment: equipment.length, networked: live.length, silent: silent.length },
    pullingDown: worstFirst(
      silent.map((d) => ({
        kind: 'device' as const,
        ref: d.id,
        assetPath: d.assetPath,
        value: 0,
        reason: {
          zh: d.lastSeenMs === null ? '从未上送数据' : '统计期内无良好质量数据',
          en: d.lastSeenMs === null ? 'Never delivered data' : 'No Good-quality data in the period',
        },
      })),
      ctx.config.maxPullingDown,
    ),
    notes: [equipmentRuleNote(ctx)],
    coverage: timeCoverage(ctx),
  };
}
