import { birthSchema, dataBatchSchema, isGood, parseTopic } from '@xiang/protocol';
import mqtt, { type MqttClient } from 'mqtt';

/**
 * What was actually published, seen from the broker (a plain mqtt.js client decoding xiang/v1 births and data
 * batches with the protocol schemas): per device, its births and every sample's time and quality. The expected
 * networking of a device is computed from this, never from the platform's own view: a device is networked
 * while it has been born and some tag of it has a Good value in force (the last sample before the instant was
 * Good) — the stated online-time definition.
 */
type Interval = { startMs: number; endMs: number };

export class PublishedWitness {
  private client: MqttClient | null = null;
  private readonly names = new Map<string, Map<number, string>>();
  /** device → metric → samples [ts, good] in arrival order. */
  private readonly samples = new Map<string, Map<string, [number, boolean][]>>();
  private readonly births = new Map<string, number>();
  readonly errors: string[] = [];
  messages = 0;

  constructor(
    private readonly url: string,
    private readonly clientId: string,
  ) {}

  async start(): Promise<void> {
    const c = await mqtt.connectAsync(this.url, {
      clientId: this.clientId,
      clean: true,
      reconnectPeriod: 200,
    });
    this.client = c;
    c.on('message', (topic, payload) => this.onMessage(topic, payload));
    await c.subscribeAsync('xiang/v1/#', { qos: 1 });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if ('error' in t || (t.kind !== 'birth' && t.kind !== 'data')) return;
    this.messages++;
    const agent = `${t.factoryId}/${t.agentId}`;
    const json = JSON.parse(payload.toString()) as unknown;
    if (t.kind === 'birth') {
      const b = birthSchema.safeParse(json);
      if (!b.success) return void this.errors.push(`bad birth: ${b.error.message}`);
      const names = this.names.get(agent) ?? new Map<number, string>();
      for (const m of b.data.metrics) names.set(m.i, `${m.deviceId}\u0000${m.key}`);
      this.names.set(agent, names);
      for (const d of b.data.devices)
        this.births.set(d.id, Math.min(this.births.get(d.id) ?? Number.POSITIVE_INFINITY, b.data.timestamp));
      return;
    }
    const d = dataBatchSchema.safeParse(json);
    if (!d.success) return void this.errors.push(`bad data: ${d.error.message}`);
    const names = this.names.get(agent);
    for (const p of d.data.points) {
      const name = names?.get(p[0]);
      if (!name) {
        this.errors.push(`data with unknown metric index ${p[0]}`);
        continue;
      }
      const [deviceId, metric] = name.split('\u0000') as [string, string];
      const byMetric = this.samples.get(deviceId) ?? new Map<string, [number, boolean][]>();
      this.samples.set(deviceId, byMetric);
      const list = byMetric.get(metric) ?? [];
      byMetric.set(metric, list);
      const status = p[3];
      list.push([p[1], status === undefined || isGood(status)]);
    }
  }

  /** Share of [aMs, bMs) the device was born and had some tag with a Good value in force. */
  networkedShare(deviceId: string, aMs: number, bMs: number): number {
    const born = this.births.get(deviceId) ?? Number.POSITIVE_INFINITY;
    const good: Interval[] = [];
    for (const list of this.samples.get(deviceId)?.values() ?? []) {
      const sorted = [...list].sort((x, y) => x[0] - y[0]);
      let since: number | null = null;
      for (const [t, ok] of sorted) {
        if (ok && since === null) since = t;
        else if (!ok && since !== null) {
          good.push({ startMs: since, endMs: t });
          since = null;
        }
      }
      if (since !== null) good.push({ startMs: since, endMs: Number.POSITIVE_INFINITY });
    }
    // Union, clipped to the window and to the time since the birth.
    const from = Math.max(aMs, born);
    const clipped = good
      .map((i) => ({ startMs: Math.max(i.startMs, from), endMs: Math.min(i.endMs, bMs) }))
      .filter((i) => i.endMs > i.startMs)
      .sort((x, y) => x.startMs - y.startMs);
    let ms = 0;
    let cursor = Number.NEGATIVE_INFINITY;
    for (const i of clipped) {
      const s = Math.max(i.startMs, cursor);
      if (i.endMs > s) ms += i.endMs - s;
      cursor = Math.max(cursor, i.endMs);
    }
    return ms / (bMs - aMs);
  }

  devices(): string[] {
    return [...this.samples.keys()].sort();
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.endAsync(true);
  }
}
