import { AttributeIds, type NodeId } from 'node-opcua';
import type { CheckResult } from '../types.js';
import { arrayProblem, readArrayShapes } from './arrays.js';
import { connectOnce } from './client.js';
import { chunk, readOperationLimits } from './limits.js';
import { resolveNodes } from './resolve.js';
import type { OpcuaSourceConfig } from './schema.js';

/**
 * Tries one OPC UA endpoint: session, operation limits, every node resolvable, readable and scalar (or an
 * array element with `index`).
 */
export async function checkOpcua(s: OpcuaSourceConfig): Promise<CheckResult[]> {
  const target = `opcua ${s.name} ${s.endpoint}`;
  let conn: Awaited<ReturnType<typeof connectOnce>> | null = null;
  try {
    conn = await connectOnce({
      endpoint: s.endpoint,
      securityMode: s.securityMode,
      securityPolicy: s.securityPolicy,
      user: s.user,
      pkiDir: s.pki.dir!,
      trustOnFirstUse: s.pki.trustOnFirstUse,
      initialDelayMs: 200,
      maxDelayMs: 1000,
    });
    const session = conn.session;
    const limits = await readOperationLimits(session);
    const resolved = await resolveNodes(
      session,
      s.nodes,
      await session.readNamespaceArray(),
      limits.maxNodesPerTranslateBrowsePathsToNodeIds,
    );
    const bad: string[] = [];
    const label = (i: number) => `${s.nodes[i]!.deviceId}.${s.nodes[i]!.key}`;
    const readable: Array<{ i: number; nodeId: NodeId }> = [];
    resolved.forEach((r, i) => {
      if ('error' in r) bad.push(`${label(i)}: ${r.error}`);
      else readable.push({ i, nodeId: r.nodeId });
    });
    for (const part of chunk(readable, limits.maxNodesPerRead)) {
      const dvs = await session.read(
        part.map((p) => ({ nodeId: p.nodeId, attributeId: AttributeIds.Value })),
      );
      part.forEach((p, j) => {
        const sc = dvs[j]?.statusCode;
        // Bad_NodeIdUnknown etc. are config errors; a Bad value from a sensor is still a readable node.
        if (sc && /NodeId|AttributeId|NotReadable|UserAccessDenied/.test(sc.name)) {
          bad.push(`${label(p.i)}: ${sc.name}`);
        }
      });
    }
    const shapes = await readArrayShapes(
      session,
      readable.map((r) => r.nodeId),
      limits.maxNodesPerRead,
    );
    readable.forEach((r, j) => {
      const problem = arrayProblem(s.nodes[r.i]!.index, shapes[j]!);
      if (problem) bad.push(`${label(r.i)}: ${problem}`);
    });
    if (bad.length > 0) {
      return [
        {
          target,
          ok: false,
          detail: `${bad.length}/${s.nodes.length} nodes unusable: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '; …' : ''}`,
        },
      ];
    }
    return [
      {
        target,
        ok: true,
        detail: `${s.nodes.length} nodes readable (MaxMonitoredItemsPerCall ${limits.maxMonitoredItemsPerCall})`,
      },
    ];
  } catch (e) {
    return [{ target, ok: false, detail: e instanceof Error ? e.message : String(e) }];
  } finally {
    await conn?.session.close().catch(() => {});
    await conn?.client.disconnect().catch(() => {});
  }
}
