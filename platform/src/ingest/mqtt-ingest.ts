import { readFileSync } from 'node:fs';
import { type Command, sharedSubscription, topicFor, UPLINK_FILTER } from '@xiang/protocol';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { IngestProcessor } from './processor.js';

export type MqttIngestOptions = {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  sharedGroup?: string;
  protocolVersion: 4 | 5;
  sessionExpirySec: number;
  keepaliveSec: number;
  receiveMaximum: number;
  maxPayloadBytes: number;
  caFile?: string;
};

const MAX_RECONNECT_DELAY_MS = 30_000;

/**
 * The MQTT side of ingest: a persistent session (clean=false + Session Expiry on MQTT 5) subscribed with
 * QoS 1 to `xiang/v1/+/+/+` (or `$share/<group>/…`), acknowledging each message only after the processor has
 * made it durable.
 *
 * How the late acknowledgement works in mqtt.js 5.16 (lib/handlers/publish.ts): for an MQTT 5 QoS 1/2
 * PUBLISH it calls `options.customHandleAcks(topic, message, packet, done)` and sends PUBACK/PUBREC only when
 * `done(0)` is called; for MQTT 3.1.1 (the embedded aedes broker) it sends PUBACK after the callback of
 * `client.handleMessage(packet, cb)`. Both are wired to `accept()`. mqtt.js hands packets over one at a
 * time (the next is parsed only after the current one's callback), so processing is sequential and ordered.
 * When a message cannot be made durable (store or disk failure) it is left unacknowledged and the
 * connection is dropped after a backoff; the broker then redelivers it on the persistent session.
 * An acknowledgement is never sent on a connection other than the one the message came in on.
 */
export class MqttIngest {
  private client: MqttClient | null = null;
  private generation = 0;
  private inflight: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private subscribedGen = -1;
  private reconnectDelayMs = 0;
  private lastError: string | null = null;

  constructor(
    private readonly processor: IngestProcessor,
    private readonly opts: MqttIngestOptions,
    private readonly log: Logger,
  ) {}

  get filter(): string {
    return this.opts.sharedGroup ? sharedSubscription(this.opts.sharedGroup) : UPLINK_FILTER;
  }

  /** Connected to the broker and subscribed on the current connection. */
  get ready(): boolean {
    return !!this.client?.connected && this.subscribedGen === this.generation;
  }

  get error(): string | null {
    return this.lastError;
  }

  start(): void {
    if (this.client) return;
    const v5 = this.opts.protocolVersion === 5;
    const options: IClientOptions = {
      clientId: this.opts.clientId,
      clean: false,
      protocolVersion: this.opts.protocolVersion,
      keepalive: this.opts.keepaliveSec,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      resubscribe: false,
      ...(this.opts.username !== undefined ? { username: this.opts.username } : {}),
      ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
      ...(this.opts.caFile ? { ca: readFileSync(this.opts.caFile) } : {}),
      ...(v5
        ? {
            properties: {
              sessionExpiryInterval: this.opts.sessionExpirySec,
              receiveMaximum: this.opts.receiveMaximum,
              maximumPacketSize: this.opts.maxPayloadBytes + 64 * 1024,
            },
            customHandleAcks: (topic, message, _packet, done) => {
              this.accept(topic, message, () => done(0));
            },
          }
        : {}),
    };
    const client = mqtt.connect(this.opts.url, options);
    // QoS 0 everywhere, and everything on MQTT 3.1.1; MQTT 5 QoS 1/2 arrive here after customHandleAcks.
    client.handleMessage = (packet: IPublishPacket, cb) => {
      if (v5 && packet.qos > 0) {
        cb();
        return;
      }
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      this.accept(packet.topic, payload, () => cb());
    };
    client.on('connect', (connack) => {
      this.generation++;
      this.lastError = null;
      const gen = this.generation;
      this.log.info(
        { url: this.opts.url, sessionPresent: connack.sessionPresent, filter: this.filter },
        'mqtt connected',
      );
      client.subscribe(this.filter, { qos: 1 }, (err, granted) => {
        const code = granted?.[0]?.qos;
        if (err || code === undefined || code > 2) {
          this.lastError = `subscribe to ${this.filter} failed: ${err?.message ?? `reason code ${code}`}`;
          this.log.error({ filter: this.filter, err, code }, 'mqtt subscribe failed');
          return;
        }
        if (gen === this.generation) this.subscribedGen = gen;
      });
    });
    client.on('close', () => {
      this.generation++;
      this.log.debug('mqtt connection closed');
    });
    client.on('error', (err) => {
      this.lastError = err.message;
      this.log.warn({ err: err.message }, 'mqtt error');
    });
    this.client = client;
  }

  /** Runs the processor on one message; `ack` is called only once it is durable and the connection unchanged. */
  private accept(topic: string, payload: Buffer, ack: () => void): void {
    if (this.stopping) return; // left unacknowledged: redelivered to whoever holds the session next
    const gen = this.generation;
    const done = this.processor.handle(topic, payload).then(
      () => {
        this.reconnectDelayMs = 0;
        // Same connection only (a graceful stop still acknowledges what is durable; abort bumps the generation).
        if (gen === this.generation) ack();
      },
      (e: unknown) => {
        this.lastError = (e as Error).message;
        this.reconnectDelayMs = Math.min(MAX_RECONNECT_DELAY_MS, Math.max(1000, this.reconnectDelayMs * 2));
        this.log.error(
          { err: (e as Error).message, topic, retryInMs: this.reconnectDelayMs },
          'message not durable; left unacknowledged, reconnecting for redelivery',
        );
        const client = this.client;
        const timer = setTimeout(() => {
          if (gen === this.generation && client && !this.stopping) client.stream?.destroy();
        }, this.reconnectDelayMs);
        timer.unref();
      },
    );
    this.inflight = done;
  }

  /** Sends a command to an agent (fire and forget: waiting for its PUBACK inside a handler would deadlock). */
  publishCommand(factoryId: string, agentId: string, cmd: Command): void {
    const client = this.client;
    if (!client || this.stopping) return;
    client.publish(topicFor('cmd', factoryId, agentId), JSON.stringify(cmd), { qos: 1 }, (err) => {
      if (err) this.log.warn({ factoryId, agentId, err: err.message }, 'command not sent');
    });
  }

  /** Graceful: finishes (and acknowledges) the message in hand, then disconnects. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    await withTimeout(this.inflight, timeoutMs);
    // end(false) waits for our own outgoing QoS 1 commands; don't let a dead broker hold shutdown.
    const ended = await withTimeout(client.endAsync(false), 3000);
    if (!ended) await client.endAsync(true);
    this.client = null;
  }

  /** Simulates a crash: drops the connection at once, acknowledging nothing further. */
  async abort(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    this.generation++;
    this.client = null;
    await client.endAsync(true);
  }
}

async function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      t,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
