import { devicesInScope, memo, ratio, worstFirst } from './context.js';
import type { IndicatorModule } from './types.js';

/**
 * Automatic state and fault capture: share of production machines whose machine state (which carries the
 * OutOfService / fault state) arrived automatically in the period.
 */
export const stateFaultCapture: IndicatorModule = {
  id: 'state-fault-capture',
  name: { zh: '设备状态与故障自动采集率', en: 'Automatic state and fault capture' },
  formula: {
    zh: '统计期内自动上送运行状态（含故障状态）的生产设备数 ÷ 生产设备（机台）总数',
    en: 'Production machines whose state (incl. fault state) arrived automatically in the period ÷ production machines',
  },
  formulaVersion: '1',
  compute(ctx, scope) {
    const machines = devicesInScope(ctx.equipment, scope).filter((d) => d.kind === 'machine');
    const stateKeys = memo(ctx, 'state.keys', () => {
      const map = new Map<string, string[]>();
      for (const m of ctx.inputs.snapshot.metrics)
        if (m.quantity === 'machineState') map.set(m.deviceId, [...(map.get(m.deviceId) ?? []), m.key]);
      return map;
    });
    const delivered = (id: string) =>
      (ctx.seriesByDevice.get(id) ?? []).some(
        (s) => (stateKeys.get(id) ?? []).includes(s.metric) && s.present > 0,
      );
    const withMetric = machines.filter((m) => stateKeys.has(m.id));
    const captured = machines.filter((m) => delivered(m.id));
    return {
      value: ratio(captured.length, machines.length),
      counts: { machines: machines.length, withStateMetric: withMetric.length, captured: captured.length },
      pullingDown: worstFirst(
        machines
          .filter((m) => !delivered(m.id))
          .map((m) => ({
            kind: 'device' as const,
            ref: m.id,
            assetPath: m.assetPath,
            value: 0,
            reason: stateKeys.has(m.id)
              ? { zh: '状态点统计期内无数据', en: 'State tag delivered no data in the period' }
              : { zh: '未采集设备状态', en: 'No machine-state tag' },
          })),
        ctx.config.maxPullingDown,
      ),
      notes: [],
    };
  },
};
