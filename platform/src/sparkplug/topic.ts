/**
 * Sparkplug B 3.0 topic namespace (spec §4.1): `spBv1.0/<group_id>/<message_type>/<edge_node_id>[/<device_id>]`,
 * plus the host application's `spBv1.0/STATE/<host_id>`.
 */
export const SPARKPLUG_NAMESPACE = 'spBv1.0';

export const nodeMessageTypes = ['NBIRTH', 'NDEATH', 'NDATA', 'NCMD'] as const;
export const deviceMessageTypes = ['DBIRTH', 'DDEATH', 'DDATA', 'DCMD'] as const;
export type SparkplugMessageType = (typeof nodeMessageTypes)[number] | (typeof deviceMessageTypes)[number];

export type SparkplugTopic =
  | { kind: 'state'; hostId: string }
  | {
      kind: 'node';
      type: (typeof nodeMessageTypes)[number];
      groupId: string;
      edgeNodeId: string;
    }
  | {
      kind: 'device';
      type: (typeof deviceMessageTypes)[number];
      groupId: string;
      edgeNodeId: string;
      deviceId: string;
    };

const isOneOf = <T extends string>(list: readonly T[], s: string): s is T =>
  (list as readonly string[]).includes(s);

/** Parses a Sparkplug topic; an error string names what is wrong (the message is dead-lettered with it). */
export function parseSparkplugTopic(topic: string): SparkplugTopic | { error: string } {
  const parts = topic.split('/');
  if (parts[0] !== SPARKPLUG_NAMESPACE) return { error: `not in the ${SPARKPLUG_NAMESPACE} namespace` };
  if (parts[1] === 'STATE' && parts.length === 3 && parts[2]) return { kind: 'state', hostId: parts[2] };
  const [, groupId, type, edgeNodeId, deviceId] = parts;
  if (!groupId || !type || !edgeNodeId)
    return { error: 'expected spBv1.0/<group>/<type>/<edge node>[/<device>]' };
  if (parts.some((p) => p === '')) return { error: 'empty topic level' };
  if (isOneOf(nodeMessageTypes, type)) {
    if (parts.length !== 4) return { error: `${type} takes no device id` };
    return { kind: 'node', type, groupId, edgeNodeId };
  }
  if (isOneOf(deviceMessageTypes, type)) {
    if (parts.length !== 5 || !deviceId) return { error: `${type} needs exactly one device id` };
    return { kind: 'device', type, groupId, edgeNodeId, deviceId };
  }
  return { error: `unknown message type "${type}"` };
}

export const ncmdTopic = (groupId: string, edgeNodeId: string): string =>
  `${SPARKPLUG_NAMESPACE}/${groupId}/NCMD/${edgeNodeId}`;
