import path from 'node:path';
import {
  assetPathSchema,
  deviceKindSchema,
  idSchema,
  mediumSchema,
  meterRoleSchema,
  metricKeySchema,
  type Phase,
} from '@xiang/protocol';
import {
  AttributeIds,
  BrowseDirection,
  type ClientSession,
  NodeClass,
  NodeClassMask,
  type NodeId,
  type ReferenceDescription,
  resolveNodeId,
} from 'node-opcua';
import type { ScanCommand, ScanResult } from '../plugin.js';
import { type ArrayShape, fixedLength, readArrayShapes } from './arrays.js';
import { type CliUser, processPasswordSources, resolveCliUser } from './cli-user.js';
import { connectOnce } from './client.js';
import { configUnit, datatypeFromOpcua, guessQuantity, splitPhase, toId, toMetricKey } from './guess.js';
import { chunk, readOperationLimits } from './limits.js';
import { securityModeSchema, securityPolicySchema, type UserIdentityConfig } from './schema.js';

export type BrowseOptions = {
  endpoint: string;
  depth: number;
  security?: string | undefined;
  policy?: string | undefined;
  /** Login of the browse session, and what the skeleton writes instead (a reference, never the password). */
  user?: CliUser | undefined;
  pkiDir?: string | undefined;
  trustOnFirstUse: boolean;
  progress?: (msg: string) => void;
  /** Bound on visited nodes, so a huge server cannot make browse run forever. */
  maxNodes?: number;
};

type Found = { ref: ReferenceDescription; parent: ReferenceDescription | null; nodeId: NodeId };

const HAS_PROPERTY = 46;
const HIERARCHICAL = 33;
const META_PROPS: Record<string, string> = {
  medium: 'medium',
  meterrole: 'meterRole',
  parentmeter: 'parentMeter',
  assetpath: 'assetPath',
  devicekind: 'kind',
  ratedpowerkw: 'ratedPowerKw',
};

async function browseAll(
  session: ClientSession,
  nodes: NodeId[],
  maxPerCall: number,
): Promise<ReferenceDescription[][]> {
  const out: ReferenceDescription[][] = [];
  for (const part of chunk(nodes, maxPerCall)) {
    const results = await session.browse(
      part.map((nodeId) => ({
        nodeId,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: resolveNodeId(`i=${HIERARCHICAL}`),
        includeSubtypes: true,
        nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable,
        resultMask: 63,
      })),
    );
    for (const r of results) {
      const refs = [...(r.references ?? [])];
      let cp = r.continuationPoint;
      for (let i = 0; cp && cp.length > 0 && i < 1000; i++) {
        const next = await session.browseNext(cp, false);
        refs.push(...(next.references ?? []));
        cp = next.continuationPoint;
      }
      out.push(refs);
    }
  }
  return out;
}

async function readValues(
  session: ClientSession,
  ids: NodeId[],
  attributeId: number,
  maxPerCall: number,
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const part of chunk(ids, maxPerCall)) {
    const dvs = await session.read(part.map((nodeId) => ({ nodeId, attributeId })));
    for (const dv of dvs) out.push(dv.statusCode.isGood() ? dv.value.value : undefined);
  }
  return out;
}

