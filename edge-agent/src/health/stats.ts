/** Counters the agent keeps; served by the health endpoint and logged periodically. */
/** State of one configured point (OPC UA node, Modbus register, DL/T 645 data identifier). */
export type NodeState = {
  metric: string;
  /** Where the point is read: NodeId or browse path, `unit 3 holding 40001`, `DI 02010100`. */
  nodeId: string;
  /** Last status as text ("Good", "BadNodeIdUnknown (0x80340000)"…). */
  status: string;
  error?: string;
  lastSourceTs?: number;
  lastServerTs?: number;
};

export type SourceStats = {
  name: string;
  /** The source plugin's type (sources/registry.ts). */
  type: string;
  connected: boolean;
  valuesRead: number;
  /** Values that arrived with Bad or Uncertain quality (forwarded with that quality). */
  valuesBad: number;
  valuesUncertain: number;
  reconnections: number;
  /** Rejected inputs per reason (malformedJson, missingField, wrongType, unknownTopic, …). */
  rejected: Record<string, number>;
  lastError?: string;
  lastErrorAt?: number;
  /** Figures of the source's own kind, declared by its plugin (`health`): queueOverflows, timeouts, … */
  counters: Record<string, number>;
  nodes?: Record<string, NodeState>;
};

export class Stats {
  readonly startedAt = Date.now();
  valuesQueued = 0;
  batchesQueued = 0;
  /** Values dropped before the queue (invalid timestamp, queue write failure), per reason. */
  rejected: Record<string, number> = {};
  readonly sources = new Map<string, SourceStats>();
  readonly uplink = {
    connected: false,
    sessionId: '',
    reconnections: 0,
    births: 0,
    publishedBatches: 0,
    publishedPoints: 0,
    replayedBatches: 0,
    replayedPoints: 0,
    /** True while the backlog of this connection is not yet completely sent and acknowledged. */
    replaying: false,
    lastError: undefined as string | undefined,
  };
  readonly queue = { droppedBatches: 0, droppedPoints: 0, droppedBySize: 0, droppedByAge: 0 };

  source(name: string, type: string): SourceStats {
    let s = this.sources.get(name);
    if (!s) {
      s = {
        name,
        type,
        connected: false,
        valuesRead: 0,
        valuesBad: 0,
        valuesUncertain: 0,
        reconnections: 0,
        rejected: {},
        counters: {},
      };
      this.sources.set(name, s);
    }
    return s;
  }

  reject(where: Record<string, number>, reason: string, n = 1): void {
    where[reason] = (where[reason] ?? 0) + n;
  }
}
