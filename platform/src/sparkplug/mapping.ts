import { readFileSync } from 'node:fs';
import {
  assetPathSchema,
  deviceKindSchema,
  formatZodIssues,
  idSchema,
  mediumSchema,
  meterRoleSchema,
  metricKeySchema,
  phaseSchema,
  type Quantity,
  quantitySchema,
  quantityUnits,
} from '@xiang/protocol';
import YAML from 'yaml';
import { z } from 'zod';

/**
 * The mapping file: Sparkplug group → factory, edge node → agent, device → device (with the attributes the
 * energy and grading code needs), metric name → key, quantity and unit. Patterns use `*` (any run of
 * characters) and `?` (one character); the first entry that matches wins. Templates use {group}, {node},
 * {device}; what they produce is made a valid id (other characters become `_`).
 */
const pattern = z.string().min(1).max(256);
const template = z.string().min(1).max(128);

const deviceRuleSchema = z.object({
  match: pattern,
  kind: deviceKindSchema.default('other'),
  assetPath: assetPathSchema.default(''),
  name: z.string().min(1).max(200).optional(),
  meterRole: meterRoleSchema.optional(),
  medium: mediumSchema.optional(),
});

const metricRuleSchema = z
  .object({
    match: pattern,
    /** Only for devices (Sparkplug device ids) matching this; omitted = any device and the node itself. */
    device: pattern.optional(),
    key: metricKeySchema.optional(),
    quantity: quantitySchema,
    /** Must be the quantity's canonical unit (protocol `quantityUnits`); the platform does not convert. */
    unit: z.string().max(16).optional(),
    phase: phaseSchema.optional(),
  })
  .refine((m) => m.unit === undefined || m.unit === quantityUnits[m.quantity], {
    message: 'unit must be the canonical unit of the quantity (see protocol quantityUnits)',
    path: ['unit'],
  });

const groupRuleSchema = z.object({
  group: pattern,
  factory: idSchema,
  agent: template.default('{node}'),
  deviceId: template.default('{device}'),
  /** Device that holds the edge node's own metrics (those of NBIRTH/NDATA). */
  nodeDevice: template.default('{node}'),
  devices: z.array(deviceRuleSchema).max(10_000).default([]),
  metrics: z.array(metricRuleSchema).max(10_000).default([]),
});

export const sparkplugMappingSchema = z.object({ groups: z.array(groupRuleSchema).min(1).max(1000) });
export type SparkplugMapping = z.infer<typeof sparkplugMappingSchema>;
export type GroupRule = z.infer<typeof groupRuleSchema>;
export type DeviceAttrs = Omit<z.infer<typeof deviceRuleSchema>, 'match'>;
export type MetricAttrs = { key: string; quantity: Quantity; unit: string; phase?: 'L1' | 'L2' | 'L3' };

/** Reads and validates the mapping file; throws with one line per problem. */
export function loadMappingFile(file: string): SparkplugMapping {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`sparkplug mapping file ${file}: ${(e as Error).message}`);
  }
  return parseMapping(doc, `mapping file ${file}`);
}

export function parseMapping(doc: unknown, where = 'mapping'): SparkplugMapping {
  const r = sparkplugMappingSchema.safeParse(doc);
  if (!r.success) throw new Error(`sparkplug ${where}: ${formatZodIssues(r.error).join('; ')}`);
  return r.data;
}

const regexCache = new Map<string, RegExp>();
/** Full match of a `*`/`?` pattern; every other character is literal. */
export function matches(p: string, s: string): boolean {
  let re = regexCache.get(p);
  if (!re) {
    const body = p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 's');
    if (regexCache.size < 10_000) regexCache.set(p, re);
  }
  return re.test(s);
}

/** Any string → a valid platform id: other characters become `_`, at most 64, starting alphanumeric. */
export function toId(s: string): string {
  let id = s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  if (!/^[A-Za-z0-9]/.test(id)) id = `x${id}`.slice(0, 64);
  return idSchema.parse(id);
}

/**
 * A Sparkplug metric name → a metric key: `/` separates folders (spec §6.4.4) and becomes `.`; other
 * characters become `_`; each part starts with a letter or digit, the first with a letter.
 */
export function metricKeyFromName(name: string): string {
  const parts = name
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/[^A-Za-z0-9_]/g, '_'));
  if (parts.length === 0) return 'value';
  if (!/^[A-Za-z]/.test(parts[0] as string)) parts[0] = `m${parts[0]}`;
  return metricKeySchema.parse(parts.join('.'));
}

export const findGroup = (m: SparkplugMapping, groupId: string): GroupRule | undefined =>
  m.groups.find((g) => matches(g.group, groupId));

const fill = (t: string, v: { group: string; node: string; device?: string }) =>
  t.replace(/\{(group|node|device)\}/g, (_, k: 'group' | 'node' | 'device') => v[k] ?? '');

export const agentIdFor = (g: GroupRule, groupId: string, node: string): string =>
  toId(fill(g.agent, { group: groupId, node }));

/** The platform device id of a Sparkplug device, or (device undefined) of the edge node's own metrics. */
export function deviceIdFor(g: GroupRule, groupId: string, node: string, device?: string): string {
  if (device === undefined) return toId(fill(g.nodeDevice, { group: groupId, node }));
  return toId(fill(g.deviceId, { group: groupId, node, device }));
}

export function deviceAttrsFor(g: GroupRule, device: string | undefined): DeviceAttrs {
  const rule = device === undefined ? undefined : g.devices.find((d) => matches(d.match, device));
  if (!rule) return { kind: 'other', assetPath: '' };
  const { match: _, ...attrs } = rule;
  return attrs;
}

/** A metric's key, quantity and unit: the first matching rule, else its name as key, quantity `other`. */
export function metricAttrsFor(g: GroupRule, device: string | undefined, name: string): MetricAttrs {
  const rule = g.metrics.find(
    (m) =>
      matches(m.match, name) &&
      (m.device === undefined || (device !== undefined && matches(m.device, device))),
  );
  if (!rule) return { key: metricKeyFromName(name), quantity: 'other', unit: quantityUnits.other };
  return {
    key: rule.key ?? metricKeyFromName(name),
    quantity: rule.quantity,
    unit: rule.unit ?? quantityUnits[rule.quantity],
    ...(rule.phase ? { phase: rule.phase } : {}),
  };
}
