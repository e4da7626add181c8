import { idSchema } from './ids.js';

/** Topic root of the uplink protocol. Everything an agent says lives under xiang/v1/<factoryId>/<agentId>/. */
export const TOPIC_ROOT = 'xiang/v1';

export const messageKinds = ['birth', 'data', 'status', 'death', 'cmd'] as const;
export type MessageKind = (typeof messageKinds)[number];

export function topicFor(kind: MessageKind, factoryId: string, agentId: string): string {
  return `${TOPIC_ROOT}/${factoryId}/${agentId}/${kind}`;
}

/** The platform subscribes to this (optionally as `$share/<group>/…`); `cmd` is excluded by the agent's ACL. */
export const UPLINK_FILTER = `${TOPIC_ROOT}/+/+/+`;

export function sharedSubscription(group: string, filter = UPLINK_FILTER): string {
  return `$share/${group}/${filter}`;
}

export type ParsedTopic = { factoryId: string; agentId: string; kind: MessageKind };

/** Parses an uplink topic; returns an error string for anything that is not xiang/v1/<f>/<a>/<kind>. */
export function parseTopic(topic: string): ParsedTopic | { error: string } {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) {
    return { error: `topic "${topic}" is not ${TOPIC_ROOT}/<factoryId>/<agentId>/<kind>` };
  }
  const [, , factoryId, agentId, kind] = parts as [string, string, string, string, string];
  if (!idSchema.safeParse(factoryId).success) return { error: `invalid factoryId "${factoryId}" in topic` };
  if (!idSchema.safeParse(agentId).success) return { error: `invalid agentId "${agentId}" in topic` };
  if (!(messageKinds as readonly string[]).includes(kind)) return { error: `unknown message kind "${kind}"` };
  return { factoryId, agentId, kind: kind as MessageKind };
}
