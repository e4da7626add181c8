import {
  equipmentClasses,
  equipmentClassInfo,
  equipmentSchema,
  suggestEquipmentClasses,
} from '@xiang/protocol';
import { z } from 'zod';
import { equipmentPatchSchema } from '../../registry/overrides.js';
import { deviceParams, factoryParams } from '../params.js';
import { notFound } from '../problem.js';
import { API_PREFIX, type RouteModule } from '../types.js';

const classSchema = z.object({
  id: z.string(),
  zh: z.string(),
  en: z.string(),
  group: z.string(),
  sequenced: z.boolean(),
  namePattern: z.string(),
});
const equipmentViewSchema = z
  .object({
    deviceId: z.string(),
    kind: z.string(),
    name: z.string().optional(),
    assetPath: z.string(),
    equipment: equipmentSchema.optional(),
    measures: z.array(z.string()).optional(),
    /** Where each equipment field comes from: the device's birth/agent config, or a person's entry. */
    sources: z.record(z.string(), z.enum(['device', 'person'])),
    /** The declared class is in this platform's list (a newer agent may declare one it does not know). */
    classKnown: z.boolean().nullable(),
    /** Classes the id/name/asset suggest — shown for a person to confirm; no rule acts on them. */
    suggestions: z.array(z.object({ class: z.string(), zh: z.string(), en: z.string() })),
  })
  .meta({ id: 'DeviceEquipment' });

/**
 * Declared equipment per device (issue 9): class from the versioned list, lead/lag role, nominal voltage,
 * operating profile, standby, nameplate — with where each field came from, and name-based suggestions for
 * devices without a class. A PATCH confirms or corrects fields (null hands a field back to the device).
 */
export const equipmentRoutes: RouteModule = {
  name: 'equipment',
  register(app, { registry }) {
    const base = `${API_PREFIX}/factories/:factoryId`;
    app.get(
      `${API_PREFIX}/equipment-classes`,
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['devices'],
          summary: '设备类别表 · Equipment classes (versioned list)',
          response: { 200: z.object({ version: z.string(), classes: z.array(classSchema) }) },
        },
      },
      async () => ({ version: equipmentClasses.version, classes: equipmentClasses.classes }),
    );
    app.get(
      `${base}/equipment`,
      {
        schema: {
          tags: ['devices'],
          summary: '设备类别与铭牌 · Declared equipment, sources and suggestions',
          params: factoryParams,
          response: { 200: z.array(equipmentViewSchema) },
        },
      },
      async (req) =>
        registry.devices(req.params.factoryId).map((d) => {
          const sources: Record<string, 'device' | 'person'> = {};
          for (const k of Object.keys(d.equipment ?? {}))
            sources[k] = d.overridden.includes(`equipment.${k}`) ? 'person' : 'device';
          const cls = d.equipment?.class;
          return {
            deviceId: d.id,
            kind: d.kind,
            ...(d.name ? { name: d.name } : {}),
            assetPath: d.assetPath,
            ...(d.equipment ? { equipment: d.equipment } : {}),
            ...(d.measures ? { measures: d.measures } : {}),
            sources,
            classKnown: cls === undefined ? null : equipmentClassInfo(cls) !== undefined,
            suggestions:
              cls === undefined
                ? suggestEquipmentClasses([d.id, d.name, d.assetPath.split('/').pop()]).map((c) => ({
                    class: c.id,
                    zh: c.zh,
                    en: c.en,
                  }))
                : [],
          };
        }),
    );
    app.patch(
      `${base}/equipment/:deviceId`,
      {
        schema: {
          tags: ['devices'],
          summary: '确认/修正设备类别 · Confirm or correct a device’s equipment',
          description:
            'Sets equipment fields as a person states them (they win over later births); null hands a field back to the device. ' +
            'Example: {"class":"airCompressor","role":"lead"} confirms a suggested class.',
          params: deviceParams,
          body: equipmentPatchSchema,
        },
      },
      async (req) => {
        const d = registry.patchDevice(req.params.factoryId, req.params.deviceId, { equipment: req.body });
        if (!d)
          throw notFound(`device "${req.params.deviceId}" is not known in factory "${req.params.factoryId}"`);
        return {
          deviceId: d.id,
          ...(d.equipment ? { equipment: d.equipment } : {}),
          overridden: d.overridden,
        };
      },
    );
  },
};
