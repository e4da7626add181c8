import { readFileSync } from 'node:fs';
import { type Command, sharedSubscription, topicFor } from '@xiang/protocol';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { redactUrl } from '../auth/redact.js';
import { type Delivery, GroupCommit } from './group-commit.js';
import { dispatchToRoutes } from './routes.js';

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

/**
 * One topic filter and the handler of what it brings: the xiang uplink today; a second protocol (e.g.
 * Sparkplug B under `spBv1.0/#`) is one more entry. The handler gets the route's messages in arrival order
 * and resolves when all of them are durable; it rejects only when none of them may be acknowledged.
 */
export type IngestRoute = {
  /** Topic filter without `$share/…` (the shared group, when configured, is applied to every route). */
  filter: string;
  handleBatch: (msgs: readonly { topic: string; payload: Buffer; qos?: 0 | 1 | 2 }[]) => Promise<void>;
};

const MAX_RECONNECT_DELAY_MS = 30_000;
/**
 * Given to mqtt.js's message callback to move on to the next packet WITHOUT sending the PUBACK (mqtt.js
 * 5.16 lib/handlers/publish.ts: `handleMessage(packet, err => err ? done(err) : sendPuback)`, `done` being
 * the parser pump's "next packet"). The PUBACK is sent later, by `puback()`, once the message is durable.
 */
const ACK_LATER = new Error('acknowledged after its group commit');

/**
 * The MQTT side of ingest: a persistent session (clean=false + Session Expiry on MQTT 5) subscribed with
 * QoS 1 to each route's filter (or `$share/<group>/…`), acknowledging each message only once it is durable.
 *
 * How messages are kept in flight with mqtt.js 5.16: it hands a PUBLISH to `client.handleMessage(packet, cb)`
 * and parses the next packet only after `cb` — with `cb()` it first sends the PUBACK, with `cb(err)` it sends
 * none. So `cb(ACK_LATER)` lets the next message in at once while the PUBACK waits; the message joins the
 * group commit (group-commit.ts), which writes whatever queued up in one durable batch and acknowledges in
 * arrival order. Flow control: the broker sends at most the Receive Maximum we announce (MQTT 5) before a
 * PUBACK; on MQTT 3.1.1 (the embedded aedes broker) we stop reading the stream at that many instead.
 * On MQTT 5 no customHandleAcks is set, so mqtt.js's default (reason code 0) leads every PUBLISH here.
 * QoS 2 (never granted: we subscribe with QoS 1) would be handled one at a time, PUBREC/PUBCOMP by mqtt.js.
 * When a batch cannot be made durable (store or disk failure), it and everything behind it stay
 * unacknowledged and the connection is dropped after a backoff; the broker redelivers them on the persistent
 * session. An acknowledgement is never sent on a connection other than the one the message came in on.
 */
export class MqttIngest {
  private client: MqttClient | null = null;
  private generation = 0;
  private stopping = false;
  private subscribedGen = -1;
  private reconnectDelayMs = 0;
  private lastError: string | null = null;
  private readonly group: GroupCommit;

  constructor(
    private readonly routes: readonly IngestRoute[],
    private readonly opts: MqttIngestOptions,
    private readonly log: Logger,
  ) {
    if (routes.length === 0) throw new Error('MqttIngest needs at least one route');
    this.group = new GroupCommit({
      maxInFlight: opts.receiveMaximum,
      process: async (batch) => {
        await this.dispatch(batch);
        this.reconnectDelayMs = 0;
      },
      onFailure: (e, batch) => this.onFailure(e, batch),
    });
  }

  /** The (first) subscription filter, as sent to the broker. */
  get filter(): string {
    return this.filters[0] as string;
  }

  get filters(): string[] {
    const g = this.opts.sharedGroup;
    return this.routes.map((r) => (g ? sharedSubscription(g, r.filter) : r.filter));
  }

  /** Connected to the broker and subscribed on the current connection. */
  get ready(): boolean {
    return !!this.client?.connected && this.subscribedGen === this.generation;
  }

  get error(): string | null {
    return this.lastError;
  }

  /** Group commits so far and the messages they held (their ratio is the mean group size). */
  get groupStats(): { batches: number; messages: number; inFlight: number } {
    return { batches: this.group.batches, messages: this.group.messages, inFlight: this.group.inFlight };
  }

