import { Counter, type Registry as PromRegistry } from 'prom-client';

/**
 * Per-agent ingest budgets: points/s and messages/s per (factory, agent), as token buckets holding
 * `burstSeconds` of each rate. Over its budget an agent is not refused and nothing of it is dropped: its next
 * message is taken only after the time its budget needs — the broker's hand-off (handoff.ts) holds that
 * agent's PUBACK meanwhile, so the agent's own in-flight window stops it sending more, while every other
 * agent's messages go on at once. What the agent believes stored is stored; it just goes no faster than its
 * budget. Counted in /metrics (messages delayed per reason, seconds of delay).
 *
 * Data messages on the xiang uplink (`xiang/v1/<factory>/<agent>/data`) are budgeted; births and status have
 * their own bounds (birth-limits.ts). The point count is read from the raw payload without parsing it (one
 * `[` per point tuple, minus the array's own): cheap, and close enough for a budget.
 */
export type AgentRateSettings = {
  agentPointsPerSecond: number;
  agentMessagesPerSecond: number;
  agentBurstSeconds: number;
};

type Bucket = { points: number; messages: number; atMs: number };

/** Longest delay one message may be given (then it is taken anyway: a budget, not a wall). */
const MAX_DELAY_MS = 60_000;
const DATA_TOPIC = /^xiang\/v1\/([^/]+)\/([^/]+)\/data$/;

export class AgentRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly prom?: { delayed: Counter<'reason'>; seconds: Counter };

  constructor(
    private readonly s: AgentRateSettings,
    promRegistry?: PromRegistry,
    private readonly now: () => number = Date.now,
  ) {
    if (promRegistry) {
      const registers = [promRegistry];
      this.prom = {
        delayed: new Counter({
          name: 'xiang_ingest_agent_rate_delayed_messages_total',
          help: 'Data messages taken later because their agent was over its points/s or messages/s budget, by reason',
          labelNames: ['reason'],
          registers,
        }),
        seconds: new Counter({
          name: 'xiang_ingest_agent_rate_delay_seconds_total',
          help: 'Total delay given to data messages of agents over their budget (their PUBACK waited as long)',
          registers,
        }),
      };
    }
  }

  /**
   * Reserves the message's share of its agent's budget and says how long to wait before taking it (0 = at
   * once). Reservations queue: an agent's later message waits behind its earlier ones.
   */
  delayMs(topic: string, payload: Buffer): number {
    const m = DATA_TOPIC.exec(topic);
    if (!m) return 0;
    const key = `${m[1]}/${m[2]}`;
    const now = this.now();
    const { agentPointsPerSecond: pps, agentMessagesPerSecond: mps, agentBurstSeconds: burst } = this.s;
    const b = this.buckets.get(key) ?? { points: pps * burst, messages: mps * burst, atMs: now };
    const dt = Math.max(0, now - b.atMs) / 1000;
    b.points = Math.min(pps * burst, b.points + dt * pps) - countPoints(payload);
    b.messages = Math.min(mps * burst, b.messages + dt * mps) - 1;
    b.atMs = now;
    this.buckets.set(key, b);
    const waitPoints = b.points < 0 ? (-b.points / pps) * 1000 : 0;
    const waitMessages = b.messages < 0 ? (-b.messages / mps) * 1000 : 0;
    const wait = Math.min(MAX_DELAY_MS, Math.max(waitPoints, waitMessages));
    if (wait > 0) {
      this.prom?.delayed.inc({ reason: waitPoints >= waitMessages ? 'points' : 'messages' });
      this.prom?.seconds.inc(wait / 1000);
    }
    if (this.buckets.size > 10_000) this.forgetFull(now);
    return wait;
  }

  /** Agents whose buckets have refilled are forgotten (a fresh bucket is the same thing). */
  private forgetFull(now: number): void {
    const { agentPointsPerSecond: pps, agentMessagesPerSecond: mps, agentBurstSeconds: burst } = this.s;
    for (const [k, b] of this.buckets) {
      const dt = (now - b.atMs) / 1000;
      if (b.points + dt * pps >= pps * burst && b.messages + dt * mps >= mps * burst) this.buckets.delete(k);
    }
  }
}

/** Point tuples in a data payload: one `[` each, minus the `points` array's own (text values may add a few). */
export function countPoints(payload: Buffer): number {
  let n = 0;
  for (let i = payload.indexOf(0x5b); i >= 0 && n < 10_000_000; i = payload.indexOf(0x5b, i + 1)) n++;
  return Math.max(0, n - 1);
}
