import path from 'node:path';
import {
  assetPathSchema,
  deviceKindSchema,
  idSchema,
  mediumSchema,
  meterRoleSchema,
  metricKeySchema,
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
import { stringify } from 'yaml';
import { validateConfig } from '../config/load.js';
import { securityModeSchema, securityPolicySchema, type UserIdentityConfig } from '../config/schema.js';
import { connectOnce } from '../sources/opcua/client.js';
import { chunk, readOperationLimits } from '../sources/opcua/limits.js';
import { configUnit, datatypeFromOpcua, guessPhase, guessQuantity, toId, toMetricKey } from './guess.js';

export type BrowseOptions = {
  endpoint: string;
  depth: number;
  security?: string | undefined;
  policy?: string | undefined;
  user?: string | undefined;
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

function parseUser(u: string | undefined): UserIdentityConfig {
  if (!u) return { type: 'anonymous' };
  const i = u.indexOf(':');
  if (i < 1) throw new Error('--user expects user:password');
  return { type: 'username', username: u.slice(0, i), password: u.slice(i + 1) };
}

/** Walks the address space from Objects and returns a YAML config skeleton that validates as is. */
export async function browseToConfig(o: BrowseOptions): Promise<string> {
  const progress = o.progress ?? (() => {});
  const securityMode = securityModeSchema.parse(o.security ?? 'None');
  const securityPolicy = securityPolicySchema.parse(
    o.policy ?? (securityMode === 'None' ? 'None' : 'Basic256Sha256'),
  );
  const user = parseUser(o.user);
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

    const nsUri = (ns: number) => namespaces[ns] ?? `ns${ns}`;
    const nodes: Array<Record<string, unknown>> = [];
    const devices = new Map<string, Record<string, unknown>>();
    const names = new Set<string>();
    variables.forEach((v, vi) => {
      const dtId = dataTypes[vi] as NodeId | undefined;
      const datatype = dtId && dtId.namespace === 0 ? datatypeFromOpcua(Number(dtId.value)) : null;
      if (!datatype) return; // structures, arrays of bytes… are not metrics
      const browseName = v.ref.browseName.name ?? '';
      // Servers following the xiang convention name nodes "<deviceId>.<metricKey>": take ids from there.
      const sid = typeof v.nodeId.value === 'string' ? v.nodeId.value : '';
      const dot = sid.indexOf('.');
      let deviceId = dot > 0 ? sid.slice(0, dot) : '';
      let key = dot > 0 ? sid.slice(dot + 1) : '';
      if (!idSchema.safeParse(deviceId).success || !metricKeySchema.safeParse(key).success) {
        deviceId = toId(v.parent?.browseName.name ?? 'device');
        key = toMetricKey(browseName);
      }
      let name = `${deviceId}.${key}`;
      for (let n = 2; names.has(name) && n < 1000; n++) name = `${deviceId}.${key}${n}`;
      key = name.slice(deviceId.length + 1);
      names.add(name);
      const unit = unitOf.get(vi);
      const quantity = guessQuantity(key.split('.')[0] ?? key, unit, datatype);
      const node: Record<string, unknown> = {
        deviceId,
        key,
        nodeId: `nsu=${nsUri(v.nodeId.namespace)};${v.nodeId.toString().replace(/^ns=\d+;/, '')}`,
        quantity,
      };
      const cu = quantity === 'other' ? unit : configUnit(quantity, unit);
      if (cu) node.unit = cu;
      if (datatype !== 'double') node.datatype = datatype;
      const phase = guessPhase(key);
      if (phase) node.phase = phase;
      nodes.push(node);
      const meta = v.parent
        ? metaByObject.get(resolveNodeId(v.parent.nodeId.toString()).toString())
        : undefined;
      if (!devices.has(deviceId)) devices.set(deviceId, { id: deviceId, ...(meta ?? {}) });
    });
    progress(`${nodes.length} metrics on ${devices.size} devices`);
    const config = {
      factoryId: 'factory1',
      agentId: 'edge1',
      dataDir: './data',
      uplink: { url: 'mqtt://127.0.0.1:1883' },
      devices: [...devices.values()].filter((d) => Object.keys(d).length > 1),
      sources: [
        {
          type: 'opcua',
          name: 'opcua1',
          endpoint: o.endpoint,
          securityMode,
          securityPolicy,
          ...(user.type !== 'anonymous' ? { user } : {}),
          ...(o.pkiDir ? { pki: { dir: pkiDir } } : {}),
          nodes,
        },
      ],
    };
    validateConfig(config, process.cwd(), 'generated config'); // the skeleton must run unchanged
    const header = [
      `# xiang-edge config skeleton generated by \`xiang-edge browse ${o.endpoint}\` at ${new Date().toISOString()}`,
      '# 由 xiang-edge browse 生成：请核对 factoryId、agentId、uplink 与每个测点的 quantity（按名称与工程单位推测）。',
      "# Check factoryId, agentId, uplink and each node's quantity (guessed from browse names and engineering units).",
      '',
    ].join('\n');
    return header + stringify(config, { lineWidth: 0 });
  } finally {
    await session.close().catch(() => {});
    await client.disconnect().catch(() => {});
  }
}
