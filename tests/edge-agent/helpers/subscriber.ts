import { birthSchema, dataBatchSchema, deathSchema, parseTopic, statusSchema } from '@xiang/protocol';
import { connect, type MqttClient } from 'mqtt';

export type Received = { metric: string; ts: number; value: unknown; status: number; historical: boolean };
export type Event = { kind: string; sessionId?: string; seq?: number; raw: unknown };

/**
 * An independent xiang/v1 subscriber (plain mqtt.js, persistent session so it misses nothing across a broker
 * restart). Decodes data batches with the metric tables from births and validates every message against the
 * protocol schemas; a schema violation is recorded as an error, never ignored.
 */
export class UplinkSubscriber {
  client: MqttClient | null = null;
  readonly events: Event[] = [];
  readonly errors: string[] = [];
  /** metric index → name (stable across sessions, so one map serves all births). */
  readonly names = new Map<number, string>();
  readonly units = new Map<string, string>();
  /** Deduplicated readings keyed by metric|ts. */
  readonly readings = new Map<string, Received>();
  duplicates = 0;
  dataBeforeBirth = 0;
  private birthSessions = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly clientId = `test-sub-${Math.random().toString(36).slice(2, 10)}`,
  ) {}

  async start(): Promise<void> {
    const client = connect(this.url, {
      protocolVersion: 5,
      clientId: this.clientId,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 300,
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => {
        client.subscribe('xiang/v1/#', { qos: 1 }, (err) => (err ? reject(err) : resolve()));
      });
      client.once('error', reject);
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if ('error' in t) {
      this.errors.push(t.error);
      return;
    }
    if (t.kind === 'cmd') return; // platform → agent; not ours to judge
    let json: unknown;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      this.errors.push(`non-JSON on ${topic}`);
      return;
    }
    if (t.kind === 'birth') {
      const b = birthSchema.safeParse(json);
      if (!b.success) return void this.errors.push(`bad birth: ${b.error.message}`);
      this.birthSessions.add(b.data.sessionId);
      for (const m of b.data.metrics) {
        const name = `${m.deviceId}.${m.key}`;
        const prev = this.names.get(m.i);
        if (prev && prev !== name) this.errors.push(`index ${m.i} changed meaning: ${prev} → ${name}`);
        this.names.set(m.i, name);
        this.units.set(name, m.unit);
      }
      this.events.push({ kind: 'birth', sessionId: b.data.sessionId, seq: b.data.seq, raw: b.data });
    } else if (t.kind === 'data') {
      const d = dataBatchSchema.safeParse(json);
      if (!d.success) return void this.errors.push(`bad data: ${d.error.message}`);
      if (!this.birthSessions.has(d.data.sessionId)) this.dataBeforeBirth++;
      this.events.push({ kind: 'data', sessionId: d.data.sessionId, seq: d.data.seq, raw: d.data });
      for (const p of d.data.points) {
        const name = this.names.get(p[0]);
        if (!name) {
          this.errors.push(`data with unknown metric index ${p[0]}`);
          continue;
        }
        const key = `${name}|${p[1]}`;
        if (this.readings.has(key)) this.duplicates++;
        else
          this.readings.set(key, {
            metric: name,
            ts: p[1],
            value: p[2],
            status: p[3] ?? 0,
            historical: d.data.historical,
          });
      }
    } else if (t.kind === 'status') {
      const s = statusSchema.safeParse(json);
      if (!s.success) return void this.errors.push(`bad status: ${s.error.message}`);
      this.events.push({ kind: 'status', sessionId: s.data.sessionId, seq: s.data.seq, raw: s.data });
    } else if (t.kind === 'death') {
      const s = deathSchema.safeParse(json);
      if (!s.success) return void this.errors.push(`bad death: ${s.error.message}`);
      this.events.push({ kind: 'death', sessionId: s.data.sessionId, raw: s.data });
    }
  }

  countFor(metric: string): number {
    let n = 0;
    for (const r of this.readings.values()) if (r.metric === metric) n++;
    return n;
  }

  readingsOf(metric: string): Received[] {
    return [...this.readings.values()].filter((r) => r.metric === metric).sort((a, b) => a.ts - b.ts);
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await new Promise<void>((resolve) => c.end(true, {}, () => resolve()));
  }
}
