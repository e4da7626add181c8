import { AttributeIds, type ClientSession, VariableIds } from 'node-opcua';

export type OperationLimits = {
  maxMonitoredItemsPerCall: number;
  maxNodesPerRead: number;
  maxNodesPerBrowse: number;
  maxNodesPerTranslateBrowsePathsToNodeIds: number;
};

/**
 * When a server does not state a limit (0 = "no limit" per OPC 10000-5 §6.3.11, or the node is missing), the
 * agent still splits requests: 1000 per call is what common embedded servers accept.
 */
export const SAFE_DEFAULT_LIMIT = 1000;

const ids = {
  maxMonitoredItemsPerCall: VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall,
  maxNodesPerRead: VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead,
  maxNodesPerBrowse: VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerBrowse,
  maxNodesPerTranslateBrowsePathsToNodeIds:
    VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerTranslateBrowsePathsToNodeIds,
} as const;

/** Reads Server/ServerCapabilities/OperationLimits in one request; falls back per limit. */
export async function readOperationLimits(session: ClientSession): Promise<OperationLimits> {
  const keys = Object.keys(ids) as Array<keyof OperationLimits>;
  const out = {} as OperationLimits;
  try {
    const dvs = await session.read(
      keys.map((k) => ({ nodeId: `i=${ids[k]}`, attributeId: AttributeIds.Value })),
    );
    keys.forEach((k, i) => {
      const v = dvs[i]?.statusCode.isGood() ? Number(dvs[i]?.value.value) : 0;
      out[k] = Number.isFinite(v) && v > 0 ? v : SAFE_DEFAULT_LIMIT;
    });
  } catch {
    for (const k of keys) out[k] = SAFE_DEFAULT_LIMIT;
  }
  return out;
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  const n = Math.max(1, Math.floor(size));
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}
