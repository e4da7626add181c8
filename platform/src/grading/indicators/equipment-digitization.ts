import { devicesInScope, equipmentRuleNote, ratio, worstFirst } from './context.js';
import type { IndicatorModule } from './types.js';

/** 设备数字化率: production equipment with a digital interface (a registered tag model) ÷ all production equipment. */
export const equipmentDigitizationRate: IndicatorModule = {
  id: 'equipment-digitization-rate',
  name: { zh: '设备数字化率', en: 'Equipment digitisation rate' },
  formula: {
    zh: '具备数字接口（已登记数据点模型）的生产设备数 ÷ 登记的生产设备总数',
    en: 'Production equipment with a digital interface (a registered tag model) ÷ registered production equipment',
  },
  formulaVersion: '1',
  compute(ctx, scope) {
    const equipment = devicesInScope(ctx.equipment, scope);
    const withModel = new Set(ctx.inputs.snapshot.metrics.map((m) => m.deviceId));
    const digital = equipment.filter((d) => withModel.has(d.id));
    return {
      value: ratio(digital.length, equipment.length),
      counts: { equipment: equipment.length, digital: digital.length },
      pullingDown: worstFirst(
        equipment
          .filter((d) => !withModel.has(d.id))
          .map((d) => ({
            kind: 'device' as const,
            ref: d.id,
            assetPath: d.assetPath,
            value: 0,
            reason: {
              zh: '无已登记的数据点（无数字接口或未接入）',
              en: 'No registered tag model (no digital interface or not connected)',
            },
          })),
        ctx.config.maxPullingDown,
      ),
      notes: [equipmentRuleNote(ctx)],
    };
  },
};
