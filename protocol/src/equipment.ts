import { z } from 'zod';
import classesJson from './equipment-classes.json' with { type: 'json' };

/**
 * Equipment a device declares (agent config, companion-spec metadata, simulator scenario) or a person
 * enters through the registry API: its class from the versioned list (equipment-classes.json), its role in a
 * lead/lag sequence, the nominal system voltage of the metering point, how it operates, its standby power and
 * nameplate. The wire accepts any well-formed class id (an agent may know a newer list); the platform says
 * when a class is not in its list. Diagnostics act on declared classes only — a name may suggest one.
 */
export const equipmentClassIdSchema = z
  .string()
  .regex(/^[a-z][A-Za-z0-9]{1,63}$/, 'expected a class id such as "airCompressor"');

/** How a load relates to production: what an off-shift analysis may call waste. */
export const operatingProfileSchema = z.enum([
  /** Runs with production; outside it only its standby power is expected. */
  'productionFollowing',
  /** A process load that must run around the clock (clean room, cold store, dormitory): never waste. */
  'alwaysOn',
  /** Runs on its own timetable (office HVAC, lighting): judged against its standby outside production. */
  'scheduled',
  /** Only ever draws standby power (spare equipment). */
  'standby',
]);
export type OperatingProfile = z.infer<typeof operatingProfileSchema>;

/** Position in a lead/lag sequence (compressors, chillers, pumps): lag and standby units run only on demand. */
export const sequenceRoleSchema = z.enum(['lead', 'lag', 'standby']);
export type SequenceRole = z.infer<typeof sequenceRoleSchema>;

export const nameplateSchema = z.object({
  manufacturer: z.string().min(1).max(100).optional(),
  model: z.string().min(1).max(100).optional(),
  year: z.number().int().min(1900).max(2100).optional(),
  /** Energy-efficiency grade or class as on the plate, e.g. "GB 19153 2级", "IE3". */
  efficiencyClass: z.string().min(1).max(32).optional(),
});
export type Nameplate = z.infer<typeof nameplateSchema>;

export const equipmentSchema = z.object({
  class: equipmentClassIdSchema.optional(),
  role: sequenceRoleSchema.optional(),
  /** Nominal system (line-to-line) voltage of the point, kV: 0.38, 10, 35 … — selects the PQ limits. */
  nominalVoltageKv: z.number().positive().max(1200).optional(),
  operatingProfile: operatingProfileSchema.optional(),
  /** Power expected outside production (standby, controls), kW; for a meter: of everything it measures directly. */
  standbyPowerKw: z.number().nonnegative().max(1_000_000).optional(),
  /** Mean power of an always-on load, kW (lets a shared meter's expected off-shift load be summed). */
  alwaysOnKw: z.number().nonnegative().max(1_000_000).optional(),
  nameplate: nameplateSchema.optional(),
});
export type Equipment = z.infer<typeof equipmentSchema>;

const classListSchema = z.object({
  version: z.string(),
  about: z.string(),
  classes: z.array(
    z.object({
      id: equipmentClassIdSchema,
      zh: z.string(),
      en: z.string(),
      group: z.enum(['utility', 'hvac', 'building', 'process', 'supply', 'production', 'other']),
      /** Runs in lead/lag sequences (a role is meaningful). */
      sequenced: z.boolean(),
      /** Regular expression (case-insensitive) on id/name: a SUGGESTION only. */
      namePattern: z.string(),
    }),
  ),
});
export type EquipmentClassInfo = z.infer<typeof classListSchema>['classes'][number];

/** The versioned list of equipment classes. */
export const equipmentClasses = classListSchema.parse(classesJson);

const byId = new Map(equipmentClasses.classes.map((c) => [c.id, c]));
export function equipmentClassInfo(id: string | undefined): EquipmentClassInfo | undefined {
  return id === undefined ? undefined : byId.get(id);
}

const patterns = equipmentClasses.classes.map((c) => ({ c, re: new RegExp(c.namePattern, 'i') }));
/** Classes whose name pattern matches the texts (id, name, asset) — suggestions for a person to confirm. */
export function suggestEquipmentClasses(texts: (string | undefined)[]): EquipmentClassInfo[] {
  const hay = texts.filter((x): x is string => !!x);
  return patterns.filter(({ re }) => hay.some((h) => re.test(h))).map(({ c }) => c);
}
