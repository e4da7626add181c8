import { type ClientSession, makeBrowsePath, type NodeId, resolveNodeId } from 'node-opcua';
import { chunk } from './limits.js';
import type { OpcuaNodeConfig } from './schema.js';

export type Resolved = { nodeId: NodeId } | { error: string };

/**
 * "nsu=<uri>;s=…" → "ns=<index>;s=…" with the server's NamespaceArray (indices may differ between servers
 * and, in theory, between restarts; URIs do not).
 */
export function resolveNodeIdString(text: string, namespaces: string[]): Resolved {
  let s = text;
  const m = /^nsu=([^;]+);(.*)$/.exec(text);
  if (m) {
    const idx = namespaces.indexOf(m[1]!);
    if (idx < 0) return { error: `namespace "${m[1]}" is not in the server's NamespaceArray` };
    s = `ns=${idx};${m[2]}`;
  }
  try {
    return { nodeId: resolveNodeId(s) };
  } catch (e) {
    return { error: `invalid NodeId "${text}": ${String(e)}` };
  }
}

/** Resolves every node (NodeId text or browse path), translating browse paths in chunks within the limit. */
export async function resolveNodes(
  session: ClientSession,
  nodes: OpcuaNodeConfig[],
  namespaces: string[],
  maxPerTranslate: number,
): Promise<Resolved[]> {
  const out: Resolved[] = nodes.map((n) =>
    n.nodeId ? resolveNodeIdString(n.nodeId, namespaces) : { error: 'pending browse path' },
  );
  const pending = nodes.map((n, i) => ({ n, i })).filter((x) => x.n.browsePath !== undefined);
  for (const group of chunk(pending, maxPerTranslate)) {
    const paths = group.map((x) => makeBrowsePath('ObjectsFolder', x.n.browsePath!));
    try {
      const results = await session.translateBrowsePath(paths);
      group.forEach((x, j) => {
        const r = results[j];
        const target = r?.targets?.[0]?.targetId;
        out[x.i] =
          r?.statusCode.isGood() && target
            ? { nodeId: target as unknown as NodeId }
            : { error: `browse path "${x.n.browsePath}" not found (${r?.statusCode.name ?? 'no result'})` };
      });
    } catch (e) {
      for (const x of group) out[x.i] = { error: `translating browse path failed: ${String(e)}` };
    }
  }
  return out;
}
