import { inScope } from '../../oee/assets.js';
import type { Interval } from '../../oee/index.js';
import type { OnlineTransition, RegistryDevice } from '../../registry/model.js';
import type { I18n } from '../common.js';
import { clip, intersect, measure, union } from './intervals.js';
import {
  defaultIndicatorConfig,
  type IndicatorContext,
  type IndicatorInputs,
  type IndicatorScope,
  type PullingDown,
  type SeriesActivity,
} from './types.js';

/**
 * Production equipment = devices carrying the registry's `production` flag; when nobody has set the flag yet,
 * devices of the configured kinds (machines and meters by default) — the rule used is reported with each result.
 */
export function buildContext(inputs: IndicatorInputs): IndicatorContext {
  const config = {
    ...defaultIndicatorConfig,
    ...inputs.config,
    definitions: { ...defaultIndicatorConfig.definitions, ...inputs.config?.definitions },
  };
  const devices = inputs.snapshot.devices;
  const flagged = devices.filter((d) => d.production);
  const equipment =
    flagged.length > 0 ? flagged : devices.filter((d) => config.equipmentKinds.includes(d.kind));
  const seriesByDevice = new Map<string, SeriesActivity[]>();
  for (const s of inputs.series)
    seriesByDevice.set(s.deviceId, [...(seriesByDevice.get(s.deviceId) ?? []), s]);
  return {
    inputs,
    config,
    equipment,
    equipmentRule: flagged.length > 0 ? 'productionFlag' : 'deviceKinds',
    seriesByDevice,
    cache: new Map(),
  };
}

export function memo<T>(ctx: IndicatorContext, key: string, make: () => T): T {
  if (!ctx.cache.has(key)) ctx.cache.set(key, make());
  return ctx.cache.get(key) as T;
}

export function devicesInScope<T extends Pick<RegistryDevice, 'id' | 'assetPath'>>(
  list: T[],
  scope: IndicatorScope,
): T[] {
  return list.filter(
    (d) => inScope(d.assetPath, scope.assetPath) && (!scope.deviceIds || scope.deviceIds.includes(d.id)),
  );
}

export function ratio(num: number, den: number): number | null {
  return den > 0 ? num / den : null;
}

export function equipmentRuleNote(ctx: IndicatorContext): I18n {
  return ctx.equipmentRule === 'productionFlag'
    ? {
        zh: '生产设备 = 登记为生产设备的设备',
        en: 'Production equipment = devices flagged as production equipment',
      }
    : {
        zh: `尚无设备标记为生产设备，按设备类型计入：${ctx.config.equipmentKinds.join('、')}`,
        en: `No device is flagged as production equipment yet; counted by kind: ${ctx.config.equipmentKinds.join(', ')}`,
      };
}

/** Lowest first, capped: the assets a factory should look at first. */
export function worstFirst(list: PullingDown[], max: number): PullingDown[] {
  return [...list]
    .sort((a, b) => (a.value ?? -1) - (b.value ?? -1) || a.ref.localeCompare(b.ref))
    .slice(0, max);
}

/** End of the measured period: its end, or now when the period is still running. */
export function periodEndMs(ctx: IndicatorContext): number {
  const { fromMs, toMs, nowMs } = ctx.inputs;
  return Math.min(toMs, Math.max(nowMs, fromMs));
}

/**
 * An indicator's time coverage: the share of the requested period with data — the measured period's share of
 * the requested one when the period was clipped to the data, else the share inside the data span (1 without
 * one). Null for an empty period.
 */
export function timeCoverage(ctx: IndicatorContext): number | null {
  const { fromMs, dataSpan, requestedPeriod, nowMs } = ctx.inputs;
  const end = periodEndMs(ctx);
  if (requestedPeriod) {
    const reqEnd = Math.min(requestedPeriod.toMs, Math.max(nowMs, requestedPeriod.fromMs));
    if (!(reqEnd > requestedPeriod.fromMs)) return null;
    return Math.max(0, end - fromMs) / (reqEnd - requestedPeriod.fromMs);
  }
  if (!(end > fromMs)) return null;
  if (!dataSpan) return 1;
  return measure(clip([dataSpan], fromMs, end)) / (end - fromMs);
}

/**
 * Where each device was not known to be offline in the period, from the registry's online history: an offline
 * transition (death, absent from a birth, status) starts an offline stretch, the next online transition ends it.
 * Before a device's first transition the registry knows nothing, so only its data can tell (history replayed or
 * backfilled with source times before the birth is graded like live data). Computed once per context.
 */
export function onlineIntervals(ctx: IndicatorContext): Map<string, Interval[]> {
  return memo(ctx, 'online.intervals', () => {
    const from = ctx.inputs.fromMs;
    const to = periodEndMs(ctx);
    const history = new Map<string, OnlineTransition[]>();
    for (const t of ctx.inputs.snapshot.onlineHistory)
      history.set(t.deviceId, [...(history.get(t.deviceId) ?? []), t]);
    const out = new Map<string, Interval[]>();
    for (const d of ctx.inputs.snapshot.devices) {
      const list = (history.get(d.id) ?? []).sort((a, b) => a.atMs - b.atMs);
      const before = list.filter((t) => t.atMs <= from);
      let online = before.length > 0 ? (before[before.length - 1] as OnlineTransition).online : true;
      const iv: Interval[] = [];
      let cursor = from;
      for (const t of list.filter((x) => x.atMs > from && x.atMs < to)) {
        if (online) iv.push({ startMs: cursor, endMs: t.atMs });
        cursor = t.atMs;
        online = t.online;
      }
      if (online) iv.push({ startMs: cursor, endMs: to });
      out.set(d.id, union(iv));
    }
    return out;
  });
}

/** Where a series answered with a Good value while its device was online (clipped to the period). */
export function seriesAnswering(ctx: IndicatorContext, s: SeriesActivity): Interval[] {
  const online = onlineIntervals(ctx).get(s.deviceId) ?? [];
  return intersect(union(clip(s.goodInForce, ctx.inputs.fromMs, periodEndMs(ctx))), online);
}

/** Where a device answered: online and at least one of its series with a Good value in force. */
export function deviceAnswering(ctx: IndicatorContext, deviceId: string): Interval[] {
  return memo(ctx, `answering:${deviceId}`, () => {
    const online = onlineIntervals(ctx).get(deviceId) ?? [];
    const good = union(
      (ctx.seriesByDevice.get(deviceId) ?? []).flatMap((s) =>
        clip(s.goodInForce, ctx.inputs.fromMs, periodEndMs(ctx)),
      ),
    );
    return intersect(good, online);
  });
}

export function goodPointsInPeriod(ctx: IndicatorContext, deviceId: string): number {
  return (ctx.seriesByDevice.get(deviceId) ?? []).reduce((a, s) => a + s.good, 0);
}
