import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { AckedMessage } from './ack-proxy.js';
import type { BadInputKind } from './steps.js';

/**
 * Every forged value is FORGED_BASE − k (k = 0, 1, 2, …) and every forged timestamp ends in 777 ms: no
 * simulator or device of the soak produces either, so a stored forged point is recognisable by its value.
 */
export const FORGED_BASE = -987_000_000;
export const isForgedValue = (v: number | null): boolean =>
  v !== null && v <= FORGED_BASE && v > FORGED_BASE - 1e6;
const forgedTs = (nearMs: number, k: number) => Math.floor(nearMs / 1000) * 1000 + 1000 * k + 777;

export async function connectClient(
  url: string,
  protocolVersion: 4 | 5,
  clientId: string,
): Promise<MqttClient> {
  const c = mqtt.connect(url, {
    protocolVersion,
    clientId,
    clean: true,
    reconnectPeriod: 300,
    // The embedded broker refuses (CONNACK 3) until its platform is ready: keep trying, or every rogue,
    // duplicate, bad-input and new-device step of that schedule is a silent no-op.
    reconnectOnConnackError: true,
    connectTimeout: 3000,
  });
  c.on('error', () => {});
  return c;
}

/** QoS 1 publish; true only when the broker's PUBACK arrived within timeoutMs. */
export async function publishAcked(
  c: MqttClient,
  topic: string,
  payload: string | Buffer,
  timeoutMs = 3000,
): Promise<boolean> {
  if (!c.connected) return false;
  return await new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs);
    c.publish(topic, payload, { qos: 1 }, (err) => {
      clearTimeout(t);
      resolve(!err);
    });
  });
}

type BirthJson = {
  devices: { id: string }[];
  metrics: { i: number; deviceId: string; key: string; datatype: string }[];
};

/** The agent's latest acknowledged birth and data as the ack proxy saw them. */
export type AgentView = { births: AckedMessage[]; data: AckedMessage[] };

function latestBirth(v: AgentView): BirthJson | null {
  const b = v.births[v.births.length - 1];
  return b ? (JSON.parse(b.payload.toString('utf8')) as BirthJson) : null;
}

function latestTs(v: AgentView): number {
  const d = v.data[v.data.length - 1];
  if (!d) return Date.now() - 86_400_000;
  const pts = (JSON.parse(d.payload.toString('utf8')) as { points: [number, number][] }).points;
  return Math.max(...pts.map((p) => p[1]));
}

const sessionOf = (m: AckedMessage) =>
  (JSON.parse(m.payload.toString('utf8')) as { sessionId: string }).sessionId;
const seqOf = (m: AckedMessage) => (JSON.parse(m.payload.toString('utf8')) as { seq: number }).seq;
const sid = (what: string) => `s-${what}-${randomBytes(6).toString('hex')}`;

/**
 * The rogue publisher: forged data (unknown session on the agent's own topic; another agent id claiming
 * the agent's devices), verbatim duplicates and replays of acknowledged messages, rebirth commands. Counts
 * only what the broker acknowledged.
 */
export class Rogue {
  forgedMessages = 0;
  forgedPoints = 0;
  duplicates = 0;
  private k = 0;

  constructor(
    private readonly c: MqttClient,
    private readonly factoryId: string,
    private readonly agentId: string,
  ) {}

  private topic(kind: string, agent = this.agentId): string {
    return `xiang/v1/${this.factoryId}/${agent}/${kind}`;
  }

  private forgedPointsFor(indices: number[], nearMs: number): [number, number, number][] {
    return indices.map((i, n) => [i, forgedTs(nearMs, n), FORGED_BASE - this.k++]);
  }

  async rebirthCmd(): Promise<void> {
    const cmd = JSON.stringify({ command: 'rebirth', reason: 'soak schedule', requestedAt: Date.now() });
    await publishAcked(this.c, this.topic('cmd'), cmd);
  }

  /** n data messages with a sessionId nobody announced, using the agent's real double metrics. */
  async forgeUnknownSession(n: number, v: AgentView): Promise<void> {
    await this.forgeData(n, v, sid('forged'), 1);
  }

  /**
   * n data messages in the agent's previous session (one it left for a newer birth), continuing that
   * session's seq: what only a forger can send — the agent replays its backlog in its current session.
   */
  async forgeOldSession(n: number, v: AgentView): Promise<void> {
    const sessions = [...new Set(v.births.map((b) => sessionOf(b)))];
    const old = sessions[sessions.length - 2];
    if (!old) return;
    const seqs = v.data.filter((d) => sessionOf(d) === old).map((d) => seqOf(d));
    await this.forgeData(n, v, old, Math.max(0, ...seqs) + 1);
  }

  private async forgeData(n: number, v: AgentView, sessionId: string, firstSeq: number): Promise<void> {
    const birth = latestBirth(v);
    if (!birth) return;
    const doubles = birth.metrics.filter((m) => m.datatype === 'double').map((m) => m.i);
    const near = latestTs(v);
    for (let k = 0; k < n; k++) {
      const points = this.forgedPointsFor(doubles.slice((k * 3) % doubles.length).slice(0, 3), near);
      const body = JSON.stringify({ sessionId, seq: firstSeq + k, historical: false, points });
      if (await publishAcked(this.c, this.topic('data'), body)) {
        this.forgedMessages++;
        this.forgedPoints += points.length;
      }
    }
  }

