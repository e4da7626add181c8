import {
  assetPathSchema,
  deviceKindSchema,
  type Equipment,
  equipmentClassIdSchema,
  idSchema,
  mediumSchema,
  meterRoleSchema,
  nameplateSchema,
  operatingProfileSchema,
  sequenceRoleSchema,
} from '@xiang/protocol';
import { z } from 'zod';

/**
 * Equipment fields a person sets (or, with null, hands back to the birth), field by field: confirming a
 * suggested class is `{ "equipment": { "class": "airCompressor" } }`.
 */
export const equipmentPatchSchema = z
  .object({
    class: equipmentClassIdSchema.nullable(),
    role: sequenceRoleSchema.nullable(),
    nominalVoltageKv: z.number().positive().max(1200).nullable(),
    operatingProfile: operatingProfileSchema.nullable(),
    standbyPowerKw: z.number().nonnegative().max(1_000_000).nullable(),
    alwaysOnKw: z.number().nonnegative().max(1_000_000).nullable(),
    nameplate: nameplateSchema.nullable(),
  })
  .partial()
  .strict();
export type EquipmentPatch = z.infer<typeof equipmentPatchSchema>;

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
    equipment: equipmentPatchSchema.nullable(),
    /** Meters: devices measured directly; [] states that it measures none directly. */
    measures: z.array(idSchema).max(1000).nullable(),
  })
  .partial()
  .strict();
export type DeviceOverridePatch = z.infer<typeof deviceOverrideSchema>;

/** Stored overrides: only fields with a value (equipment: only its fields with a value). */
export type DeviceOverrides = {
  [K in Exclude<keyof DeviceOverridePatch, 'equipment'>]?: Exclude<DeviceOverridePatch[K], null>;
} & { equipment?: Equipment };

function withoutNulls(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  return next;
}

export function mergeOverridePatch(current: DeviceOverrides, patch: DeviceOverridePatch): DeviceOverrides {
  const { equipment, ...rest } = patch;
  const next = withoutNulls(current, rest);
  if (equipment === null) delete next.equipment;
  else if (equipment !== undefined) {
    const e = withoutNulls((current.equipment as Record<string, unknown>) ?? {}, equipment);
    if (Object.keys(e).length) next.equipment = e;
    else delete next.equipment;
  }
  return next as DeviceOverrides;
}

/** The effective equipment: what the birth declared, overlaid field by field with a person's corrections. */
export function effectiveEquipment(
  born: Equipment | undefined,
  overridden: Equipment | undefined,
): Equipment | undefined {
  const e = { ...(born ?? {}), ...(overridden ?? {}) };
  return Object.keys(e).length ? e : undefined;
}
