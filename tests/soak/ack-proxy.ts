import net from 'node:net';
import mqttPacket from 'mqtt-packet';

/** A message the broker acknowledged to the agent (QoS 1 PUBACK with a success reason code). */
export type AckedMessage = { atMs: number; connection: number; topic: string; payload: Buffer };

/**
 * The independent witness of "what the broker accepted from the agent": a TCP proxy between the agent's
 * uplink and the broker that parses the MQTT packets flowing both ways (mqtt-packet, the codec mqtt.js and
 * aedes use) without changing a byte. A QoS 1 PUBLISH from the agent is remembered by packet id until the
 * broker's PUBACK for it passes back; only then is it recorded as acknowledged. Nothing here reads the
 * agent's or the platform's own counters.
 */
export class AckProxy {
  readonly acked: AckedMessage[] = [];
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private connections = 0;
  /** Messages published but never acknowledged (the connection died first) — informational. */
  unacked = 0;
  /** While false, connections are refused (closed at once): holds the agent back until the platform runs. */
  open = true;

  constructor(
    readonly port: number,
    private target: { host: string; port: number },
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  retarget(port: number): void {
    this.target = { ...this.target, port };
  }

  async start(): Promise<void> {
    const srv = net.createServer((client) => this.onClient(client));
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = srv;
  }

  private onClient(client: net.Socket): void {
    if (!this.open) return void client.destroy();
    const conn = ++this.connections;
    const upstream = net.connect(this.target);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const pending = new Map<number, { topic: string; payload: Buffer }>();
    const fromClient = mqttPacket.parser();
    let fromBroker: ReturnType<typeof mqttPacket.parser> | null = null;
    let brokerBuffered: Buffer[] = [];
    fromClient.on('packet', (p) => {
      if (p.cmd === 'connect') {
        fromBroker = mqttPacket.parser({ protocolVersion: p.protocolVersion });
        fromBroker.on('packet', onBrokerPacket);
        for (const b of brokerBuffered) fromBroker.parse(b);
        brokerBuffered = [];
      } else if (p.cmd === 'publish' && p.qos === 1 && p.messageId !== undefined) {
        pending.set(p.messageId, { topic: p.topic, payload: Buffer.from(p.payload) });
      }
    });
    const onBrokerPacket = (p: mqttPacket.Packet) => {
      if (p.cmd !== 'puback' || p.messageId === undefined) return;
      const m = pending.get(p.messageId);
      if (!m) return;
      pending.delete(p.messageId);
      if ((p.reasonCode ?? 0) < 0x80) this.acked.push({ atMs: Date.now(), connection: conn, ...m });
    };
    // Bytes are forwarded first and parsed after, so the witness never delays or alters the stream.
    client.on('data', (b) => {
      upstream.write(b);
      fromClient.parse(b);
    });
    upstream.on('data', (b) => {
      client.write(b);
      if (fromBroker) fromBroker.parse(b);
      else brokerBuffered.push(b);
    });
    const close = () => {
      this.unacked += pending.size;
      pending.clear();
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
  }

  /** Drops every connection through the proxy at once (a network cut between agent and broker). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.cut();
    const srv = this.server;
    this.server = null;
    await new Promise<void>((resolve) => (srv ? srv.close(() => resolve()) : resolve()));
  }
}
