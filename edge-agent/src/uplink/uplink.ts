import { commandSchema, type Device, topicFor } from '@xiang/protocol';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/schema.js';
import type { Stats } from '../health/stats.js';
import type { BatchQueue, QueuedBatch } from '../queue/queue.js';
import { Backoff } from './backoff.js';
import { uplinkClientOptions } from './client-options.js';
import { buildBirth, buildData, buildDeath, buildStatus, newSessionId } from './messages.js';
import type { MetricTable } from './metric-table.js';
import { TokenBucket } from './token-bucket.js';

export type DeviceStatus = { id: string; online: boolean; reason?: string };

export type UplinkDeps = {
  config: AgentConfig;
  queue: BatchQueue;
  metrics: MetricTable;
  devices: () => Map<string, Device>;
  deviceStatus: () => DeviceStatus[];
  stats: Stats;
  log: Logger;
};

type Inflight = { batch: QueuedBatch; historical: boolean };

/**
 * The xiang/v1 uplink. One mqtt.js client per connection (mqtt.js' own reconnect is off), so nothing
 * unacknowledged is ever resent from mqtt.js' memory: after a reconnect the queue alone decides what goes
 * again, and it goes as `historical`. Each connection is a new session: new sessionId, a Will carrying it,
 * a birth with seq 0 first, then a status snapshot, then data. A rebirth carries the next seq (never 0 again).
 * Every birth names the session before (`previous`: its id and the highest seq the broker acknowledged in it),
 * so the platform accepts nothing of that session beyond it — what was not acknowledged is sent again here.
 *
 * Two lanes read the queue: the live lane sends batches queued after this connection came up, as soon as
 * they exist; the replay lane sends the backlog (everything older) in id order, rate-limited, only when the
 * live lane has nothing waiting — so a long backlog never delays live data.
 */
export class Uplink {
  private client: MqttClient | null = null;
  private generation = 0;
  private connected = false;
  private stopped = false;
  private sessionId = '';
  private seq = 0;
  /** Highest seq of this session the broker acknowledged (PUBACK). */
  private ackedSeq = -1;
  /** The session before this one and the highest seq the broker acknowledged in it (named in births). */
  private previous: { sessionId: string; lastSeq: number } | undefined;
  private backlogEnd = 0;
  private liveCursor = 0;
  private replayCursor = 0;
  private readonly inflight = new Map<number, Inflight>();
  private readonly replayRate: TokenBucket;
  private replayTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private birthPending = false;
  private readonly backoff: Backoff;
  private readonly topics;
  private everConnected = false;

  constructor(private readonly d: UplinkDeps) {
    const c = d.config;
    this.backoff = new Backoff(c.uplink.reconnect.initialDelayMs, c.uplink.reconnect.maxDelayMs);
    this.replayRate = new TokenBucket(c.replay.maxPointsPerSecond);
    this.topics = {
      birth: topicFor('birth', c.factoryId, c.agentId),
      data: topicFor('data', c.factoryId, c.agentId),
      status: topicFor('status', c.factoryId, c.agentId),
      death: topicFor('death', c.factoryId, c.agentId),
      cmd: topicFor('cmd', c.factoryId, c.agentId),
    };
  }

  start(): void {
    this.open();
  }

  inflightIds(): ReadonlySet<number> {
    return new Set(this.inflight.keys());
  }

  isConnected(): boolean {
    return this.connected;
  }

  currentSession(): { sessionId: string; seq: number } {
    return { sessionId: this.sessionId, seq: this.seq };
  }

  private open(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    const sessionId = newSessionId();
    let client: MqttClient;
    try {
      client = connect(this.d.config.uplink.url, uplinkClientOptions(this.d.config, sessionId));
    } catch (e) {
      this.fail(gen, `cannot start MQTT client: ${String(e)}`);
      return;
    }
    this.client = client;
    client.on('connect', () => {
      if (gen !== this.generation) return;
      this.onConnected(client, sessionId);
    });
    client.on('message', (topic, payload) => {
      if (gen === this.generation) this.onCommand(topic, payload);
    });
    client.on('error', (err) => this.fail(gen, `uplink error: ${err.message}`));
    client.on('close', () => this.fail(gen, 'uplink connection closed'));
  }

