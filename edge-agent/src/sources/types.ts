import type { Device } from '@xiang/protocol';
import type { MetricDef } from '../config/model.js';
import type { DeviceMeta } from '../config/parts.js';
import type { SourceStats } from '../health/stats.js';

/** What a source hands its readings to (implemented by the pipeline). */
export interface PointSink {
  /** Registers a metric (from config, or discovered at run time) and returns its stable index. */
  register(def: MetricDef, device: DeviceMeta): number;
  /**
   * One reading. `value` is the raw source value (already unwrapped from OPC UA variants); the sink coerces
   * it to the metric's datatype, converts the unit and queues it. Non-Good `status` travels with the value.
   */
  push(index: number, def: MetricDef, sourceTsMs: number, value: unknown, status: number): void;
  /** Device reachability as the source sees it. */
  deviceStatus(deviceIds: string[], online: boolean, reason?: string): void;
}

export interface Source {
  readonly name: string;
  readonly type: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type SourceContext = {
  sink: PointSink;
  stats: SourceStats;
  log: import('pino').Logger;
  /** Device metadata declared at top level of the config. */
  devices: Map<string, DeviceMeta>;
  /** Identity of the agent, for stable per-source client ids (persistent broker sessions). */
  identity?: { factoryId: string; agentId: string };
  /**
   * The time stamped on readings of protocols that carry none (Modbus, DL/T 645): the moment the answer
   * arrived. Date.now unless the agent was started with another clock (tests drive a simulated plant).
   */
  now: () => number;
};

export type CheckResult = { target: string; ok: boolean; detail: string };

export type WireDevice = Device;
