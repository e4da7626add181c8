import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { redactUrl } from '../auth/redact.js';
import { SPARKPLUG_NAMESPACE } from './topic.js';

export type HostStateOptions = {
  url: string;
  username?: string;
  password?: string;
  caFile?: string;
  clientId: string;
  protocolVersion: 4 | 5;
  /** The Sparkplug Host Application id (`spBv1.0/STATE/<hostId>`). */
  hostId: string;
  /** Is the ingest subscribed (its persistent session receives the nodes' messages)? Online only then. */
  ingestReady: () => boolean;
  /** Checks of ingestReady before online is announced anyway (bounded wait), and their interval. */
  readyChecks?: number;
  readyCheckMs?: number;
};

export const stateTopic = (hostId: string) => `${SPARKPLUG_NAMESPACE}/STATE/${hostId}`;
export const statePayload = (online: boolean, timestampMs: number) =>
  JSON.stringify({ online, timestamp: timestampMs });

/**
 * The platform as Sparkplug B 3.0 Primary Host Application (spec §5.3 "Host Application Session
 * Establishment"): a connection with Clean Session / Clean Start (session expiry 0), its Will the death
 * certificate `spBv1.0/STATE/<hostId>` = {"online":false,"timestamp":<CONNECT time>} (QoS 1, retained); once
 * connected it subscribes its own STATE topic, then publishes the birth {"online":true,"timestamp":…} (QoS 1,
 * retained). If it is ever delivered its own STATE with online false (e.g. the Will of its previous connection,
 * arriving late), it republishes online with the current time. Edge nodes configured to wait for this primary
 * host publish their births only once it is online.
 *
 * Why a second connection: the spec requires a clean session of the host, while the ingest connection keeps a
 * persistent session so that QoS 1 messages are acknowledged only once durable and redelivered after a crash.
 * So this connection carries STATE only, and announces online once the ingest is subscribed. A graceful stop
 * publishes the death certificate with the stop time before disconnecting (the spec's intentional disconnect).
 */
export class HostState {
  private client: MqttClient | null = null;
  private connectTsMs = 0;
  private online = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly o: HostStateOptions,
    private readonly log: Logger,
  ) {}

  get topic(): string {
    return stateTopic(this.o.hostId);
  }

  /** Online announced on the current connection. */
  get announced(): boolean {
    return this.online;
  }

  start(): void {
    if (this.client) return;
    this.connectTsMs = Date.now();
    const client = mqtt.connect(this.o.url, this.options());
    client.on('connect', () => this.onConnect(client));
    client.on('message', (topic, payload) => this.onMessage(client, topic, payload));
    client.on('close', () => {
      this.online = false;
      // The next CONNECT carries a Will stamped with its own time.
      this.connectTsMs = Date.now();
      client.options.will = this.will();
    });
    client.on('error', (err) => this.log.warn({ err: err.message }, 'sparkplug host STATE connection error'));
    this.client = client;
  }

  private will(): NonNullable<IClientOptions['will']> {
    return {
      topic: this.topic,
      payload: Buffer.from(statePayload(false, this.connectTsMs)),
      qos: 1,
      retain: true,
    };
  }

  private options(): IClientOptions {
    const o = this.o;
    return {
      clientId: o.clientId,
      clean: true,
      protocolVersion: o.protocolVersion,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: this.will(),
      ...(o.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0 } } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.caFile ? { ca: readFileSync(o.caFile) } : {}),
    };
  }

  private onConnect(client: MqttClient): void {
    client.subscribe(this.topic, { qos: 1 }, (err) => {
      if (err) {
        this.log.error({ err: err.message, topic: this.topic }, 'sparkplug host STATE subscribe failed');
        return;
      }
      this.announceWhenReady(client, this.o.readyChecks ?? 600);
    });
  }

  /** Online once the ingest is subscribed — checked every readyCheckMs, at most `checksLeft` times. */
  private announceWhenReady(client: MqttClient, checksLeft: number): void {
    if (client !== this.client || !client.connected) return;
    if (!this.o.ingestReady() && checksLeft > 0) {
      this.timer = setTimeout(
        () => this.announceWhenReady(client, checksLeft - 1),
        this.o.readyCheckMs ?? 500,
      );
      this.timer.unref();
      return;
    }
    if (!this.o.ingestReady())
      this.log.warn('sparkplug host: ingest still not subscribed; announcing online anyway');
    this.publishOnline(client, this.connectTsMs);
  }

  private publishOnline(client: MqttClient, timestampMs: number): void {
    client.publish(this.topic, statePayload(true, timestampMs), { qos: 1, retain: true }, (err) => {
      if (err) return this.log.warn({ err: err.message }, 'sparkplug host STATE online not published');
      this.online = true;
      this.log.info(
        { url: redactUrl(this.o.url), topic: this.topic },
        'sparkplug primary host online (STATE)',
      );
    });
  }

  private onMessage(client: MqttClient, topic: string, payload: Buffer): void {
    // Not after stop() (its own death certificate comes back to it) nor before its birth.
    if (client !== this.client || topic !== this.topic || !this.online) return;
    let state: { online?: unknown } = {};
    try {
      state = JSON.parse(payload.toString('utf8')) as { online?: unknown };
    } catch {
      return; // not a STATE payload: not ours to answer
    }
    if (state.online === false) {
      this.log.info('sparkplug host: own STATE offline delivered (a late Will); republishing online');
      this.publishOnline(client, Date.now());
    }
  }

  /** Publishes the death certificate (stop time) and disconnects; bounded by timeoutMs. */
  async stop(timeoutMs = 3000): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    this.online = false;
    if (this.timer) clearTimeout(this.timer);
    const done = (async () => {
      if (client.connected)
        await client.publishAsync(this.topic, statePayload(false, Date.now()), { qos: 1, retain: true });
      await client.endAsync(false);
    })().catch(() => {});
    let t: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((r) => (t = setTimeout(r, timeoutMs)))]);
    clearTimeout(t);
    if (client.connected) await client.endAsync(true);
  }

  /** Crash simulation: the broker publishes the Will. */
  async abort(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    if (this.timer) clearTimeout(this.timer);
    client.stream.destroy();
    await client.endAsync(true);
  }
}