  private onConnected(client: MqttClient, sessionId: string): void {
    this.connected = true;
    // The session this one supersedes: every birth of the new session names it with its last seq.
    // Messages above its last acknowledged seq never got a PUBACK: their data is sent again in this session
    // (it stays queued until acknowledged), so the platform loses nothing by refusing them.
    if (this.sessionId && this.ackedSeq >= 0)
      this.previous = { sessionId: this.sessionId, lastSeq: this.ackedSeq };
    this.sessionId = sessionId;
    this.seq = -1; // its birth gets seq 0
    this.ackedSeq = -1;
    this.backoff.reset();
    if (this.everConnected) this.d.stats.uplink.reconnections++;
    this.everConnected = true;
    this.d.stats.uplink.connected = true;
    this.d.stats.uplink.sessionId = sessionId;
    // Everything already queued is backlog for this session: it goes out as historical, in order.
    this.backlogEnd = this.d.queue.lastId();
    this.liveCursor = this.backlogEnd;
    this.replayCursor = 0;
    this.d.log.info({ sessionId, backlogBatches: this.d.queue.depth().batches }, 'uplink connected');
    client.subscribe(this.topics.cmd, { qos: 1 }, (err) => {
      if (err) this.d.log.warn({ err: err.message }, 'cannot subscribe to cmd topic');
    });
    this.publishBirth('connect');
    this.pump();
  }

