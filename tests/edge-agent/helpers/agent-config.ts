import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentConfig } from '../../../edge-agent/src/config/schema.js';
import { validateConfig } from '../../../edge-agent/src/index.js';
import type { TestOpcuaServer } from './opcua-server.js';

export function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'xiang-edge-'));
}

/** A config for one test OPC UA server's variables, fast batching, health on a free port. */
export function opcuaAgentConfig(
  brokerUrl: string,
  server: TestOpcuaServer,
  over: Record<string, unknown> = {},
  sourceOver: Record<string, unknown> = {},
): AgentConfig {
  return validateConfig({
    factoryId: 'F1',
    agentId: 'A1',
    dataDir: tempDataDir(),
    uplink: { url: brokerUrl, reconnect: { initialDelayMs: 200, maxDelayMs: 2000 } },
    batching: { maxPoints: 200, maxDelayMs: 100 },
    health: { port: 0, logIntervalS: 0 },
    logLevel: 'warn',
    sources: [
      {
        type: 'opcua',
        name: 'plc1',
        endpoint: server.endpoint,
        reconnect: { initialDelayMs: 200, maxDelayMs: 2000 },
        defaults: { samplingIntervalMs: 0, queueSize: 100, publishingIntervalMs: 100 },
        nodes: server.opts.variables.map((v) => ({
          deviceId: v.deviceId,
          key: v.key,
          nodeId: server.nodeIdOf(v),
          quantity:
            v.quantity ??
            (v.dataType === 'Int32'
              ? 'goodCount'
              : v.dataType === 'String'
                ? 'currentProduct'
                : 'activePower'),
          ...(v.unit ? { unit: v.unit[1] } : {}),
        })),
        ...sourceOver,
      },
    ],
    ...over,
  });
}
