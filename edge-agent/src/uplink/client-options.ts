import { readFileSync } from 'node:fs';
import { topicFor } from '@xiang/protocol';
import type { IClientOptions } from 'mqtt';
import type { AgentConfig } from '../config/schema.js';
import { buildDeath } from './messages.js';

/**
 * mqtt.js options for one uplink connection: MQTT v5 (or 3.1.1 where the broker lacks v5), persistent session (clean: false + session expiry),
 * mqtt.js' own reconnect off (the uplink reconnects itself, with a new session id), and a Will that is the
 * death message of this very session.
 */
export function uplinkClientOptions(config: AgentConfig, sessionId: string): IClientOptions {
  const u = config.uplink;
  const opts: IClientOptions = {
    protocolVersion: u.protocolVersion,
    clientId: u.clientId ?? `xiang-edge-${config.factoryId}-${config.agentId}`,
    clean: false,
    keepalive: u.keepaliveS,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    // MQTT 3.1.1 has no session expiry: clean=false alone keeps the session.
    ...(u.protocolVersion === 5 ? { properties: { sessionExpiryInterval: u.sessionExpiryS } } : {}),
    will: {
      topic: topicFor('death', config.factoryId, config.agentId),
      payload: Buffer.from(JSON.stringify(buildDeath(sessionId, 'will'))),
      qos: 1,
      retain: false,
    },
  };
  if (u.username !== undefined) opts.username = u.username;
  if (u.password !== undefined) opts.password = u.password;
  if (u.tls) {
    if (u.tls.caFile) opts.ca = readFileSync(u.tls.caFile);
    if (u.tls.certFile) opts.cert = readFileSync(u.tls.certFile);
    if (u.tls.keyFile) opts.key = readFileSync(u.tls.keyFile);
    opts.rejectUnauthorized = u.tls.rejectUnauthorized;
  }
  return opts;
}
