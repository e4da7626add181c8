import { inScope } from '../../oee/assets.js';
import {
  addTotals,
  coverageOf,
  emptyTotals,
  figuresFromTotals,
  type MachineOeeResult,
} from '../../oee/index.js';
import { devicesInScope, ratio, timeCoverage, worstFirst } from './context.js';
import type { IndicatorBody, IndicatorContext, IndicatorModule, IndicatorScope } from './types.js';

function machinesInScope(ctx: IndicatorContext, scope: IndicatorScope): MachineOeeResult[] {
  return (ctx.inputs.oee?.machines ?? []).filter(
    (m) =>
      inScope(m.assetPath, scope.assetPath) && (!scope.deviceIds || scope.deviceIds.includes(m.deviceId)),
  );
}

const noOee: IndicatorBody = {
  value: null,
  counts: {},
  pullingDown: [],
  notes: [{ zh: '未提供 OEE 计算结果', en: 'No OEE result supplied' }],
};

/** OEE availability, time-weighted over the scope's machines (Σ operating ÷ Σ planned production time). */
export const oeeAvailability: IndicatorModule = {
  id: 'oee-availability',
  name: { zh: '设备时间开动率（OEE 可用率）', en: 'OEE availability' },
  formula: {
    zh: 'Σ 运行时间（含微停） ÷ Σ 计划生产时间（班次减休息；无数据时段既非计划时间也非运行时间，另报覆盖率）',
    en: 'Σ operating time (incl. micro-stops) ÷ Σ planned production time (shifts minus breaks; time without data is neither planned nor operating time and is reported as coverage)',
  },
  formulaVersion: '2',
  compute(ctx, scope) {
    if (!ctx.inputs.oee) return noOee;
    const ms = machinesInScope(ctx, scope);
    const t = emptyTotals();
    for (const m of ms) addTotals(t, m.period.totals);
    const f = figuresFromTotals(ctx.inputs.fromMs, ctx.inputs.toMs, t);
    return {
      value: f.availability,
      counts: {
        machines: ms.length,
        plannedProductionMin: t.plannedProductionMs / 60_000,
        operatingMin: t.operatingMs / 60_000,
        unknownMin: t.unknownMs / 60_000,
        unattributedPieces: t.unattributedGoodCount + t.unattributedRejectCount,
      },
      pullingDown: worstFirst(
        ms
          .filter(
            (m) =>
              m.period.availability !== null &&
              f.availability !== null &&
              m.period.availability < f.availability,
          )
          .map((m) => ({
            kind: 'device' as const,
            ref: m.deviceId,
            assetPath: m.assetPath,
            value: m.period.availability,
            reason: { zh: '可用率低于本范围平均', en: 'Availability below the scope average' },
          })),
        ctx.config.maxPullingDown,
      ),
      notes: [],
      coverage: scaled(coverageOf(t), timeCoverage(ctx)),
    };
  },
};

/** OEE tracking: share of production machines for which A, P and Q can all be computed from telemetry. */
export const oeeTracking: IndicatorModule = {
  id: 'oee-tracking',
  name: { zh: 'OEE 自动统计覆盖率', en: 'OEE tracking coverage' },
  formula: {
    zh: '可由遥测完整计算 OEE（可用率、性能率、合格率）的生产设备数 ÷ 生产设备（机台）总数',
    en: 'Production machines whose OEE (availability, performance, quality) is fully computable from telemetry ÷ production machines',
  },
  formulaVersion: '1',
  compute(ctx, scope) {
    if (!ctx.inputs.oee) return noOee;
    const machines = devicesInScope(ctx.equipment, scope).filter((d) => d.kind === 'machine');
    const results = new Map(machinesInScope(ctx, scope).map((m) => [m.deviceId, m]));
    const tracked = (id: string) => {
      const p = results.get(id)?.period;
      return !!p && p.availability !== null && p.performance !== null && p.quality !== null;
    };
    const ok = machines.filter((m) => tracked(m.id));
    const t = emptyTotals();
    for (const m of results.values()) addTotals(t, m.period.totals);
    return {
      coverage: results.size > 0 ? scaled(coverageOf(t), timeCoverage(ctx)) : null,
      value: ratio(ok.length, machines.length),
      counts: { machines: machines.length, tracked: ok.length },
      pullingDown: worstFirst(
        machines
          .filter((m) => !tracked(m.id))
          .map((m) => {
            const p = results.get(m.id)?.period;
            const why = !p
              ? { zh: '无状态数据', en: 'No state data' }
              : p.quality === null
                ? { zh: '无产量/不良计数', en: 'No good/reject counts' }
                : { zh: '无理想节拍', en: 'No ideal cycle time' };
            return { kind: 'device' as const, ref: m.id, assetPath: m.assetPath, value: 0, reason: why };
          }),
        ctx.config.maxPullingDown,
      ),
      notes: [],
    };
  },
};

/** OEE coverage (known state in production time) of the measured period, scaled to the requested period. */
function scaled(oeeCoverage: number | null, time: number | null): number | null {
  return oeeCoverage === null ? null : oeeCoverage * (time ?? 1);
}
