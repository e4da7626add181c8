import { assetPathSchema, deviceKindSchema, idSchema, mediumSchema, meterRoleSchema } from '@xiang/protocol';
import { z } from 'zod';

/**
 * What a person may correct about a device (the device or its agent config may not know it): e.g. which
 * meter is the main incomer, its parent in the metering tree, the rated, idle and standby power, whether it
 * counts as production equipment. A PATCH sets a field; `null` removes the override (back to what the
 * birth reports). `parentMeter: ""` states that the meter has no parent.
 */
export const deviceOverrideSchema = z
  .object({
    name: z.string().min(1).max(200).nullable(),
    kind: deviceKindSchema.nullable(),
    assetPath: assetPathSchema.nullable(),
    medium: mediumSchema.nullable(),
    meterRole: meterRoleSchema.nullable(),
    parentMeter: z.union([idSchema, z.literal('')]).nullable(),
    ratedPowerKw: z.number().positive().nullable(),
    standbyPowerKw: z.number().nonnegative().nullable(),
    /** Power while powered up but not working (NotExecuting) — prices idling in energy diagnostics. */
    idlePowerKw: z.number().nonnegative().nullable(),
    production: z.boolean().nullable(),
  })
  .partial()
  .strict();
export type DeviceOverridePatch = z.infer<typeof deviceOverrideSchema>;

/** Stored overrides: only fields with a value. */
export type DeviceOverrides = { [K in keyof DeviceOverridePatch]?: Exclude<DeviceOverridePatch[K], null> };

export function mergeOverridePatch(current: DeviceOverrides, patch: DeviceOverridePatch): DeviceOverrides {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  return next as DeviceOverrides;
}