  private fail(gen: number, reason: string): void {
    if (gen !== this.generation) return;
    this.generation++; // late events of this client are ignored from here on
    const wasConnected = this.connected;
    this.connected = false;
    this.d.stats.uplink.connected = false;
    this.d.stats.uplink.lastError = reason;
    this.d.stats.uplink.replaying = false;
    this.inflight.clear();
    const c = this.client;
    this.client = null;
    c?.removeAllListeners('connect');
    c?.on('error', () => {});
    c?.end(true);
    if (this.stopped) return;
    const delay = this.backoff.next();
    (wasConnected ? this.d.log.warn : this.d.log.debug).call(
      this.d.log,
      { reason, retryInMs: delay },
      'uplink down',
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open();
    }, delay);
  }

  private nextSeq(): number {
    this.seq++;
    return this.seq;
  }

  /** Publishes a birth now (the session's next seq; 0 on connect) — on connect, on cmd rebirth, on new metrics. */
  requestBirth(reason: string): void {
    this.birthPending = true;
    if (this.connected) setImmediate(() => this.birthPending && this.publishBirth(reason));
    else this.d.log.debug({ reason }, 'birth deferred until the uplink connects');
  }

  private publishBirth(reason: string): void {
    const client = this.client;
    if (!client || !this.connected) return;
    this.birthPending = false;
    const birth = buildBirth(
      this.sessionId,
      this.nextSeq(),
      this.d.metrics.all(),
      this.d.devices(),
      Date.now(),
      this.previous,
    );
    client.publish(this.topics.birth, JSON.stringify(birth), { qos: 1 }, this.onAck(birth.seq));
    this.d.stats.uplink.births++;
    this.d.log.info(
      { reason, seq: birth.seq, metrics: birth.metrics.length, devices: birth.devices.length },
      'birth published',
    );
    this.publishStatus(this.d.deviceStatus());
  }

  publishStatus(devices: DeviceStatus[]): void {
    const client = this.client;
    if (!client || !this.connected || devices.length === 0) return;
    if (this.birthPending) this.publishBirth('pending');
    const msg = buildStatus(this.sessionId, this.nextSeq(), Date.now(), devices);
    client.publish(this.topics.status, JSON.stringify(msg), { qos: 1 }, this.onAck(msg.seq));
  }

  /** A PUBACK callback that records the highest acknowledged seq of the connection it was sent on. */
  private onAck(seq: number): (err?: Error) => void {
    const gen = this.generation;
    return (err) => {
      if (!err && gen === this.generation) this.ackedSeq = Math.max(this.ackedSeq, seq);
    };
  }

  private onCommand(topic: string, payload: Buffer): void {
    if (topic !== this.topics.cmd) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      this.d.log.warn('cmd message is not JSON; ignored');
      return;
    }
    const cmd = commandSchema.safeParse(parsed);
    if (!cmd.success) {
      this.d.log.warn({ issues: cmd.error.issues.length }, 'cmd message does not match the schema; ignored');
      return;
    }
    if (cmd.data.command === 'rebirth') this.publishBirth(`cmd: ${cmd.data.reason ?? 'rebirth'}`);
  }

  /** Sends what the lanes allow. Called when a batch is queued, a PUBACK arrives, or replay tokens refill. */
  pump(): void {
    const client = this.client;
    if (!client || !this.connected) return;
    if (this.birthPending) this.publishBirth('pending');
    const max = this.d.config.uplink.maxInflight;
    for (let guard = 0; guard < 10_000 && this.inflight.size < max; guard++) {
      const live = this.d.queue.read(this.liveCursor, 1)[0];
      if (live) {
        this.liveCursor = live.id;
        this.send(client, live, false);
        continue;
      }
      if (this.replayCursor >= this.backlogEnd) break;
      if (!this.replayRate.ready()) {
        this.scheduleReplay();
        break;
      }
      const old = this.d.queue.read(this.replayCursor, 1, this.backlogEnd + 1)[0];
      if (!old) {
        this.replayCursor = this.backlogEnd;
        continue; // nothing left below the boundary: the loop ends at the check above
      }
      this.replayCursor = old.id;
      this.replayRate.take(old.points.length);
      this.send(client, old, true);
    }
    this.updateReplaying();
  }

  private updateReplaying(): void {
    this.d.stats.uplink.replaying =
      this.connected &&
      (this.replayCursor < this.backlogEnd || [...this.inflight.values()].some((f) => f.historical));
  }

  private scheduleReplay(): void {
    if (this.replayTimer) return;
    const waitMs = Math.max(10, this.replayRate.waitMs());
    this.replayTimer = setTimeout(() => {
      this.replayTimer = null;
      this.pump();
    }, waitMs);
  }

  private send(client: MqttClient, batch: QueuedBatch, historical: boolean): void {
    const gen = this.generation;
    this.inflight.set(batch.id, { batch, historical });
    const msg = buildData(this.sessionId, this.nextSeq(), historical, batch.points);
    const acked = this.onAck(msg.seq);
    client.publish(this.topics.data, JSON.stringify(msg), { qos: 1 }, (err) => {
      if (gen !== this.generation) return; // connection gone: the batch stays queued and is replayed
      acked(err);
      this.inflight.delete(batch.id);
      if (err) {
        this.d.log.warn({ err: err.message, batchId: batch.id }, 'broker refused a data message');
        this.fail(gen, `publish refused: ${err.message}`);
        return;
      }
      // PUBACK received: only now does the batch leave the queue.
      this.d.queue.ack(batch.id);
      const s = this.d.stats.uplink;
      s.publishedBatches++;
      s.publishedPoints += batch.points.length;
      if (historical) {
        s.replayedBatches++;
        s.replayedPoints += batch.points.length;
      }
      this.pump();
    });
  }

  /**
   * Waits (bounded) until every live batch queued so far is acknowledged, so a clean stop leaves nothing
   * behind that was sendable. The replay backlog is not waited for; it stays queued for the next start.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const target = this.d.queue.lastId();
    for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
      if (!this.connected) return false;
      const liveDone = this.liveCursor >= target && ![...this.inflight.values()].some((f) => !f.historical);
      if (liveDone) return true;
      this.pump();
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** Clean shutdown: drain live batches, explicit death (waits for its PUBACK up to timeoutMs), disconnect. */
  async stop(timeoutMs = 3000): Promise<void> {
    if (this.connected && !this.stopped) await this.drain(timeoutMs);
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.replayTimer) clearTimeout(this.replayTimer);
    const client = this.client;
    this.generation++;
    this.client = null;
    if (!client) return;
    if (this.connected) {
      const death = JSON.stringify(buildDeath(this.sessionId, 'shutdown', Date.now()));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        client.publish(this.topics.death, death, { qos: 1 }, () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.connected = false;
    this.d.stats.uplink.connected = false;
    // A normal DISCONNECT (reason 0) tells the broker not to send the Will.
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }

  /** Crash-like stop for tests: drops the socket without DISCONNECT, so the broker publishes the Will. */
  abort(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.replayTimer) clearTimeout(this.replayTimer);
    this.generation++;
    const c = this.client;
    this.client = null;
    this.connected = false;
    c?.stream?.destroy();
    c?.end(true);
  }
}
