import type { Logger } from 'pino';
import type { AgentRateLimiter } from './agent-rate.js';
import type { IngestRoute } from './mqtt-ingest.js';
import { dispatchToRoutes } from './routes.js';

type Pending = { topic: string; payload: Buffer; resolve: () => void; reject: (e: unknown) => void };

/**
 * Messages handed over by a broker in the same process (the embedded aedes broker of `npm start`,
 * platform/src/broker/ingest-handoff.ts) instead of delivered through the MQTT subscription. `handle()`
 * resolves once the message is durable — the broker sends the PUBACK only then — and rejects when it is
 * not (store or disk failure): the broker then closes that agent's connection without a PUBACK and the
 * agent sends the message again. What arrives while a batch is being made durable becomes the next batch
 * (the same group commit as the MQTT path: one store write, one registry transaction).
 */
export class IngestHandoff {
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly routes: readonly IngestRoute[],
    private readonly log: Logger,
    /** Per-agent budgets: an agent over its budget waits here (its PUBACK with it), the others do not. */
    private readonly rate?: AgentRateLimiter,
  ) {}

  /** Topic filters whose messages may be handed over (one per route). */
  get filters(): string[] {
    return this.routes.map((r) => r.filter);
  }

  async handle(topic: string, payload: Buffer): Promise<void> {
    const wait = this.rate?.delayMs(topic, payload) ?? 0;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (this.closed) throw new Error('ingest stopped: message not acknowledged');
    return await new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, payload, resolve, reject });
      // After the current I/O turn: every message parsed from the same read joins the batch.
      if (!this.running) this.running = new Promise((r) => setImmediate(r)).then(() => this.run());
    });
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.dispatch(batch);
        } catch (e) {
          // Nothing of it — nor what queued behind it — is acknowledged; the agents send it again.
          const rest = this.queue;
          this.queue = [];
          this.log.error(
            { err: (e as Error)?.message ?? String(e), messages: batch.length + rest.length },
            'handed-over messages not durable; not acknowledged (the agents resend them)',
          );
          for (const p of [...batch, ...rest]) p.reject(e);
          continue;
        }
        for (const p of batch) p.resolve();
      }
    } finally {
      this.running = null;
    }
  }

  private dispatch(batch: readonly Pending[]): Promise<void> {
    return dispatchToRoutes(this.routes, batch);
  }

  /** Takes no more messages; resolves once the batch in hand is durable (and its senders answered). */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }
}

/**
 * Runs async jobs one at a time, in call order: the MQTT subscription and a hand-off feed the same
 * processor, which handles messages strictly one batch after another.
 */
export function serially(): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(job: () => Promise<T>) => {
    const run = tail.then(job, job);
    tail = run.catch(() => {});
    return run;
  };
}