/** Walks the address space from Objects and returns the source entry of a config skeleton. */
export async function browseToConfig(o: BrowseOptions): Promise<ScanResult> {
  const progress = o.progress ?? (() => {});
  const securityMode = securityModeSchema.parse(o.security ?? 'None');
  const securityPolicy = securityPolicySchema.parse(
    o.policy ?? (securityMode === 'None' ? 'None' : 'Basic256Sha256'),
  );
  const user: UserIdentityConfig = o.user?.identity ?? { type: 'anonymous' };
  const pkiDir = path.resolve(o.pkiDir ?? 'data/pki/opcua1');
  progress(`connecting to ${o.endpoint} (${securityMode}/${securityPolicy})…`);
  const { client, session } = await connectOnce({
    endpoint: o.endpoint,
    securityMode,
    securityPolicy,
    user,
    pkiDir,
    trustOnFirstUse: o.trustOnFirstUse,
  });
  try {
    const limits = await readOperationLimits(session);
    const namespaces = await session.readNamespaceArray();
    const maxNodes = o.maxNodes ?? 200_000;
    const variables: Found[] = [];
    const objectProps = new Map<string, Array<{ name: string; nodeId: NodeId }>>();
    let frontier: Array<{ nodeId: NodeId; ref: ReferenceDescription | null }> = [
      { nodeId: resolveNodeId('ObjectsFolder'), ref: null },
    ];
    let visited = 0;
    for (let level = 0; level < o.depth && frontier.length > 0 && visited < maxNodes; level++) {
      const refsPerNode = await browseAll(
        session,
        frontier.map((f) => f.nodeId),
        limits.maxNodesPerBrowse,
      );
      const next: typeof frontier = [];
      refsPerNode.forEach((refs, i) => {
        const parent = frontier[i]!;
        for (const ref of refs) {
          if (ref.nodeId.namespace === 0) continue; // the Server object and other standard nodes
          visited++;
          const nodeId = resolveNodeId(ref.nodeId.toString());
          const isProp = ref.referenceTypeId.namespace === 0 && ref.referenceTypeId.value === HAS_PROPERTY;
          if (ref.nodeClass === NodeClass.Object) next.push({ nodeId, ref });
          else if (ref.nodeClass === NodeClass.Variable) {
            if (isProp && parent.ref?.nodeClass === NodeClass.Object) {
              const key = parent.nodeId.toString();
              objectProps.set(key, [
                ...(objectProps.get(key) ?? []),
                { name: ref.browseName.name ?? '', nodeId },
              ]);
            } else if (!isProp) variables.push({ ref, parent: parent.ref, nodeId });
          }
        }
      });
      frontier = next;
      progress(`level ${level + 1}: ${visited} nodes, ${variables.length} variables`);
    }
    progress(`reading data types and engineering units of ${variables.length} variables…`);
    const dataTypes = await readValues(
      session,
      variables.map((v) => v.nodeId),
      AttributeIds.DataType,
      limits.maxNodesPerRead,
    );
    // EngineeringUnits is a HasProperty child of an AnalogItem: find it by browsing each variable's properties.
    const propRefs = await browseAll(
      session,
      variables.map((v) => v.nodeId),
      limits.maxNodesPerBrowse,
    );
    const euIds: Array<{ vi: number; nodeId: NodeId }> = [];
    propRefs.forEach((refs, vi) => {
      const eu = refs.find((r) => r.browseName.name === 'EngineeringUnits');
      if (eu) euIds.push({ vi, nodeId: resolveNodeId(eu.nodeId.toString()) });
    });
    const euValues = await readValues(
      session,
      euIds.map((e) => e.nodeId),
      AttributeIds.Value,
      limits.maxNodesPerRead,
    );
    const unitOf = new Map<number, string>();
    euIds.forEach((e, i) => {
      const eu = euValues[i] as { displayName?: { text?: string | null } } | undefined;
      const text = eu?.displayName?.text;
      if (text) unitOf.set(e.vi, text);
    });
    // Device metadata from properties of the device objects.
    const propList = [...objectProps.entries()].flatMap(([obj, props]) => props.map((p) => ({ obj, ...p })));
    const propValues = await readValues(
      session,
      propList.map((p) => p.nodeId),
      AttributeIds.Value,
      limits.maxNodesPerRead,
    );
    const metaByObject = new Map<string, Record<string, unknown>>();
    propList.forEach((p, i) => {
      const field = META_PROPS[p.name.toLowerCase()];
      if (!field) return;
      const raw = propValues[i];
      const value =
        typeof raw === 'object' && raw !== null && 'text' in raw ? (raw as { text: string }).text : raw;
      const schema = {
        medium: mediumSchema,
        meterRole: meterRoleSchema,
        parentMeter: idSchema,
        assetPath: assetPathSchema,
        kind: deviceKindSchema,
      }[field as 'medium'];
      if (field === 'ratedPowerKw') {
        if (typeof value === 'number' && value > 0)
          metaByObject.set(p.obj, { ...metaByObject.get(p.obj), ratedPowerKw: value });
      } else if (schema?.safeParse(value).success)
        metaByObject.set(p.obj, { ...metaByObject.get(p.obj), [field]: value });
    });

    const shapes = await readArrayShapes(
      session,
      variables.map((v) => v.nodeId),
      limits.maxNodesPerRead,
    );
    const nsUri = (ns: number) => namespaces[ns] ?? `ns${ns}`;
    const nodes: Array<Record<string, unknown>> = [];
    const devices = new Map<string, Record<string, unknown>>();
    const names = new Set<string>();
    const notes: string[] = [];
    variables.forEach((v, vi) => {
      const dtId = dataTypes[vi] as NodeId | undefined;
      const datatype = dtId && dtId.namespace === 0 ? datatypeFromOpcua(Number(dtId.value)) : null;
      if (!datatype) return; // structures, arrays of bytes… are not metrics
      const browseName = v.ref.browseName.name ?? '';
      const id = idsOf(v, browseName);
      const nodeId = `nsu=${nsUri(v.nodeId.namespace)};${v.nodeId.toString().replace(/^ns=\d+;/, '')}`;
      const shape = shapes[vi] ?? { valueRank: -1, dimensions: null };
      const elements = arrayElements(shape);
      if (elements === null) {
        notes.push(`skipped ${nodeId}: ${arrayNote(shape)}`);
        return;
      }
      const unit = unitOf.get(vi);
      const quantity0 = id.lineToLine ? 'other' : guessQuantity(id.base, unit, datatype);
      elements.forEach((index, n) => {
        // A 3-element array of a per-phase quantity is read as L1..L3; any other array as .0, .1, …
        const phase = id.phase ?? (elements.length === 3 && PHASED.has(quantity0) ? PHASES[n] : undefined);
        let key = id.key;
        if (index !== undefined) key = phase && !id.phase ? `${key}.${phase}` : `${key}.${index}`;
        let name = `${id.deviceId}.${key}`;
        for (let k = 2; names.has(name) && k < 1000; k++) name = `${id.deviceId}.${key}${k}`;
        names.add(name);
        const node: Record<string, unknown> = {
          deviceId: id.deviceId,
          key: name.slice(id.deviceId.length + 1),
          nodeId,
          quantity: quantity0,
        };
        if (index !== undefined) node.index = index;
        const cu = quantity0 === 'other' ? unit : configUnit(quantity0, unit);
        if (cu) node.unit = cu;
        if (datatype !== 'double') node.datatype = datatype;
        if (phase) node.phase = phase;
        nodes.push(node);
      });
      if (elements.length > 1 || elements[0] !== undefined) {
        notes.push(`${nodeId}: array of ${elements.length}, one metric per element ("index")`);
      }
      const meta = v.parent
        ? metaByObject.get(resolveNodeId(v.parent.nodeId.toString()).toString())
        : undefined;
      if (!devices.has(id.deviceId)) devices.set(id.deviceId, { id: id.deviceId, ...(meta ?? {}) });
    });
    progress(`${nodes.length} metrics on ${devices.size} devices`);
    return {
      devices: [...devices.values()].filter((d) => Object.keys(d).length > 1),
      source: {
        type: 'opcua',
        name: 'opcua1',
        endpoint: o.endpoint,
        securityMode,
        securityPolicy,
        ...(o.user && user.type !== 'anonymous' ? { user: o.user.inConfig } : {}),
        ...(o.pkiDir ? { pki: { dir: pkiDir } } : {}),
        nodes,
      },
      notes: [
        '由 xiang-edge browse 生成：请核对 factoryId、agentId、uplink 与每个测点的 quantity（按名称与工程单位推测）。',
        "Check factoryId, agentId, uplink and each node's quantity (guessed from browse names and engineering units).",
        ...(user.type === 'username'
          ? [
              `The password is not written here: user.password refers to ${o.user?.inConfig.type === 'username' ? o.user.inConfig.password : ''}.`,
            ]
          : []),
        ...notes,
      ],
    };
  } finally {
    await session.close().catch(() => {});
    await client.disconnect().catch(() => {});
  }
}

