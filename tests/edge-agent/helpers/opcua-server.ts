import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DataType,
  DataValue,
  MessageSecurityMode,
  makeEUInformation,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCode,
  type UAVariable,
  Variant,
  VariantArrayType,
} from 'node-opcua';
import { freePort } from '../../harness/ports.js';

/**
 * A small real node-opcua server for agent tests: variables `ns=<n>;s=<deviceId>.<key>` under
 * Objects/TestPlant/<deviceId>, driven by a timer that writes deterministic values with explicit source
 * timestamps and records every one (the ground truth a subscriber's values are checked against).
 * `restart()` shuts the server down and brings up a fresh one on the same port with the same certificate.
 */
export type TestVariable = {
  deviceId: string;
  key: string;
  dataType?: 'Double' | 'Int32' | 'Boolean' | 'String';
  /** Quantity the agent config gives it (test helper default: by data type). */
  quantity?: string;
  /** EngineeringUnits as [UNECE code, symbol, long name] (adds an AnalogItem). */
  unit?: [string, string, string];
  /** value at tick n (default: n * 1.5 + offset). */
  valueAt?: (n: number) => number | boolean | string;
  /** status at tick n (default Good). */
  statusAt?: (n: number) => number;
  /**
   * An array variable of Doubles: `length` elements (ValueRank 1, ArrayDimensions [length]; with
   * `dimensionsUnknown` ArrayDimensions is not stated; with `valueRank: -2` it is declared "Any").
   * Element e at tick n = n * 1.5 + 100 * e.
   */
  array?: { length: number; dimensionsUnknown?: boolean; valueRank?: number };
};

export type ServerOptions = {
  variables: TestVariable[];
  /** Device properties (Medium, MeterRole, …) exposed as HasProperty children. */
  deviceProperties?: Record<string, Record<string, string | number>>;
  tickMs?: number;
  maxMonitoredItemsPerCall?: number;
  maxNodesPerRead?: number;
  secure?: boolean;
  /** Keep every written value for valueAt() (off for long benchmark runs). Default true. */
  recordTruth?: boolean;
  users?: Record<string, string>;
  port?: number;
};

export const TEST_NS_URI = 'urn:xiang-iiot:test';

export class TestOpcuaServer {
  server: OPCUAServer | null = null;
  port = 0;
  dir = '';
  nsIndex = 0;
  tick = 0;
  readonly published = new Map<string, Array<{ ts: number; value: unknown; status: number }>>();
  private timer: NodeJS.Timeout | null = null;
  private nodes = new Map<string, UAVariable>();
  private lastTs = 0;

  constructor(readonly opts: ServerOptions) {}

  get endpoint(): string {
    return `opc.tcp://127.0.0.1:${this.port}/UA/Test`;
  }

  nodeIdOf(v: TestVariable): string {
    return `ns=${this.nsIndex};s=${v.deviceId}.${v.key}`;
  }

