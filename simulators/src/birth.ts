import os from 'node:os';
import type { Birth, Device, Metric } from '@xiang/protocol';
import type { Catalog, MetricDef } from './catalog.js';

export const SIM_VERSION = '0.1.0';

/** Metric keys the 'energy' preset keeps (no per-phase voltages/currents/powers, no frequency). */
const ENERGY_KEYS = new Set([
  'energyImport',
  'reactiveEnergyImport',
  'activePower',
  'reactivePower',
  'powerFactor',
  'demand15',
  'voltageThd',
  'voltageUnbalance',
  'volume',
  'mass',
  'flow',
  'state',
  'operationMode',
  'goodCount',
  'rejectCount',
  'idealCycleTime',
  'currentProduct',
  'temperature',
  'humidity',
]);

export type MetricPreset = 'all' | 'energy';

export function selectMetrics(catalog: Catalog, preset: MetricPreset): MetricDef[] {
  return preset === 'all' ? catalog.metrics : catalog.metrics.filter((m) => ENERGY_KEYS.has(m.key));
}

/**
 * The birth an agent reading this simulator would announce: every device with its metering metadata and every
 * metric with quantity, kind, unit and phase — taken from the same catalog that builds the OPC UA address space.
 * Metric index = catalog index + indexOffset (stable for a scenario).
 */
export function buildBirth(
  catalog: Catalog,
  metrics: MetricDef[],
  sessionId: string,
  timestampMs: number,
  indexOffset = 0,
): Birth {
  const deviceIds = new Set(metrics.map((m) => m.deviceId));
  const devices: Device[] = catalog.devices
    .filter((d) => deviceIds.has(d.id))
    .map((d) => ({
      id: d.id,
      kind: d.kind,
      assetPath: d.assetPath,
      name: d.name,
      ...(d.medium ? { medium: d.medium } : {}),
      ...(d.meterRole ? { meterRole: d.meterRole } : {}),
      ...(d.parentMeter ? { parentMeter: d.parentMeter } : {}),
      ...(d.ratedPowerKw !== undefined ? { ratedPowerKw: d.ratedPowerKw } : {}),
      ...(d.equipment ? { equipment: d.equipment } : {}),
      ...(d.measures ? { measures: d.measures } : {}),
      source: d.transport,
    }));
  const ms: Metric[] = metrics.map((m) => ({
    i: m.index + indexOffset,
    deviceId: m.deviceId,
    key: m.key,
    quantity: m.quantity,
    kind: m.kind,
    datatype: m.datatype,
    unit: m.unit,
    ...(m.phase ? { phase: m.phase } : {}),
    ...(m.rolloverAt ? { rolloverAt: m.rolloverAt } : {}),
    samplingIntervalMs: 0,
  }));
  return {
    sessionId,
    seq: 0,
    timestamp: timestampMs,
    agent: { version: `xiang-sim ${SIM_VERSION}`, hostname: os.hostname() },
    assets: catalog.assets,
    devices,
    metrics: ms,
  };
}