  /** A rogue agent id births two of the real agent's metrics (same device ids and keys) and sends data. */
  async forgeOtherAgent(v: AgentView): Promise<void> {
    const birth = latestBirth(v);
    if (!birth) return;
    const metrics = birth.metrics.filter((m) => m.datatype === 'double').slice(0, 2);
    const deviceIds = new Set(metrics.map((m) => m.deviceId));
    const full = JSON.parse(v.births[v.births.length - 1]!.payload.toString('utf8')) as Record<
      string,
      unknown
    > & {
      devices: { id: string }[];
      metrics: { i: number; deviceId: string }[];
    };
    const sessionId = sid('rogue');
    const rogueBirth = {
      ...full,
      sessionId,
      seq: 0,
      timestamp: Date.now(),
      devices: full.devices.filter((d) => deviceIds.has(d.id)),
      metrics: full.metrics.filter((m) => metrics.some((x) => x.i === m.i)).map((m, i) => ({ ...m, i })),
    };
    const agent = `rogue-${this.agentId}`.slice(0, 64);
    if (!(await publishAcked(this.c, this.topic('birth', agent), JSON.stringify(rogueBirth)))) return;
    const points = this.forgedPointsFor([0, 1].slice(0, metrics.length), latestTs(v));
    const body = JSON.stringify({ sessionId, seq: 1, historical: false, points });
    if (await publishAcked(this.c, this.topic('data', agent), body)) {
      this.forgedMessages++;
      this.forgedPoints += points.length;
    }
  }

  /** Re-publishes, byte for byte, the acknowledged data message `back` positions before the latest. */
  async duplicate(back: number, v: AgentView): Promise<void> {
    const m = v.data[Math.max(0, v.data.length - 1 - back)];
    if (m && (await publishAcked(this.c, m.topic, m.payload))) this.duplicates++;
  }
}

/**
 * Malformed input from a separate agent id that births first (a new session each time, so its data is
 * never parked for want of a birth). Each kind is one message the platform must reject — whole or the one
 * point it holds — and count; `sent` holds the acknowledgement time of each.
 */
export class BadInput {
  readonly sent: { kind: BadInputKind; atMs: number }[] = [];
  readonly agentId: string;

  constructor(
    private readonly c: MqttClient,
    private readonly factoryId: string,
    agentId: string,
  ) {
    this.agentId = `bad-${agentId}`.slice(0, 64);
  }

  private topic(kind: string): string {
    return `xiang/v1/${this.factoryId}/${this.agentId}/${kind}`;
  }

  async send(kind: BadInputKind): Promise<void> {
    const sessionId = sid('bad');
    const now = Date.now();
    const birth = {
      sessionId,
      seq: 0,
      timestamp: now,
      agent: { version: 'soak' },
      assets: [],
      devices: [{ id: `${this.agentId}-dev`.slice(0, 64), kind: 'sensor', assetPath: '' }],
      metrics: [
        {
          i: 0,
          deviceId: `${this.agentId}-dev`.slice(0, 64),
          key: 'x',
          quantity: 'other',
          kind: 'gauge',
          datatype: 'double',
          unit: '1',
        },
      ],
    };
    if (!(await publishAcked(this.c, this.topic('birth'), JSON.stringify(birth)))) return;
    const env = (points: string) =>
      `{"sessionId":"${sessionId}","seq":1,"historical":false,"points":${points}}`;
    const ts = now - 60_000;
    const payload: Record<BadInputKind, string> = {
      invalidJson: `{"sessionId":"${sessionId}","seq":1,`,
      schemaViolation: JSON.stringify({ sessionId: 'short', seq: -1, points: 'none' }),
      infinity: env(`[[0,${ts},1e400]]`),
      hugeTimestamp: env('[[0,1e300,1]]'),
      farFuture: env(`[[0,${now + 30 * 86_400_000},1]]`),
      wrongType: env(`[[0,${ts},"text"]]`),
      unknownIndex: env(`[[999,${ts},1]]`),
    };
    if (await publishAcked(this.c, this.topic('data'), payload[kind]))
      this.sent.push({ kind, atMs: Date.now() });
  }
}

/** New MQTT devices: each publishes `{ ts, v }` every 250 ms on its topic until stop(). */
export class NewDevices {
  readonly ids: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private n = 0;

  constructor(
    private readonly c: MqttClient,
    private readonly topicOf: (deviceId: string) => string,
    private readonly prefix: string,
  ) {}

  add(): void {
    this.ids.push(`${this.prefix}${this.ids.length + 1}`);
    if (this.timer) return;
    this.timer = setInterval(() => {
      const ts = Date.now();
      for (const id of this.ids)
        this.c.publish(this.topicOf(id), JSON.stringify({ ts, v: this.n++ }), { qos: 1 });
    }, 250);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