  async start(): Promise<void> {
    if (!this.dir) this.dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-opcua-'));
    if (!this.port) this.port = this.opts.port ?? (await freePort());
    const secure = this.opts.secure ?? false;
    const serverCertificateManager = new OPCUACertificateManager({
      rootFolder: path.join(this.dir, 'pki'),
      automaticallyAcceptUnknownCertificate: true,
    });
    const users = this.opts.users;
    const server = new OPCUAServer({
      port: this.port,
      hostname: '127.0.0.1',
      alternateHostname: ['127.0.0.1'],
      resourcePath: '/UA/Test',
      serverCertificateManager,
      certificateFile: path.join(this.dir, 'server_cert.pem'),
      privateKeyFile: path.join(this.dir, 'pki', 'own', 'private', 'private_key.pem'),
      securityModes: secure ? [MessageSecurityMode.SignAndEncrypt] : [MessageSecurityMode.None],
      securityPolicies: secure ? [SecurityPolicy.Basic256Sha256] : [SecurityPolicy.None],
      allowAnonymous: !users,
      ...(users ? { userManager: { isValidUser: (u: string, p: string) => users[u] === p } } : {}),
      serverCapabilities: {
        maxSessions: 20,
        operationLimits: {
          maxMonitoredItemsPerCall: this.opts.maxMonitoredItemsPerCall ?? 0,
          maxNodesPerRead: this.opts.maxNodesPerRead ?? 0,
        },
      },
      serverInfo: { applicationUri: 'urn:xiang-iiot:test-server', productUri: 'xiang-test' },
    });
    await server.initialize();
    const as = server.engine.addressSpace!;
    const ns = as.registerNamespace(TEST_NS_URI);
    this.nsIndex = ns.index;
    const plant = ns.addObject({ organizedBy: as.rootFolder.objects, browseName: 'TestPlant' });
    const devices = new Map<string, ReturnType<typeof ns.addObject>>();
    this.nodes.clear();
    for (const v of this.opts.variables) {
      let dev = devices.get(v.deviceId);
      if (!dev) {
        dev = ns.addObject({ componentOf: plant, browseName: v.deviceId, nodeId: `s=${v.deviceId}` });
        devices.set(v.deviceId, dev);
        for (const [name, value] of Object.entries(this.opts.deviceProperties?.[v.deviceId] ?? {})) {
          ns.addVariable({
            propertyOf: dev,
            browseName: name,
            nodeId: `s=${v.deviceId}.${name}`,
            dataType: typeof value === 'number' ? 'Double' : 'String',
            value: { dataType: typeof value === 'number' ? DataType.Double : DataType.String, value },
          });
        }
      }
      const common = {
        componentOf: dev,
        browseName: v.key,
        nodeId: `s=${v.deviceId}.${v.key}`,
        minimumSamplingInterval: 0,
      };
      const node = v.array
        ? ns.addVariable({
            ...common,
            dataType: 'Double',
            valueRank: v.array.valueRank ?? 1,
            ...(v.array.dimensionsUnknown || v.array.valueRank !== undefined
              ? {}
              : { arrayDimensions: [v.array.length] }),
          })
        : v.unit
          ? ns.addAnalogDataItem({
              ...common,
              dataType: v.dataType ?? 'Double',
              engineeringUnits: makeEUInformation(v.unit[0], v.unit[1], v.unit[2]),
              engineeringUnitsRange: { low: 0, high: 1e6 },
            })
          : ns.addVariable({ ...common, dataType: v.dataType ?? 'Double' });
      this.nodes.set(`${v.deviceId}.${v.key}`, node as UAVariable);
    }
    await server.start();
    this.server = server;
    this.writeTick(); // a value exists before any client subscribes
    this.timer = setInterval(() => this.writeTick(), this.opts.tickMs ?? 100);
  }

  private writeTick(): void {
    const n = this.tick++;
    // Strictly increasing source timestamps, so (metric, ts) identifies a reading.
    const ts = Math.max(Date.now(), this.lastTs + 1);
    this.lastTs = ts;
    this.opts.variables.forEach((v, vi) => {
      const node = this.nodes.get(`${v.deviceId}.${v.key}`);
      if (!node) return;
      const value = v.array
        ? Array.from({ length: v.array.length }, (_, e) => n * 1.5 + 100 * e)
        : v.valueAt
          ? v.valueAt(n)
          : Math.round((n * 1.5 + vi) * 1000) / 1000;
      const status = v.statusAt ? v.statusAt(n) : 0;
      const dt =
        v.dataType === 'Int32'
          ? DataType.Int32
          : v.dataType === 'Boolean'
            ? DataType.Boolean
            : v.dataType === 'String'
              ? DataType.String
              : DataType.Double;
      node.setValueFromSource(
        Array.isArray(value)
          ? new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Array, value })
          : new Variant({ dataType: dt, value }),
        StatusCode.makeStatusCode(status as never),
        new Date(ts),
      );
      if (this.opts.recordTruth === false) return;
      const name = `${v.deviceId}.${v.key}`;
      let list = this.published.get(name);
      if (!list) {
        list = [];
        this.published.set(name, list);
      }
      list.push({ ts, value, status });
    });
  }

  /** Stops the value timer (values stay as they are). */
  pauseValues(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async stop(): Promise<void> {
    this.pauseValues();
    const s = this.server;
    this.server = null;
    await s?.shutdown(0);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Ground truth lookup: the value written at exactly this source timestamp. */
  valueAt(metric: string, ts: number): { value: unknown; status: number } | undefined {
    return this.published.get(metric)?.find((p) => p.ts === ts);
  }

  /** DataValue for direct checks. */
  static dv(value: number): DataValue {
    return new DataValue({ value: new Variant({ dataType: DataType.Double, value }) });
  }
}

export async function startTestOpcuaServer(opts: ServerOptions): Promise<TestOpcuaServer> {
  const s = new TestOpcuaServer(opts);
  await s.start();
  return s;
}
