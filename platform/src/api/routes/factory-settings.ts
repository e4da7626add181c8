import { shiftCalendarSchema } from '@xiang/protocol';
import { z } from 'zod';
import { hunanTouTariff, touTariffSchema } from '../../energy/accounting/tou.js';
import {
  alarmThresholdsSchema,
  type FactorySettingsStore,
  tariffSettingsSchema,
} from '../../registry/factory-settings.js';
import type { Registry } from '../../registry/registry.js';
import { resolveTariff } from '../../services/energy-monitoring/index.js';
import { factoryParams } from '../params.js';
import { badRequest, HttpProblem, notFound } from '../problem.js';
import { API_PREFIX, type ApiDeps, type RouteModule } from '../types.js';

/**
 * 工厂设置: what the console's settings page edits in one resource — the tariff and alarm thresholds (their own
 * table), the production calendar, contract demand and power-factor standard (the factory profile) and the main
 * incomer (the settings, plus the meter's role in the device overrides, so diagnoses see it too). PUT changes only
 * the sections it carries; `null` clears contract demand, calendar or main incomer.
 */
const pfStandard = z.union([z.literal(0.9), z.literal(0.85), z.literal(0.8)]);
const settingsOut = z
  .object({
    factoryId: z.string(),
    tariff: tariffSettingsSchema,
    alarms: alarmThresholdsSchema,
    contractDemandKw: z.number().nullable(),
    powerFactorStandard: pfStandard,
    calendar: shiftCalendarSchema.nullable(),
    mainIncomerId: z.string().nullable(),
    /** How the tariff reads: schedule, its source, the prices and where they come from. */
    resolvedTariff: z.object({ schedule: z.string(), scheduleSource: z.string(), prices: z.string() }),
    /** ToU schedules shipped as data, with their source and confidence. */
    shippedSchedules: z.array(touTariffSchema),
    updatedAtMs: z.number().nullable(),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: 'FactorySettings' });

const settingsIn = z
  .object({
    tariff: tariffSettingsSchema.optional(),
    alarms: alarmThresholdsSchema.optional(),
    contractDemandKw: z.number().positive().max(10_000_000).nullable().optional(),
    powerFactorStandard: pfStandard.optional(),
    calendar: shiftCalendarSchema.nullable().optional(),
    mainIncomerId: z.string().min(1).max(64).nullable().optional(),
  })
  .strict();

function view(
  registry: Registry,
  store: FactorySettingsStore,
  factoryId: string,
): z.infer<typeof settingsOut> {
  const profile = registry.factory(factoryId);
  if (!profile) throw notFound(`factory "${factoryId}" is not known`);
  const s = store.get(factoryId);
  const registered = registry
    .devices(factoryId)
    .find((d) => d.kind === 'meter' && d.meterRole === 'mainIncomer');
  return {
    factoryId,
    tariff: s.tariff,
    alarms: s.alarms,
    contractDemandKw: profile.contractDemandKw ?? null,
    powerFactorStandard: profile.powerFactorStandard,
    calendar: profile.calendar ?? null,
    mainIncomerId: s.mainIncomerId ?? registered?.id ?? null,
    resolvedTariff: resolveTariff(s.tariff).source,
    shippedSchedules: [hunanTouTariff],
    updatedAtMs: s.updatedAtMs,
    updatedBy: s.updatedBy,
  };
}

function storeOf(deps: ApiDeps): FactorySettingsStore {
  if (!deps.factorySettings)
    throw new HttpProblem(503, 'factory settings are not available on this platform');
  return deps.factorySettings;
}

export const factorySettingsRoutes: RouteModule = {
  name: 'factory-settings',
  register(app, deps) {
    const { registry } = deps;
    const path = `${API_PREFIX}/factories/:factoryId/settings`;
    app.get(
      path,
      {
        schema: {
          tags: ['factories'],
          summary: '工厂设置 · Factory settings',
          description:
            'Tariff (flat price, monthly agency-purchase prices, time-of-use schedule — Hunan 湘发改价调〔2025〕385号 ' +
            'by default — two-part demand price, other media prices), alarm thresholds, production calendar, contract ' +
            'demand, power-factor standard and main incomer.',
          params: factoryParams,
          response: { 200: settingsOut },
        },
      },
      async (req) => view(registry, storeOf(deps), req.params.factoryId),
    );
    app.put(
      path,
      {
        schema: {
          tags: ['factories'],
          summary: '保存工厂设置 · Save factory settings',
          description: 'Sections present in the body replace the stored ones; `null` clears a value.',
          params: factoryParams,
          body: settingsIn,
          response: { 200: settingsOut },
        },
      },
      async (req) => {
        const { factoryId } = req.params;
        const store = storeOf(deps);
        const profile = registry.factory(factoryId);
        if (!profile) throw notFound(`factory "${factoryId}" is not known`);
        const b = req.body;
        const incomer = b.mainIncomerId;
        if (incomer) {
          const d = registry.device(factoryId, incomer);
          if (d?.kind !== 'meter')
            throw badRequest(`"${incomer}" is not a meter of factory "${factoryId}"`, 'body.mainIncomerId');
        }
        const current = store.get(factoryId);
        const { updatedAtMs: _a, updatedBy: _b, mainIncomerId: oldIncomer, ...rest } = current;
        const mainIncomerId = incomer === undefined ? oldIncomer : (incomer ?? undefined);
        store.put(
          factoryId,
          {
            ...rest,
            ...(b.tariff ? { tariff: b.tariff } : {}),
            ...(b.alarms ? { alarms: b.alarms } : {}),
            ...(mainIncomerId ? { mainIncomerId } : {}),
          },
          req.principal?.name ?? 'api',
        );
        if (incomer) registry.patchDevice(factoryId, incomer, { meterRole: 'mainIncomer' });
        if (b.contractDemandKw !== undefined || b.calendar !== undefined || b.powerFactorStandard) {
          const { contractDemandKw: _c, calendar: _d, ...keep } = profile;
          const contract = b.contractDemandKw === undefined ? profile.contractDemandKw : b.contractDemandKw;
          const calendar = b.calendar === undefined ? profile.calendar : b.calendar;
          registry.putFactory({
            ...keep,
            ...(contract ? { contractDemandKw: contract } : {}),
            ...(calendar ? { calendar } : {}),
            ...(b.powerFactorStandard ? { powerFactorStandard: b.powerFactorStandard } : {}),
          });
        }
        deps.monitoring?.invalidate(factoryId);
        deps.alarms?.settingsChanged(factoryId);
        return view(registry, store, factoryId);
      },
    );
  },
};
