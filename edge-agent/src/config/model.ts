import {
  type Datatype,
  type Device,
  type DeviceKind,
  type MetricKind,
  type Phase,
  type Quantity,
  quantityKinds,
} from '@xiang/protocol';
import type { DeviceMeta } from './schema.js';
import { conversionFor, type UnitConversion, wireUnit } from './units.js';

/** A metric as the agent knows it: name "<deviceId>.<key>", what it measures, how to convert it. */
export type MetricDef = {
  name: string;
  deviceId: string;
  key: string;
  quantity: Quantity;
  kind: MetricKind;
  datatype: Datatype;
  /** Unit on the wire (canonical for the quantity). */
  unit: string;
  conversion: UnitConversion;
  phase?: Phase;
  rolloverAt?: number;
  samplingIntervalMs?: number;
  source: string;
};

export function metricName(deviceId: string, key: string): string {
  return `${deviceId}.${key}`;
}

export function defaultDatatype(quantity: Quantity): Datatype {
  const kind = quantityKinds[quantity];
  if (kind === 'text') return 'string';
  if (kind === 'state') return 'int';
  if (quantity === 'goodCount' || quantity === 'rejectCount') return 'int';
  return 'double';
}

export type MetricSpecInput = {
  key: string;
  quantity: Quantity;
  unit?: string | undefined;
  datatype?: Datatype | undefined;
  phase?: Phase | undefined;
  rolloverAt?: number | undefined;
  samplingIntervalMs?: number | undefined;
};

/** Builds a metric definition; returns an error text when the unit does not fit the quantity. */
export function buildMetric(deviceId: string, spec: MetricSpecInput, source: string): MetricDef | string {
  const conversion = conversionFor(spec.quantity, spec.unit);
  if (typeof conversion === 'string') return conversion;
  const def: MetricDef = {
    name: metricName(deviceId, spec.key),
    deviceId,
    key: spec.key,
    quantity: spec.quantity,
    kind: quantityKinds[spec.quantity],
    datatype: spec.datatype ?? defaultDatatype(spec.quantity),
    unit: wireUnit(spec.quantity, spec.unit),
    conversion,
    source,
  };
  if (spec.phase) def.phase = spec.phase;
  if (spec.rolloverAt) def.rolloverAt = spec.rolloverAt;
  if (spec.samplingIntervalMs !== undefined) def.samplingIntervalMs = spec.samplingIntervalMs;
  return def;
}

const metaKeys = [
  'kind',
  'assetPath',
  'name',
  'medium',
  'meterRole',
  'parentMeter',
  'ratedPowerKw',
  'equipment',
  'measures',
] as const;

/** Picks the device metadata fields out of an object that may carry more (a node, a subscription). */
export function pickDeviceMeta(o: DeviceMeta): DeviceMeta {
  const out: Record<string, unknown> = {};
  for (const k of metaKeys) if (o[k] !== undefined) out[k] = o[k];
  return out as DeviceMeta;
}

/**
 * Merges metadata into a device record. Returns the name of the first field whose value conflicts with what
 * is already declared (so the config error can point at it), or null.
 */
export function mergeDeviceMeta(target: DeviceMeta, add: DeviceMeta): string | null {
  for (const k of metaKeys) {
    const v = add[k];
    if (v === undefined) continue;
    const cur = target[k];
    // Object fields (equipment, measures) conflict when their content differs.
    if (cur !== undefined && cur !== v && JSON.stringify(cur) !== JSON.stringify(v)) return k;
    (target as Record<string, unknown>)[k] = v;
  }
  return null;
}

const METER_QUANTITIES = new Set<Quantity>([
  'voltage',
  'current',
  'activePower',
  'reactivePower',
  'apparentPower',
  'powerFactor',
  'activeEnergyImport',
  'reactiveEnergyImport',
  'demand15',
  'volume',
  'mass',
]);

/** The wire device record: kind defaults from what it measures when nobody declared it. */
export function toWireDevice(id: string, meta: DeviceMeta, quantities: Quantity[], source: string): Device {
  let kind: DeviceKind = meta.kind ?? 'other';
  if (!meta.kind) {
    if (quantities.some((q) => q === 'machineState' || q === 'goodCount')) kind = 'machine';
    else if (quantities.some((q) => METER_QUANTITIES.has(q))) kind = 'meter';
    else if (quantities.length > 0) kind = 'sensor';
  }
  const d: Device = { id, kind, assetPath: meta.assetPath ?? '', source };
  if (meta.name) d.name = meta.name;
  if (meta.medium) d.medium = meta.medium;
  if (meta.meterRole) d.meterRole = meta.meterRole;
  if (meta.parentMeter) d.parentMeter = meta.parentMeter;
  if (meta.ratedPowerKw) d.ratedPowerKw = meta.ratedPowerKw;
  if (meta.equipment) d.equipment = meta.equipment;
  if (meta.measures) d.measures = meta.measures;
  return d;
}
