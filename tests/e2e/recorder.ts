import { birthSchema, dataBatchSchema, parseTopic } from '@xiang/protocol';
import mqtt, { type MqttClient } from 'mqtt';

/**
 * An independent witness on the broker: a plain mqtt.js client (MQTT 5, persistent session, so a broker or
 * platform restart costs it nothing) that decodes every xiang/v1 birth and data batch with the protocol
 * schemas and records, per metric, the distinct source timestamps it saw and how often one came again.
 * Whatever the platform stores is compared with this, never with the platform's own view.
 */
export class UplinkRecorder {
  client: MqttClient | null = null;
  /** metric index → "<deviceId>.<key>" (indices are stable across an agent's sessions). */
  private readonly names = new Map<number, string>();
  private readonly seen = new Map<string, Set<number>>();
  private readonly dups = new Map<string, number>();
  readonly errors: string[] = [];

  constructor(
    private readonly url: string,
    private readonly clientId: string,
  ) {}

  async start(): Promise<void> {
    const c = await mqtt.connectAsync(this.url, {
      protocolVersion: 5,
      clientId: this.clientId,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 200,
    });
    this.client = c;
    c.on('message', (topic, payload) => this.onMessage(topic, payload));
    await c.subscribeAsync('xiang/v1/#', { qos: 1 });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if ('error' in t) return void this.errors.push(t.error);
    if (t.kind !== 'birth' && t.kind !== 'data') return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      return void this.errors.push(`non-JSON on ${topic}`);
    }
    if (t.kind === 'birth') {
      const b = birthSchema.safeParse(json);
      if (!b.success) return void this.errors.push(`bad birth: ${b.error.message}`);
      for (const m of b.data.metrics) {
        const name = `${m.deviceId}.${m.key}`;
        const prev = this.names.get(m.i);
        if (prev && prev !== name) this.errors.push(`index ${m.i} changed meaning: ${prev} → ${name}`);
        this.names.set(m.i, name);
      }
      return;
    }
    const d = dataBatchSchema.safeParse(json);
    if (!d.success) return void this.errors.push(`bad data: ${d.error.message}`);
    for (const p of d.data.points) {
      const name = this.names.get(p[0]);
      if (!name) {
        this.errors.push(`data with unknown metric index ${p[0]}`);
        continue;
      }
      let set = this.seen.get(name);
      if (!set) {
        set = new Set();
        this.seen.set(name, set);
      }
      if (set.has(p[1])) this.dups.set(name, (this.dups.get(name) ?? 0) + 1);
      else set.add(p[1]);
    }
  }

  /** Distinct (metric, timestamp) pairs seen for this metric. */
  distinct(metric: string): number {
    return this.seen.get(metric)?.size ?? 0;
  }

  has(metric: string, tsMs: number): boolean {
    return this.seen.get(metric)?.has(tsMs) ?? false;
  }

  duplicates(metric: string): number {
    return this.dups.get(metric) ?? 0;
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    // Closing the session too (clean start, expiry 0) leaves nothing behind on the broker.
    await c?.endAsync(true, { properties: { sessionExpiryInterval: 0 } });
  }
}