const PHASES = ['L1', 'L2', 'L3'] as const;
const PHASED = new Set([
  'voltage',
  'current',
  'activePower',
  'reactivePower',
  'apparentPower',
  'powerFactor',
]);
/** Arrays longer than this are skipped by browse (a waveform or a buffer, not a set of metrics). */
const MAX_ELEMENTS = 64;

/** Indices to read: [undefined] for a scalar, 0..n-1 for a short fixed array, null when not mappable. */
function arrayElements(s: ArrayShape): Array<number | undefined> | null {
  if (s.valueRank < 0) return [undefined];
  const n = fixedLength(s);
  if (n === null || n > MAX_ELEMENTS) return null;
  return Array.from({ length: n }, (_, i) => i);
}

function arrayNote(s: ArrayShape): string {
  const n = fixedLength(s);
  if (s.valueRank > 1) return `array of ${s.valueRank} dimensions (not supported)`;
  if (n !== null) return `array of ${n} elements (more than ${MAX_ELEMENTS}: a buffer, not metrics)`;
  return `array of unknown length (ValueRank ${s.valueRank}, no ArrayDimensions): add nodes with "index" by hand`;
}

type Ids = { deviceId: string; key: string; base: string; phase?: Phase; lineToLine?: boolean };

/** Device id and metric key: "<deviceId>.<metricKey>" NodeIds (the xiang convention), else from names. */
function idsOf(v: Found, browseName: string): Ids {
  const sid = typeof v.nodeId.value === 'string' ? v.nodeId.value : '';
  const dot = sid.indexOf('.');
  const deviceId = dot > 0 ? sid.slice(0, dot) : '';
  const key = dot > 0 ? sid.slice(dot + 1) : '';
  if (idSchema.safeParse(deviceId).success && metricKeySchema.safeParse(key).success) {
    const phase = (/(?:^|\.)(L[123])$/.exec(key)?.[1] as Phase | undefined) ?? undefined;
    return { deviceId, key, base: key.split('.')[0] ?? key, ...(phase ? { phase } : {}) };
  }
  const p = splitPhase(browseName);
  const base = toMetricKey(p.base);
  return {
    deviceId: toId(v.parent?.browseName.name ?? 'device'),
    key: p.suffix ? `${base}.${p.suffix}` : base,
    base,
    ...(p.phase ? { phase: p.phase } : {}),
    ...(p.lineToLine ? { lineToLine: true } : {}),
  };
}

