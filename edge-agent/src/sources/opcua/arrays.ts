import { AttributeIds, type ClientSession, type NodeId } from 'node-opcua';
import { chunk } from './limits.js';

/**
 * Array variables (OPC 10000-3 §5.6.2 ValueRank: −3 ScalarOrOneDimension, −2 Any, −1 Scalar,
 * 0 OneOrMoreDimensions, 1 OneDimension, n > 1 n dimensions). A metric is one scalar: an array variable is
 * read one element at a time (`index`, monitored with an IndexRange — OPC 10000-4 §7.27), or refused with a
 * reason. Never forwarded whole, where every value would be a BadTypeMismatch.
 */
export type ArrayShape = { valueRank: number; dimensions: number[] | null };

export const SCALAR: ArrayShape = { valueRank: -1, dimensions: null };

/** Reads ValueRank and ArrayDimensions of each node (within MaxNodesPerRead); unreadable = scalar. */
export async function readArrayShapes(
  session: ClientSession,
  nodeIds: NodeId[],
  maxPerRead: number,
): Promise<ArrayShape[]> {
  const out: ArrayShape[] = [];
  for (const part of chunk(nodeIds, Math.max(1, Math.floor(maxPerRead / 2)))) {
    const dvs = await session.read(
      part.flatMap((nodeId) => [
        { nodeId, attributeId: AttributeIds.ValueRank },
        { nodeId, attributeId: AttributeIds.ArrayDimensions },
      ]),
    );
    for (let i = 0; i < part.length; i++) {
      const rank = dvs[2 * i];
      const dims = dvs[2 * i + 1];
      const valueRank = rank?.statusCode.isGood() ? Number(rank.value.value) : -1;
      const d = dims?.statusCode.isGood() ? (dims.value.value as ArrayLike<number> | null) : null;
      out.push({ valueRank, dimensions: d ? Array.from(d, Number) : null });
    }
  }
  return out;
}

/** Length of a one-dimensional array when the server states it (ArrayDimensions [n], n > 0). */
export function fixedLength(s: ArrayShape): number | null {
  const n = s.valueRank === 1 ? s.dimensions?.[0] : undefined;
  return n !== undefined && n > 0 ? n : null;
}

/** Why a configured node cannot be read as a scalar metric, or null when it can. */
export function arrayProblem(index: number | undefined, s: ArrayShape): string | null {
  const shape = `ValueRank ${s.valueRank}${s.dimensions ? `, ArrayDimensions [${s.dimensions.join(', ')}]` : ''}`;
  if (index === undefined) {
    return s.valueRank >= 0 ? `array variable (${shape}): set "index" to read one element per metric` : null;
  }
  if (s.valueRank === -1) return `"index" ${index} given, but the variable is a scalar (${shape})`;
  if (s.valueRank > 1) return `multi-dimensional array (${shape}) is not supported`;
  const n = fixedLength(s);
  if (n !== null && index >= n) return `"index" ${index} is outside the array (${shape})`;
  return null;
}

/**
 * The scalar a node delivers: the element of an indexed node (the server sends a one-element array for an
 * IndexRange), the value itself for a scalar node; `undefined` for an array arriving on a node without index.
 */
export function scalarOf(value: unknown, index: number | undefined): unknown {
  if (index !== undefined) return Array.isArray(value) ? (value[0] ?? null) : value;
  return Array.isArray(value) ? undefined : value;
}
