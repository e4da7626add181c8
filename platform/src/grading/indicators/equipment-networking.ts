import { devicesInScope, equipmentRuleNote, pointsInPeriod, ratio, worstFirst } from './context.js';
import type { IndicatorModule } from './types.js';

/** 设备联网率: production equipment that delivered live data in the period ÷ all production equipment. */
export const equipmentNetworkingRate: IndicatorModule = {
  id: 'equipment-networking-rate',
  name: { zh: '设备联网率', en: 'Equipment networking rate' },
  formula: {
    zh: '统计期内上送过实时数据的生产设备数 ÷ 登记的生产设备总数',
    en: 'Production equipment that delivered live data in the period ÷ registered production equipment',
  },
  formulaVersion: '1',
  compute(ctx, scope) {
    const equipment = devicesInScope(ctx.equipment, scope);
    const live = equipment.filter((d) => pointsInPeriod(ctx, d.id) > 0);
    const silent = equipment.filter((d) => pointsInPeriod(ctx, d.id) === 0);
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
            zh: d.lastSeenMs === null ? '从未上送数据' : '统计期内无数据',
            en: d.lastSeenMs === null ? 'Never delivered data' : 'No data in the period',
          },
        })),
        ctx.config.maxPullingDown,
      ),
      notes: [equipmentRuleNote(ctx)],
    };
  },
};
