import { randomBytes } from 'node:crypto';
import { type Birth, type Command, type DataBatch, topicFor } from '@xiang/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { AGENT, FACTORY, fixtureBirth } from './fixtures.js';

/**
 * An independent MQTT client that speaks xiang/v1 like an edge agent (birth, data with session + seq,
 * status, death as its Will) — the platform suites publish through it, never through platform code.
 */
export class TestAgent {
  sessionId = '';
  seq = 0;
  readonly commands: Command[] = [];

  private constructor(
    readonly client: MqttClient,
    readonly factoryId: string,
    readonly agentId: string,
    private readonly birthFactory: (sessionId: string) => Birth,
    private readonly autoRebirth: boolean,
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== topicFor('cmd', factoryId, agentId)) return;
      const cmd = JSON.parse(payload.toString()) as Command;
      this.commands.push(cmd);
      if (cmd.command === 'rebirth' && this.autoRebirth) void this.birth().catch(() => {});
    });
  }

  static async connect(
    url: string,
    o: {
      factoryId?: string;
      agentId?: string;
      username?: string;
      password?: string;
      birth?: (sessionId: string) => Birth;
      autoRebirth?: boolean;
      /** Set the death message as the MQTT Will (on by default). */
      will?: boolean;
      /** 5 by default; 4 for the embedded aedes broker. */
      protocolVersion?: 4 | 5;
    } = {},
  ): Promise<TestAgent> {
    const factoryId = o.factoryId ?? FACTORY;
    const agentId = o.agentId ?? AGENT;
    const sessionId = newSessionId();
    const client = await mqtt.connectAsync(url, {
      protocolVersion: o.protocolVersion ?? 5,
      clientId: `agent-${factoryId}-${agentId}-${sessionId.slice(0, 6)}`,
      clean: true,
      reconnectPeriod: 0,
      ...(o.username ? { username: o.username, password: o.password } : {}),
      ...(o.will === false
        ? {}
        : {
            will: {
              topic: topicFor('death', factoryId, agentId),
              payload: Buffer.from(JSON.stringify({ sessionId, reason: 'will' })),
              qos: 1 as const,
              retain: false,
            },
          }),
    });
    const agent = new TestAgent(
      client,
      factoryId,
      agentId,
      o.birth ?? ((s) => fixtureBirth(s)),
      o.autoRebirth ?? false,
    );
    agent.sessionId = sessionId;
    await client.subscribeAsync(topicFor('cmd', factoryId, agentId), { qos: 1 });
    return agent;
  }

  /** Publishes a birth; by default it opens a new session (seq 0). */
  async birth(opts: { newSession?: boolean; previous?: Birth['previous'] } = {}): Promise<void> {
    if (opts.newSession ?? this.seq > 0) this.sessionId = newSessionId();
    this.seq = 0;
    const birth = this.birthFactory(this.sessionId);
    await this.publish('birth', opts.previous ? { ...birth, previous: opts.previous } : birth);
  }

  /** A rebirth in the same session as the protocol wants it: the birth carries the next seq. */
  async rebirth(birth?: Birth): Promise<void> {
    await this.publish('birth', { ...(birth ?? this.birthFactory(this.sessionId)), seq: ++this.seq });
  }

  /** A rebirth as legacy agents did it: seq restarts at 0 in the same session. */
  async legacyRebirth(birth?: Birth): Promise<void> {
    this.seq = 0;
    await this.publish('birth', { ...(birth ?? this.birthFactory(this.sessionId)), timestamp: Date.now() });
  }

  /** Publishes a data batch with the next seq (or an explicit one); resolves on the broker's PUBACK. */
  async data(
    points: DataBatch['points'],
    o: { historical?: boolean; seq?: number; sessionId?: string } = {},
  ): Promise<number> {
    const seq = o.seq ?? ++this.seq;
    await this.publish('data', {
      sessionId: o.sessionId ?? this.sessionId,
      seq,
      historical: o.historical ?? false,
      points,
    });
    return seq;
  }

  async publish(kind: 'birth' | 'data' | 'status' | 'death', body: unknown): Promise<void> {
    await this.client.publishAsync(topicFor(kind, this.factoryId, this.agentId), JSON.stringify(body), {
      qos: 1,
    });
  }

  async publishRaw(topic: string, payload: Buffer | string): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  /** Dies without a clean disconnect, so the broker publishes the Will. */
  crash(): void {
    this.client.stream.destroy();
    this.client.end(true);
  }

  async end(): Promise<void> {
    await this.client.endAsync(true);
  }
}

export function newSessionId(): string {
  return `s-${randomBytes(8).toString('hex')}`;
}
