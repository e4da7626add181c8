import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { BrokerConfig } from './config/parts.js';

/**
 * mqtt.js options for a device broker. `persistent` (the running source) keeps a broker session under a
 * stable client id, so readings devices publish while the agent is disconnected (broker restart, agent
 * restart) are queued by the broker for its QoS 1 subscriptions and delivered on reconnect; one-off
 * connections (`xiang-edge check`) use a clean session and must not take over that client id.
 */
export function brokerOptions(b: BrokerConfig, fallbackClientId: string, persistent = false): IClientOptions {
  const o: IClientOptions = {
    protocolVersion: b.protocolVersion,
    clientId: b.clientId ?? fallbackClientId,
    keepalive: b.keepaliveS,
    reconnectPeriod: 2000,
    // A CONNACK refusal is not final: `npm start`'s embedded broker answers "server unavailable" until its
    // platform is ready, and a broker restarting or over its connection limit refuses for a while. mqtt.js
    // stops reconnecting after any refused CONNACK unless told otherwise — the source then never got a
    // device's readings again (soak, embedded broker: the agent's MQTT source refused once at start).
    reconnectOnConnackError: true,
    connectTimeout: 10_000,
    clean: !persistent,
    ...(persistent && b.protocolVersion === 5
      ? { properties: { sessionExpiryInterval: 7 * 24 * 3600 } }
      : {}),
  };
  if (b.username !== undefined) o.username = b.username;
  if (b.password !== undefined) o.password = b.password;
  if (b.tls) {
    if (b.tls.caFile) o.ca = readFileSync(b.tls.caFile);
    if (b.tls.certFile) o.cert = readFileSync(b.tls.certFile);
    if (b.tls.keyFile) o.key = readFileSync(b.tls.keyFile);
    // mqtt.js hands unknown options to tls.connect, which decrypts the key with it.
    if (b.tls.passphrase !== undefined) Object.assign(o, { passphrase: b.tls.passphrase });
    o.rejectUnauthorized = b.tls.rejectUnauthorized;
  }
  return o;
}
