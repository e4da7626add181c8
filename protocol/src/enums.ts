import { z } from 'zod';

/** Energy media / 耗能工质 the platform accounts for (GB/T 2589-2020 Table A/B rows map onto these). */
export const mediumSchema = z.enum([
  'electricity',
  'naturalGas',
  'water',
  'compressedAir',
  'steam',
  'heat',
  'diesel',
  'gasoline',
  'lpg',
  'coal',
  'oxygen',
  'nitrogen',
]);
export type Medium = z.infer<typeof mediumSchema>;

/** Where a meter sits in the metering tree (GB 17167: whole unit → secondary unit → main equipment). */
export const meterRoleSchema = z.enum(['mainIncomer', 'feeder', 'equipment', 'utility', 'submeter']);
export type MeterRole = z.infer<typeof meterRoleSchema>;

export const deviceKindSchema = z.enum(['meter', 'machine', 'sensor', 'other']);
export type DeviceKind = z.infer<typeof deviceKindSchema>;

export const assetLevelSchema = z.enum(['factory', 'workshop', 'line', 'station']);
export type AssetLevel = z.infer<typeof assetLevelSchema>;

/**
 * What a metric measures. Units are fixed per quantity (see `quantityUnits`), so a number never travels
 * without knowing its unit; the agent converts or rejects values whose configured unit disagrees.
 */
export const quantitySchema = z.enum([
  'voltage', // V, phase-to-neutral per phase
  'current', // A
  'activePower', // kW
  'reactivePower', // kvar
  'apparentPower', // kVA
  'powerFactor', // 1 (0..1)
  'frequency', // Hz
  'voltageThd', // %
  'voltageUnbalance', // %
  'activeEnergyImport', // kWh counter
  'reactiveEnergyImport', // kvarh counter
  'demand15', // kW, 15-minute sliding/block demand
  'volume', // m³ counter (gas, compressed air, water in m³)
  'mass', // t counter (water, steam)
  'volumeFlow', // m³/h
  'massFlow', // t/h
  'pressure', // MPa
  'temperature', // °C
  'humidity', // %
  'machineState', // OPC 40001-1 MachineryItemState number
  'operationMode', // OPC 40001-1 MachineryOperationMode number
  'goodCount', // count (counter)
  'rejectCount', // count (counter)
  'idealCycleTime', // s
  'currentProduct', // text
  'other',
]);
export type Quantity = z.infer<typeof quantitySchema>;

/** Canonical unit per quantity (UCUM-like display strings). */
export const quantityUnits: Record<Quantity, string> = {
  voltage: 'V',
  current: 'A',
  activePower: 'kW',
  reactivePower: 'kvar',
  apparentPower: 'kVA',
  powerFactor: '1',
  frequency: 'Hz',
  voltageThd: '%',
  voltageUnbalance: '%',
  activeEnergyImport: 'kWh',
  reactiveEnergyImport: 'kvarh',
  demand15: 'kW',
  volume: 'm3',
  mass: 't',
  volumeFlow: 'm3/h',
  massFlow: 't/h',
  pressure: 'MPa',
  temperature: 'Cel',
  humidity: '%',
  machineState: '1',
  operationMode: '1',
  goodCount: '1',
  rejectCount: '1',
  idealCycleTime: 's',
  currentProduct: '',
  other: '',
};

/** Counters accumulate (consumption = increase); gauges are instantaneous; states are enumerations. */
export const metricKindSchema = z.enum(['gauge', 'counter', 'state', 'text']);
export type MetricKind = z.infer<typeof metricKindSchema>;

export const quantityKinds: Record<Quantity, MetricKind> = {
  voltage: 'gauge',
  current: 'gauge',
  activePower: 'gauge',
  reactivePower: 'gauge',
  apparentPower: 'gauge',
  powerFactor: 'gauge',
  frequency: 'gauge',
  voltageThd: 'gauge',
  voltageUnbalance: 'gauge',
  activeEnergyImport: 'counter',
  reactiveEnergyImport: 'counter',
  demand15: 'gauge',
  volume: 'counter',
  mass: 'counter',
  volumeFlow: 'gauge',
  massFlow: 'gauge',
  pressure: 'gauge',
  temperature: 'gauge',
  humidity: 'gauge',
  machineState: 'state',
  operationMode: 'state',
  goodCount: 'counter',
  rejectCount: 'counter',
  idealCycleTime: 'gauge',
  currentProduct: 'text',
  other: 'gauge',
};

export const phaseSchema = z.enum(['L1', 'L2', 'L3']);
export type Phase = z.infer<typeof phaseSchema>;

/** OPC 40001-1 MachineryItemState StateNumber values (Opc.Ua.Machinery.NodeSet2.xml, i=5004..5007). */
export const MachineryItemState = {
  NotAvailable: 0,
  OutOfService: 1,
  NotExecuting: 2,
  Executing: 3,
} as const;
export type MachineryItemStateName = keyof typeof MachineryItemState;

/** OPC 40001-1 MachineryOperationMode StateNumber values (Opc.Ua.Machinery.NodeSet2.xml, i=5024..5027). */
export const MachineryOperationMode = { None: 0, Maintenance: 1, Setup: 2, Processing: 3 } as const;
export type MachineryOperationModeName = keyof typeof MachineryOperationMode;
