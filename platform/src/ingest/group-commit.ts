/** One message as the broker delivered it, with the way to acknowledge it (PUBACK). */
export type Delivery = {
  topic: string;
  payload: Buffer;
  /** The QoS it was delivered with (0 = the broker keeps no copy: Sparkplug B data usually comes so). */
  qos?: 0 | 1 | 2;
  /** Acknowledges the message; called at most once, in arrival order, only after it is durable. */
  ack: () => void;
};

/** Makes a batch of messages durable, in arrival order; rejects (nothing acknowledged) on a transient failure. */
export type BatchProcessor = (batch: readonly Delivery[]) => Promise<void>;

export type GroupCommitOptions = {
  process: BatchProcessor;
  /** Messages received and not yet acknowledged, at most (the MQTT Receive Maximum the platform announces). */
  maxInFlight: number;
  /** A failed batch: its messages and everything queued behind them stay unacknowledged. */
  onFailure: (err: unknown, batch: readonly Delivery[]) => void;
};

type Entry = { d: Delivery; epoch: number; durable: boolean };

/**
 * Group commit for the MQTT ingest. Messages are queued as they arrive; whatever queued up while the previous
 * batch was being written becomes the next batch, made durable as one (one store write, one registry
 * transaction — see DataGroup). Acknowledgements go out strictly in arrival order (MQTT 5 §4.6: PUBACKs in the
 * order the PUBLISH packets were received) and only once the batch holding the message is durable. Batches
 * run one at a time, so the processor sees messages in arrival order.
 *
 * A failed batch halts the pipeline: nothing of it, and nothing queued behind it, is acknowledged or
 * processed (a later message must not be stored while an earlier one of the same session is missing); the
 * owner drops the connection and the broker redelivers all of them. `reset()` (a new connection) forgets every
 * message of the old one — those are redelivered — and resumes.
 */
export class GroupCommit {
  private queue: Entry[] = [];
  private unacked: Entry[] = [];
  private epoch = 0;
  private running: Promise<void> | null = null;
  private halted = false;
  private closed = false;
  private readonly spaceWaiters: (() => void)[] = [];
  /** Batches made durable, and the messages in them (observability; the bench reports the mean). */
  batches = 0;
  messages = 0;

  constructor(private readonly o: GroupCommitOptions) {}

  /** Messages received and not yet acknowledged (queued, being written, or written and waiting for an earlier one). */
  get inFlight(): number {
    return this.unacked.length;
  }

  get hasRoom(): boolean {
    return this.unacked.length < this.o.maxInFlight;
  }

  /** Queues a message; returns false (leaving it unacknowledged) when halted or closed. */
  offer(d: Delivery): boolean {
    if (this.halted || this.closed) return false;
    const e: Entry = { d, epoch: this.epoch, durable: false };
    this.queue.push(e);
    this.unacked.push(e);
    // After the current I/O turn: every message parsed from the same read joins the batch.
    if (!this.running) this.running = new Promise((r) => setImmediate(r)).then(() => this.run());
    return true;
  }

  /** Calls `fn` once there is room for another message (at once if there is). */
  whenRoom(fn: () => void): void {
    if (this.hasRoom || this.halted || this.closed) fn();
    else this.spaceWaiters.push(fn);
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.halted && !this.closed) {
        const entries = this.queue;
        this.queue = [];
        const batch = entries.map((e) => e.d);
        try {
          await this.o.process(batch);
        } catch (err) {
          // A batch of a connection already gone: its messages are redelivered on the new one anyway.
          if (entries[0]?.epoch !== this.epoch) continue;
          this.halted = true;
          this.queue = [];
          this.o.onFailure(err, batch);
          this.releaseWaiters();
          return;
        }
        this.batches++;
        this.messages += entries.length;
        for (const e of entries) e.durable = true;
        this.ackDurable();
      }
    } finally {
      this.running = null;
    }
  }

  /** Acknowledges the durable head of the arrival order; a message still being written holds back later ones. */
  private ackDurable(): void {
    let n = 0;
    while (n < this.unacked.length && (this.unacked[n] as Entry).durable) n++;
    if (n === 0) return;
    const done = this.unacked.splice(0, n);
    for (const e of done) if (e.epoch === this.epoch) e.d.ack();
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    while (this.spaceWaiters.length > 0 && (this.hasRoom || this.halted || this.closed))
      (this.spaceWaiters.shift() as () => void)();
  }

  /**
   * A new connection: every message of the old one is forgotten (never acknowledged here; the broker
   * redelivers it). A batch still being written finishes first — the next one waits behind it.
   */
  reset(): void {
    this.epoch++;
    this.queue = [];
    this.unacked = [];
    this.halted = false;
    this.releaseWaiters();
  }

  /** Takes no more messages; resolves once the batch being written (if any) is durable and acknowledged. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue = [];
    this.releaseWaiters();
    await this.running;
  }

  /** Resolves when no batch is being written. */
  async idle(): Promise<void> {
    await this.running;
  }
}