export const browseCommand: ScanCommand = {
  usage:
    '<opc.tcp://…> [--depth N (10)] [--security None|Sign|SignAndEncrypt] [--policy Basic256Sha256|…]\n' +
    '            [--user name [--password-file f]] [--pki dir] [--trust-on-first-use]\n' +
    '            (password from --password-file, env XIANG_OPCUA_PASSWORD or a prompt — never the command line)',
  options: {
    depth: { type: 'string' },
    security: { type: 'string' },
    policy: { type: 'string' },
    user: { type: 'string' },
    'password-file': { type: 'string' },
    pki: { type: 'string' },
    'trust-on-first-use': { type: 'boolean' },
  },
  async run(values, positionals, progress) {
    const endpoint = positionals[0];
    if (!endpoint) throw new Error('browse needs an endpoint (opc.tcp://host:port)');
    const depth = values.depth ? Number(values.depth) : 10;
    if (!Number.isInteger(depth) || depth < 1 || depth > 20)
      throw new Error('--depth expects an integer 1..20');
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    return await browseToConfig({
      endpoint,
      depth,
      security: str('security'),
      policy: str('policy'),
      user: await resolveCliUser(str('user'), str('password-file'), processPasswordSources()),
      pkiDir: str('pki'),
      trustOnFirstUse: values['trust-on-first-use'] === true,
      progress,
    });
  },
};
