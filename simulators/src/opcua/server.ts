import os from 'node:os';
import path from 'node:path';
import {
  MessageSecurityMode,
  nodesets,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
} from 'node-opcua';
import type { Logger } from 'pino';
import { SIM_NAMESPACE_URI } from '../catalog.js';
import { LiveClock } from '../clock.js';
import { GroundTruth } from '../ground-truth.js';
import { Simulation } from '../physics/simulation.js';
import type { Snapshot } from '../physics/snapshot.js';
import type { Scenario } from '../scenario/schema.js';
import { buildAddressSpace, TickWriter, type VariableBinding } from './address-space.js';

export type SecurityModeName = 'None' | 'Sign' | 'SignAndEncrypt';

export type OpcuaSimulatorOptions = {
  scenario: Scenario;
  /** Share a simulation with other faces (MQTT devices, truth server); default: a new one. */
  simulation?: Simulation;
  port: number;
  /** Loopback by default; tests and demos never listen elsewhere. */
  host?: string;
  /** Simulated seconds per real second; `false` = no live clock (step the simulation yourself). */
  speed?: number | false;
  startMs?: number;
  faults?: boolean;
  /** PKI folder: the server certificate is created there once and reused (restarts keep it). */
  pkiDir?: string;
  /** Security modes offered; 'Sign'/'SignAndEncrypt' use Basic256Sha256 (plus Aes128/Aes256 policies). */
  securityModes?: SecurityModeName[];
  /** username/password users; when given, anonymous access follows `allowAnonymous` (default false). */
  users?: { username: string; password: string }[];
  allowAnonymous?: boolean;
  /** Trust every client certificate (default true: the agent's trust decisions are what tests exercise). */
  acceptAnyClientCertificate?: boolean;
  /** Server operation limits an agent must respect (defaults: 200 nodes per read, 200 items per call). */
  maxNodesPerRead?: number;
  maxMonitoredItemsPerCall?: number;
  maxNodesPerBrowse?: number;
  logger?: Logger;
};

export type OpcuaSimulator = {
  readonly endpointUrl: string;
  readonly port: number;
  readonly sim: Simulation;
  readonly truth: GroundTruth;
  readonly clock: LiveClock | null;
  /** Namespace index of urn:xiang-iiot:simulator in the running server (1). */
  readonly namespaceIndex: number;
  /** Path of the server certificate (PEM) in the PKI folder. */
  readonly certificateFile: string;
  /** Variables written so far (for throughput figures). */
  readonly writes: () => number;
  readonly isRunning: () => boolean;
  /** Open OPC UA sessions (0 after clients closed cleanly: no session leaks). */
  readonly sessionCount: () => number;
  /** Stops the OPC UA server only (the simulation keeps running): a server outage. */
  stopServer(): Promise<void>;
  /** Starts the server again on the same port with the same certificate. */
  startServer(): Promise<void>;
  close(): Promise<void>;
};

export const DEFAULT_PKI_DIR = path.join(os.homedir(), '.xiang-sim', 'pki');

