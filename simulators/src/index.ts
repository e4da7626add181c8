/**
 * @xiang/simulators — factories that stand in for hardware: the OPC UA factory server, MQTT-only devices,
 * history backfill over xiang/v1, and the ground truth the tests compare against. See simulators/README.md.
 */
import { GroundTruth } from './ground-truth.js';
import { Simulation, type SimulationOptions } from './physics/simulation.js';
import type { Scenario } from './scenario/schema.js';

export { type BackfillOptions, type BackfillProgress, type BackfillResult, runBackfill } from './backfill.js';
export { buildBirth, type MetricPreset, selectMetrics } from './birth.js';
export {
  buildCatalog,
  type Catalog,
  counterKey,
  type DeviceDef,
  type MetricDef,
  nodeIdString,
  SIM_NAMESPACE_URI,
} from './catalog.js';
export { LiveClock, type LiveClockOptions } from './clock.js';
export { type FaultTruth, GroundTruth, type HourlyRow, type StateDurations } from './ground-truth.js';
export { createLogger } from './log.js';
export {
  type MqttDeviceSimulator,
  type MqttDeviceSimulatorOptions,
  type MqttDeviceStats,
  startMqttDeviceSimulator,
} from './mqtt/device-simulator.js';
export {
  type DevicePayload,
  devicePayloadSchema,
  type MalformedKind,
  malformedKinds,
} from './mqtt/payload.js';
export {
  DEFAULT_PKI_DIR,
  type OpcuaSimulator,
  type OpcuaSimulatorOptions,
  type SecurityModeName,
  startOpcuaSimulator,
} from './opcua/server.js';
export { Simulation, type SimulationOptions } from './physics/simulation.js';
export type { Snapshot } from './physics/snapshot.js';
export { type AdvanceProgress, advanceSimulation } from './resume.js';
export type { Fault, FaultType } from './scenario/faults.js';
export {
  loadScenario,
  parseScenario,
  parseScenarioYaml,
  resolveScenarioPath,
  SCENARIO_DIR,
  withoutFaults,
} from './scenario/load.js';
export type { MachineSpec, MeterSpec, Scenario, ScenarioInput } from './scenario/schema.js';
export { scenarioSchema } from './scenario/schema.js';
export { startTruthServer, type TruthServer } from './truth-http.js';

export function createSimulation(scenario: Scenario, opts: SimulationOptions = {}): Simulation {
  return new Simulation(scenario, opts);
}

export function groundTruth(sim: Simulation): GroundTruth {
  return new GroundTruth(sim);
}
export * from './random-plant/index.js';
export { type ScenarioRegistrySettings, scenarioRegistrySettings } from './registry-settings.js';
