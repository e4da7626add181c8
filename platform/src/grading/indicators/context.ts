import { inScope } from '../../oee/assets.js';
import type { RegistryDevice } from '../../registry/model.js';
import type { I18n } from '../common.js';
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
  const config = { ...defaultIndicatorConfig, ...inputs.config };
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

export function pointsInPeriod(ctx: IndicatorContext, deviceId: string): number {
  return (ctx.seriesByDevice.get(deviceId) ?? []).reduce((a, s) => a + s.present, 0);
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