export async function startOpcuaSimulator(opts: OpcuaSimulatorOptions): Promise<OpcuaSimulator> {
  const sim =
    opts.simulation ??
    new Simulation(opts.scenario, {
      ...(opts.startMs !== undefined ? { startMs: opts.startMs } : {}),
      ...(opts.faults === false ? { faults: false } : {}),
    });
  const host = opts.host ?? '127.0.0.1';
  const pkiDir = path.resolve(opts.pkiDir ?? DEFAULT_PKI_DIR);
  const log = opts.logger;
  let server: OPCUAServer | null = null;
  let writer: TickWriter | null = null;
  let writes = 0;
  const onTick = (snap: Snapshot) => {
    if (writer) writes += writer.write(snap);
  };
  sim.on('tick', onTick);

  const build = async (): Promise<void> => {
    const certificateManager = new OPCUACertificateManager({
      rootFolder: pkiDir,
      automaticallyAcceptUnknownCertificate: opts.acceptAnyClientCertificate ?? true,
    });
    const modes = opts.securityModes ?? ['None'];
    const users = opts.users ?? [];
    const s = new OPCUAServer({
      port: opts.port,
      // bind to loopback by default, and advertise the same host so endpoint URLs match what clients dial;
      // bound to all interfaces (containers), advertise the machine's host name instead of 0.0.0.0.
      host,
      hostname: host === '0.0.0.0' || host === '::' ? os.hostname() : host,
      serverCertificateManager: certificateManager,
      nodeset_filename: [nodesets.standard],
      serverInfo: {
        applicationUri: 'urn:xiang-iiot:simulator:server',
        productUri: 'urn:xiang-iiot:simulator',
        applicationName: { text: `xiang-sim ${opts.scenario.factory.id}` },
      },
      buildInfo: { productName: 'xiang-sim', manufacturerName: 'xiang-iiot', softwareVersion: '0.1.0' },
      securityModes: modes.map((m) => MessageSecurityMode[m]),
      securityPolicies: [
        ...(modes.includes('None') ? [SecurityPolicy.None] : []),
        ...(modes.some((m) => m !== 'None')
          ? [
              SecurityPolicy.Basic256Sha256,
              SecurityPolicy.Aes128_Sha256_RsaOaep,
              SecurityPolicy.Aes256_Sha256_RsaPss,
            ]
          : []),
      ],
      allowAnonymous: users.length === 0 ? true : (opts.allowAnonymous ?? false),
      userManager: {
        isValidUser: (username: string, password: string) =>
          users.some((u) => u.username === username && u.password === password),
      },
      disableDiscovery: true,
      skipOwnNamespace: true,
      maxConnectionsPerEndpoint: 50,
      serverCapabilities: {
        // 0: items sampled at 0 on variables with MinimumSamplingInterval 0 get every change (no coalescing);
        // see node-opcua-server monitored_item.js _adjust_sampling_interval.
        minSupportedSampleRate: 0,
        maxSessions: 50,
        operationLimits: {
          maxNodesPerRead: opts.maxNodesPerRead ?? 200,
          maxNodesPerBrowse: opts.maxNodesPerBrowse ?? 200,
          maxMonitoredItemsPerCall: opts.maxMonitoredItemsPerCall ?? 200,
          maxNodesPerWrite: 100,
          maxNodesPerTranslateBrowsePathsToNodeIds: 200,
          maxNodesPerRegisterNodes: 200,
          maxNodesPerMethodCall: 50,
        },
      },
    });
    await s.initialize();
    const addressSpace = s.engine.addressSpace;
    if (!addressSpace) throw new Error('OPC UA server has no address space after initialize()');
    const ns = addressSpace.registerNamespace(SIM_NAMESPACE_URI);
    const bindings: VariableBinding[] = buildAddressSpace(
      ns,
      addressSpace.rootFolder.objects,
      opts.scenario,
      sim.catalog,
    );
    writer = new TickWriter(bindings);
    if (sim.current) writes += writer.write(sim.current);
    await s.start();
    server = s;
    log?.info({ endpoint: endpointUrl, variables: bindings.length, pkiDir }, 'opc ua simulator listening');
  };

  const endpointUrl = `opc.tcp://${host}:${opts.port}`;
  await build();
  const clock =
    opts.speed === false ? null : new LiveClock(sim, { speed: opts.speed ?? opts.scenario.clock.speed });
  clock?.start();

  const stopServer = async () => {
    const s = server;
    server = null;
    writer = null;
    if (s) await s.shutdown(0);
    log?.info({ endpoint: endpointUrl }, 'opc ua simulator stopped');
  };
  return {
    endpointUrl,
    port: opts.port,
    sim,
    truth: new GroundTruth(sim),
    clock,
    namespaceIndex: 1,
    certificateFile: path.join(pkiDir, 'own/certs/certificate.pem'),
    writes: () => writes,
    isRunning: () => server !== null,
    sessionCount: () => server?.currentSessionCount ?? 0,
    stopServer,
    startServer: async () => {
      if (!server) await build();
    },
    close: async () => {
      clock?.stop();
      sim.off('tick', onTick);
      await stopServer();
    },
  };
}
