import mqtt, { type MqttClient } from 'mqtt';
import { readCommand } from './spec-decoder.js';
import { DT, encodeSpec, type SpecMetric } from './spec-encoder.js';

export type SpecDevice = {
  id: string;
  metrics: (SpecMetric & { name: string; alias: number; datatype: number })[];
};

/**
 * A third-party-style Sparkplug B 3.0 edge node, written from the spec (not from the platform or from
 * sparkplug-client): MQTT Will = NDEATH with the bdSeq of the NBIRTH that follows (§7.1), NBIRTH with bdSeq and
 * seq 0, DBIRTH per device, data by alias, seq 0–255 wrapping (§6.4.1), and it answers NCMD
 * `Node Control/Rebirth` = true with NBIRTH + DBIRTHs (same bdSeq, seq from 0). Births and data at QoS 0 as the
 * spec publishes them, or at QoS 1 (`qos: 1`, as gateways configured for it do).
 *
 * With `primaryHostId` it waits for that Primary Host Application (spec §5.4,
 * tck-id-message-flow-edge-node-birth-publish-phid-wait): it subscribes `spBv1.0/STATE/<id>` first and counts
 * the host online only on a JSON STATE {"online":true,"timestamp":t} whose timestamp is not older than the
 * last one it saw; its births go out only then — on its own, each time the host comes online.
 */
export class SpecEdgeNode {
  private seq = 0;
  readonly commands: { name?: string; bool?: boolean }[][] = [];
  rebirths = 0;
  /** The primary host as this node last saw it (always true without primaryHostId). */
  hostOnline = true;
  /** Birth sequences published (NBIRTH + DBIRTHs). */
  birthsSent = 0;
  private hostTs = -1;
  qos: 0 | 1 = 0;

  private constructor(
    readonly client: MqttClient,
    readonly group: string,
    readonly node: string,
    readonly bdSeq: number,
    readonly devices: SpecDevice[],
    readonly nodeMetrics: SpecMetric[],
  ) {}

  static async connect(
    url: string,
    o: {
      group: string;
      node: string;
      bdSeq: number;
      devices: SpecDevice[];
      nodeMetrics?: SpecMetric[];
      qos?: 0 | 1;
      primaryHostId?: string;
    },
  ): Promise<SpecEdgeNode> {
    const will = encodeSpec({ metrics: [{ name: 'bdSeq', datatype: DT.UInt64, value: BigInt(o.bdSeq) }] });
    const client = await mqtt.connectAsync(url, {
      clientId: `spec-node-${o.node}-${process.pid}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      will: { topic: `spBv1.0/${o.group}/NDEATH/${o.node}`, payload: will, qos: 1, retain: false },
    });
    const n = new SpecEdgeNode(client, o.group, o.node, o.bdSeq, o.devices, o.nodeMetrics ?? []);
    n.qos = o.qos ?? 0;
    const stateTopic = `spBv1.0/STATE/${o.primaryHostId}`;
    if (o.primaryHostId) n.hostOnline = false;
    client.on('message', (t, payload) => {
      if (t === stateTopic) return n.onState(payload);
      const metrics = readCommand(payload);
      n.commands.push(metrics);
      if (metrics.some((m) => m.name === 'Node Control/Rebirth' && m.bool === true)) {
        n.rebirths++;
        n.births().catch(() => {}); // host offline: no births
      }
    });
    await client.subscribeAsync(`spBv1.0/${o.group}/NCMD/${o.node}`, { qos: 1 });
    if (o.primaryHostId) await client.subscribeAsync(stateTopic, { qos: 1 });
    return n;
  }

  /** STATE of the primary host: births when it comes online (not on a STATE older than the last seen). */
  private onState(payload: Buffer): void {
    let s: { online?: unknown; timestamp?: unknown };
    try {
      s = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (typeof s.online !== 'boolean' || typeof s.timestamp !== 'number' || s.timestamp < this.hostTs) return;
    this.hostTs = s.timestamp;
    const was = this.hostOnline;
    this.hostOnline = s.online;
    if (s.online && !was) this.births().catch(() => {});
  }

  private async publish(
    type: string,
    device: string | undefined,
    metrics: SpecMetric[],
    seq: number,
    ts: number,
  ) {
    const topic = `spBv1.0/${this.group}/${type}/${this.node}${device ? `/${device}` : ''}`;
    await this.client.publishAsync(topic, encodeSpec({ timestamp: ts, seq, metrics }), { qos: this.qos });
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) % 256;
    return s;
  }

  /** NBIRTH (seq 0) and a DBIRTH per device, with full names, aliases and datatypes. */
  async births(ts = Date.now()): Promise<void> {
    if (!this.hostOnline) throw new Error('the primary host is not online: no births (spec §5.4)');
    this.birthsSent++;
    this.seq = 0;
    const nodeMetrics: SpecMetric[] = [
      { name: 'bdSeq', datatype: DT.UInt64, value: BigInt(this.bdSeq) },
      { name: 'Node Control/Rebirth', datatype: DT.Boolean, value: false },
      ...this.nodeMetrics,
    ];
    await this.publish('NBIRTH', undefined, nodeMetrics, this.nextSeq(), ts);
    for (const d of this.devices) await this.publish('DBIRTH', d.id, d.metrics, this.nextSeq(), ts);
  }

  /** DDATA by alias only, without datatype (the birth declared it). */
  async ddata(
    device: string,
    values: [alias: number, value: number | bigint | boolean | string][],
    ts: number,
  ) {
    const d = this.devices.find((x) => x.id === device)!;
    const metrics = values.map(([alias, value]) => {
      const def = d.metrics.find((m) => m.alias === alias)!;
      return { alias, timestamp: ts, as: def.datatype, value };
    });
    await this.publish('DDATA', device, metrics, this.nextSeq(), ts);
  }

  /** Pretends `n` messages were published and lost on the way. */
  skip(n: number): void {
    this.seq = (this.seq + n) % 256;
  }

  /** Dies without DISCONNECT: the broker publishes the Will (NDEATH). */
  crash(): void {
    this.client.stream.destroy();
  }

  async end(): Promise<void> {
    await this.client.endAsync(true);
  }
}
