import type { OnlineTransition, RegistryDevice } from '../../registry/model.js';
import { devicesInScope, equipmentRuleNote, memo, ratio, timeCoverage, worstFirst } from './context.js';
import type { IndicatorContext, IndicatorModule } from './types.js';

/**
 * Online ratio over time: Σ online time ÷ Σ registered time of production equipment, from the registry's
 * online/offline history. A device counts from max(period start, first seen); the state at the period start is
 * the last transition before it, else the opposite of the first transition inside it, else the current flag.
 */
export const equipmentOnlineRatio: IndicatorModule = {
  id: 'equipment-online-ratio',
  name: { zh: '设备在线率（时间加权）', en: 'Equipment online ratio (time-weighted)' },
  formula: {
    zh: 'Σ 生产设备在线时长 ÷ Σ 统计期内登记时长（依据设备上下线记录）',
    en: 'Σ online time of production equipment ÷ Σ registered time in the period (from the online history)',
  },
  formulaVersion: '1',
  compute(ctx, scope) {
    const equipment = devicesInScope(ctx.equipment, scope);
    const times = onlineTimes(ctx);
    let onlineMs = 0;
    let registeredMs = 0;
    const perDevice = equipment.map((d) => {
      const r = times.get(d.id) ?? { onlineMs: 0, registeredMs: 0 };
      onlineMs += r.onlineMs;
      registeredMs += r.registeredMs;
      return { d, share: ratio(r.onlineMs, r.registeredMs) };
    });
    return {
      value: ratio(onlineMs, registeredMs),
      counts: {
        equipment: equipment.length,
        onlineHours: onlineMs / 3_600_000,
        registeredHours: registeredMs / 3_600_000,
      },
      pullingDown: worstFirst(
        perDevice
          .filter((p) => p.share !== null && p.share < ctx.config.pullDownBelow)
          .map((p) => ({
            kind: 'device' as const,
            ref: p.d.id,
            assetPath: p.d.assetPath,
            value: p.share,
            reason: { zh: '在线时长比例低', en: 'Low share of time online' },
          })),
        ctx.config.maxPullingDown,
      ),
      notes: [equipmentRuleNote(ctx)],
      coverage: timeCoverage(ctx),
    };
  },
};

/** Online and registered time of every device over the period (up to now), computed once per context. */
export function onlineTimes(ctx: IndicatorContext): Map<string, { onlineMs: number; registeredMs: number }> {
  return memo(ctx, 'online.times', () => {
    const { fromMs, nowMs } = ctx.inputs;
    const toMs = Math.min(ctx.inputs.toMs, Math.max(nowMs, fromMs));
    const history = new Map<string, OnlineTransition[]>();
    for (const t of ctx.inputs.snapshot.onlineHistory) {
      const list = history.get(t.deviceId);
      if (list) list.push(t);
      else history.set(t.deviceId, [t]);
    }
    for (const list of history.values()) list.sort((a, b) => a.atMs - b.atMs);
    return new Map(
      ctx.inputs.snapshot.devices.map(
        (d) => [d.id, onlineTime(d, history.get(d.id) ?? [], fromMs, toMs)] as const,
      ),
    );
  });
}

export function onlineTime(
  d: Pick<RegistryDevice, 'online' | 'firstSeenMs'>,
  transitions: OnlineTransition[],
  fromMs: number,
  toMs: number,
): { onlineMs: number; registeredMs: number } {
  const start = Math.max(fromMs, d.firstSeenMs);
  if (toMs <= start) return { onlineMs: 0, registeredMs: 0 };
  const before = transitions.filter((t) => t.atMs <= start);
  const inside = transitions.filter((t) => t.atMs > start && t.atMs < toMs);
  let online =
    before.length > 0
      ? (before[before.length - 1] as OnlineTransition).online
      : inside.length > 0
        ? !(inside[0] as OnlineTransition).online
        : d.online;
  let cursor = start;
  let onlineMs = 0;
  for (const t of inside) {
    if (online) onlineMs += t.atMs - cursor;
    cursor = t.atMs;
    online = t.online;
  }
  if (online) onlineMs += toMs - cursor;
  return { onlineMs, registeredMs: toMs - start };
}
