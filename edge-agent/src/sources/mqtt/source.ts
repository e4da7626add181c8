import { StatusCodes } from '@xiang/protocol';
import { connect, type MqttClient } from 'mqtt';
import { buildMetric, type MetricDef } from '../../config/model.js';
import { brokerOptions } from '../../mqtt-options.js';
import type { Source, SourceContext } from '../types.js';
import { type CompiledSubscription, compileSubscription, mapMessage, type Rejection } from './mapping.js';
import { RateLimitedLog } from './rate-limited-log.js';
import type { MqttSourceConfig } from './schema.js';

const BROKER_DROPPED_TOPIC = '$SYS/broker/publish/messages/dropped';

/**
 * MQTT devices that publish JSON. Each message is mapped by the subscriptions whose topic pattern matches;
 * everything that cannot be used is counted per reason (stats.rejected) and logged at most once per reason
 * every 10 s — a flood of garbage neither crashes the agent nor floods its log.
 */
export class MqttSource implements Source {
  readonly type = 'mqtt' as const;
  readonly name: string;
  private client: MqttClient | null = null;
  private readonly subs: CompiledSubscription[];
  private readonly metrics = new Map<string, { def: MetricDef; index: number }>();
  private readonly seenDevices = new Set<string>();
  private readonly rlog: RateLimitedLog;

  constructor(
    private readonly cfg: MqttSourceConfig,
    private readonly ctx: SourceContext,
  ) {
    this.name = cfg.name;
    this.subs = cfg.subscriptions.map(compileSubscription);
    this.rlog = new RateLimitedLog(ctx.log, 10_000);
    // Subscriptions with a literal device id are known up front: register them so the first birth has them.
    this.subs.forEach((s, si) => {
      if (!s.cfg.deviceId.includes('{'))
        for (let vi = 0; vi < s.cfg.values.length; vi++) this.metricFor(si, s.cfg.deviceId, vi);
    });
  }

  private metricFor(
    subIndex: number,
    deviceId: string,
    valueIndex: number,
  ): { def: MetricDef; index: number } {
    const key = `${subIndex}/${deviceId}/${valueIndex}`;
    let m = this.metrics.get(key);
    if (!m) {
      const sub = this.subs[subIndex]!;
      const v = sub.cfg.values[valueIndex]!;
      const def = buildMetric(deviceId, v, this.name);
      if (typeof def === 'string') throw new Error(def); // validated at config load
      const meta = { ...(this.ctx.devices.get(deviceId) ?? {}), ...(sub.cfg.device ?? {}) };
      m = { def, index: this.ctx.sink.register(def, meta) };
      this.metrics.set(key, m);
    }
    return m;
  }

  async start(): Promise<void> {
    const client = connect(
      this.cfg.broker.url,
      brokerOptions(
        this.cfg.broker,
        this.ctx.identity
          ? `xiang-edge-${this.ctx.identity.factoryId}-${this.ctx.identity.agentId}-src-${this.name}`
          : `xiang-edge-src-${this.name}-${process.pid}`,
        true,
      ),
    );
    this.client = client;
    client.on('connect', () => {
      this.ctx.stats.connected = true;
      client.subscribe(
        this.subs.map((s) => s.pattern.filter),
        { qos: 1 },
        (err) => err && this.error(`subscribe failed: ${err.message}`),
      );
      // The broker's own drop counter: refused by ACL or absent on brokers without $SYS = no figure.
      if (this.cfg.brokerStats) client.subscribe(BROKER_DROPPED_TOPIC, { qos: 0 }, () => {});
      if (this.seenDevices.size > 0) this.ctx.sink.deviceStatus([...this.seenDevices], true);
    });
    client.on('reconnect', () => this.ctx.stats.reconnections++);
    client.on('close', () => {
      if (this.ctx.stats.connected) {
        this.ctx.stats.connected = false;
        this.error('broker connection closed');
        this.ctx.sink.deviceStatus([...this.seenDevices], false, 'MQTT source broker connection lost');
      }
    });
    client.on('error', (err) => this.error(err.message));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  private error(msg: string): void {
    this.ctx.stats.lastError = msg;
    this.ctx.stats.lastErrorAt = Date.now();
    this.rlog.warn('error', { source: this.name, err: msg }, 'MQTT source error');
  }

  private reject(r: Rejection): void {
    this.ctx.stats.rejected[r.reason] = (this.ctx.stats.rejected[r.reason] ?? 0) + 1;
    this.rlog.warn(
      r.reason,
      { source: this.name, reason: r.reason, detail: r.detail },
      'MQTT input rejected',
    );
  }

  /**
   * `$SYS/broker/publish/messages/dropped`: messages the broker dropped on its queue/inflight limits (whole
   * broker, since its start). An increase means device data was lost before the agent could see it.
   */
  private onBrokerDropped(payload: Buffer): void {
    const n = Number(payload.toString('utf8').trim());
    if (!Number.isFinite(n) || n < 0) return;
    const prev = this.ctx.stats.counters.brokerDropped;
    this.ctx.stats.counters.brokerDropped = n;
    if (prev !== undefined && n > prev) {
      this.rlog.warn(
        'brokerDropped',
        { source: this.name, droppedTotal: n, newlyDropped: n - prev },
        'the source broker dropped messages (queue/inflight limits): raise max_queued_messages — see the mqtt source README',
      );
    }
  }

  /** Never throws: a handler exception would kill mqtt.js' message loop. */
  onMessage(topic: string, payload: Buffer, receivedMs = Date.now()): void {
    try {
      if (topic === BROKER_DROPPED_TOPIC) {
        this.onBrokerDropped(payload);
        return;
      }
      let matched = false;
      this.subs.forEach((sub, si) => {
        const datatypeOf = (vi: number) => sub.cfg.values[vi]?.datatype ?? buildDatatype(sub, vi);
        const r = mapMessage(sub, topic, payload, receivedMs, datatypeOf);
        if (r.rejections.length === 1 && r.rejections[0]!.reason === 'unknownTopic') return;
        matched = true;
        for (const rej of r.rejections) this.reject(rej);
        if (!r.deviceId || r.tsMs === null) return;
        if (!this.seenDevices.has(r.deviceId)) {
          this.seenDevices.add(r.deviceId);
          this.ctx.sink.deviceStatus([r.deviceId], true);
        }
        for (const v of r.values) {
          const m = this.metricFor(si, r.deviceId, v.valueIndex);
          this.ctx.sink.push(m.index, m.def, r.tsMs, v.value, v.status || StatusCodes.Good);
        }
      });
      if (!matched)
        this.reject({ reason: 'unknownTopic', detail: `no subscription pattern matches "${topic}"` });
    } catch (e) {
      this.error(`message handling failed: ${String(e)}`);
    }
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
    this.ctx.stats.connected = false;
  }
}

function buildDatatype(sub: CompiledSubscription, vi: number): string {
  const v = sub.cfg.values[vi]!;
  const def = buildMetric('x', v, 'x');
  return typeof def === 'string' ? 'double' : def.datatype;
}
