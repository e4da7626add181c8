import {
  devicesInScope,
  memo,
  periodEndMs,
  ratio,
  seriesAnswering,
  timeCoverage,
  worstFirst,
} from './context.js';
import { measure, union } from './intervals.js';
import type { IndicatorContext, IndicatorDefinition, IndicatorModule, SeriesActivity } from './types.js';

/**
 * Automatic state and fault capture: how well production machines' machine state (which carries the
 * OutOfService / fault state) is collected. Two definitions, as for the networking rate:
 * - online-time/1 (DEFAULT): Σ time each machine was online with a Good state value in force ÷ (machines ×
 *   period) — a machine switched off for a holiday still reports its state;
 * - delivered-data/2: machines whose state tag delivered at least one Good sample in the period ÷ machines
 *   (version 1 counted Bad samples too).
 */
const DEFINITIONS: IndicatorDefinition[] = [
  {
    id: 'online-time',
    version: '1',
    name: { zh: '在线应答时长', en: 'Online and answering time' },
    formula: {
      zh: 'Σ 生产机台在线且运行状态点现值为良好质量的时长 ÷（生产机台数 × 统计期时长）',
      en: 'Σ time production machines were online with a Good machine-state value in force ÷ (production machines × period)',
    },
  },
  {
    id: 'delivered-data',
    version: '2',
    name: { zh: '上送良好数据', en: 'Delivered Good data' },
    formula: {
      zh: '统计期内自动上送过良好质量运行状态（含故障状态）的生产设备数 ÷ 生产设备（机台）总数',
      en: 'Production machines whose state (incl. fault state) arrived with Good quality in the period ÷ production machines',
    },
  },
];

export const stateFaultCapture: IndicatorModule = {
  id: 'state-fault-capture',
  name: { zh: '设备状态与故障自动采集率', en: 'Automatic state and fault capture' },
  formula: DEFINITIONS[0]!.formula,
  formulaVersion: 'online-time/1',
  definitions: { default: 'online-time', list: DEFINITIONS },
  compute(ctx, scope, definition) {
    const machines = devicesInScope(ctx.equipment, scope).filter((d) => d.kind === 'machine');
    const states = stateSeries(ctx);
    const periodMs = Math.max(0, periodEndMs(ctx) - ctx.inputs.fromMs);
    const timeOf = (id: string) =>
      measure(union((states.get(id) ?? []).flatMap((s) => seriesAnswering(ctx, s))));
    const delivered = (id: string) => (states.get(id) ?? []).some((s) => s.good > 0);
    const byTime = definition !== 'delivered-data';
    const share = (id: string) =>
      byTime ? (periodMs > 0 ? timeOf(id) / periodMs : 0) : delivered(id) ? 1 : 0;
    const rows = machines.map((m) => ({ m, share: share(m.id) }));
    const captured = rows.filter((r) => r.share > 0).length;
    return {
      value: byTime
        ? ratio(
            rows.reduce((a, r) => a + r.share * periodMs, 0),
            machines.length * periodMs,
          )
        : ratio(captured, machines.length),
      counts: {
        machines: machines.length,
        withStateMetric: machines.filter((m) => states.has(m.id)).length,
        captured,
        ...(byTime ? { capturedWholePeriod: rows.filter((r) => r.share >= 1).length } : {}),
      },
      pullingDown: worstFirst(
        rows
          .filter((r) => r.share < 1)
          .map((r) => ({
            kind: 'device' as const,
            ref: r.m.id,
            assetPath: r.m.assetPath,
            value: r.share,
            reason: states.has(r.m.id)
              ? {
                  zh: '状态点统计期内无良好质量数据（值为采集时长占比）',
                  en: 'State tag without Good data for (part of) the period (value = share)',
                }
              : { zh: '未采集设备状态', en: 'No machine-state tag' },
          })),
        ctx.config.maxPullingDown,
      ),
      notes: [],
      coverage: timeCoverage(ctx),
    };
  },
};

/** Machine-state series per device (by the registry's quantity), built once. */
function stateSeries(ctx: IndicatorContext): Map<string, SeriesActivity[]> {
  return memo(ctx, 'state.series', () => {
    const keys = new Set(
      ctx.inputs.snapshot.metrics
        .filter((m) => m.quantity === 'machineState')
        .map((m) => `${m.deviceId}\u0000${m.key}`),
    );
    const map = new Map<string, SeriesActivity[]>();
    for (const s of ctx.inputs.series)
      if (keys.has(`${s.deviceId}\u0000${s.metric}`))
        map.set(s.deviceId, [...(map.get(s.deviceId) ?? []), s]);
    // Machines with a state metric the store has no series for still count as "with a state tag".
    for (const m of ctx.inputs.snapshot.metrics)
      if (m.quantity === 'machineState' && !map.has(m.deviceId)) map.set(m.deviceId, []);
    return map;
  });
}