  start(): void {
    if (this.client) return;
    const options: IClientOptions = {
      clientId: this.opts.clientId,
      clean: false,
      protocolVersion: this.opts.protocolVersion,
      keepalive: this.opts.keepaliveSec,
      reconnectPeriod: 1000,
      // A refused CONNACK (a broker restarting or at its connection limit) is retried, not final.
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      resubscribe: false,
      ...(this.opts.username !== undefined ? { username: this.opts.username } : {}),
      ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
      ...(this.opts.caFile ? { ca: readFileSync(this.opts.caFile) } : {}),
      ...(this.opts.protocolVersion === 5
        ? {
            properties: {
              sessionExpiryInterval: this.opts.sessionExpirySec,
              receiveMaximum: this.opts.receiveMaximum,
              maximumPacketSize: this.opts.maxPayloadBytes + 64 * 1024,
            },
          }
        : {}),
    };
    const client = mqtt.connect(this.opts.url, options);
    client.handleMessage = (packet: IPublishPacket, cb) => this.receive(packet, cb);
    client.on('connect', (connack) => {
      this.generation++;
      this.group.reset();
      this.lastError = null;
      const gen = this.generation;
      const filters = this.filters;
      this.log.info(
        { url: redactUrl(this.opts.url), sessionPresent: connack.sessionPresent, filters },
        'mqtt connected',
      );
      client.subscribe(filters, { qos: 1 }, (err, granted) => {
        const bad = filters.filter((f) => {
          const code = granted?.find((g) => g.topic === f)?.qos;
          return code === undefined || code > 2;
        });
        if (err || bad.length > 0) {
          this.lastError = `subscribe to ${(bad.length ? bad : filters).join(', ')} failed: ${err?.message ?? 'refused by the broker'}`;
          this.log.error({ filters, err, granted }, 'mqtt subscribe failed');
          return;
        }
        if (gen === this.generation) this.subscribedGen = gen;
      });
    });
    client.on('close', () => {
      this.generation++;
      this.group.reset(); // unacknowledged messages of that connection come again on the next
      this.log.debug('mqtt connection closed');
    });
    client.on('error', (err) => {
      this.lastError = err.message;
      this.log.warn({ err: err.message }, 'mqtt error');
    });
    this.client = client;
  }

  /** A PUBLISH from mqtt.js: queued for the group commit; the next packet is let in while there is room. */
  private receive(packet: IPublishPacket, next: (err?: Error) => void): void {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const gen = this.generation;
    if (this.stopping) {
      next(ACK_LATER); // left unacknowledged: redelivered to whoever holds the session next
      return;
    }
    if (packet.qos === 2) {
      // mqtt.js sends PUBCOMP after next(): one at a time, the pump held until the message is durable.
      if (!this.group.offer({ topic: packet.topic, payload, ack: () => next() })) next(ACK_LATER);
      return;
    }
    const messageId = packet.messageId;
    const ack = packet.qos === 1 && messageId !== undefined ? () => this.puback(gen, messageId) : () => {};
    this.group.offer({ topic: packet.topic, payload, qos: packet.qos, ack });
    this.group.whenRoom(() => next(ACK_LATER));
  }

  /** Sends the PUBACK on the connection the message came in on, and only there. */
  private puback(gen: number, messageId: number): void {
    const c = this.client;
    if (!c || gen !== this.generation || !c.connected) return;
    // mqtt.js's own way of sending it (lib/handlers/publish.ts); a disconnected client would queue it for the
    // next connection, hence the check above.
    (c as unknown as { _sendPacket(p: object): void })._sendPacket({
      cmd: 'puback',
      messageId,
      reasonCode: 0,
    });
  }

  /** Hands each run of consecutive messages of one route to that route's handler, in arrival order. */
  private async dispatch(batch: readonly Delivery[]): Promise<void> {
    await dispatchToRoutes(this.routes, batch);
  }

  private onFailure(e: unknown, batch: readonly Delivery[]): void {
    const gen = this.generation;
    this.lastError = (e as Error)?.message ?? String(e);
    this.reconnectDelayMs = Math.min(MAX_RECONNECT_DELAY_MS, Math.max(1000, this.reconnectDelayMs * 2));
    this.log.error(
      {
        err: this.lastError,
        messages: batch.length,
        firstTopic: batch[0]?.topic,
        retryInMs: this.reconnectDelayMs,
      },
      'messages not durable; left unacknowledged, reconnecting for redelivery',
    );
    const client = this.client;
    const timer = setTimeout(() => {
      if (gen === this.generation && client && !this.stopping) client.stream?.destroy();
    }, this.reconnectDelayMs);
    timer.unref();
  }

  /** Sends a command to an agent (fire and forget: waiting for its PUBACK inside a handler would deadlock). */
  publishCommand(factoryId: string, agentId: string, cmd: Command): void {
    const client = this.client;
    if (!client || this.stopping) return;
    client.publish(topicFor('cmd', factoryId, agentId), JSON.stringify(cmd), { qos: 1 }, (err) => {
      if (err) this.log.warn({ factoryId, agentId, err: err.message }, 'command not sent');
    });
  }

  /** Publishes on any topic at QoS 0, fire and forget (e.g. a Sparkplug B NCMD, which the spec sends at QoS 0). */
  publish(topic: string, payload: Uint8Array): void {
    const client = this.client;
    if (!client || this.stopping) return;
    client.publish(topic, Buffer.from(payload), { qos: 0 }, (err) => {
      if (err) this.log.warn({ topic, err: err.message }, 'publish failed');
    });
  }

  /** Graceful: finishes (and acknowledges) the batch being written, leaves the rest unacknowledged, disconnects. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    await withTimeout(this.group.close(), timeoutMs);
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
    void this.group.close();
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
