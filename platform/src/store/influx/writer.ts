import type { SeriesKey } from '../types.js';
import type { BacklogEntry, LineBody, Sidecar } from './sidecar.js';

/** InfluxDB answered but refused the data (HTTP 400): retrying cannot help, so it is counted, not kept. */
export class RejectedWriteError extends Error {
  override name = 'RejectedWriteError';
  constructor(
    message: string,
    readonly dropped: number,
  ) {
    super(message);
  }
}

/** The disk backlog reached its bound: write() fails, so the caller keeps the data (e.g. does not ack MQTT). */
export class BacklogFullError extends Error {
  override name = 'BacklogFullError';
}

export type WriterOptions = {
  /**
   * 'journal' (default): write() appends to the durable on-disk journal (the backlog table) and resolves at
   * once; the drainer ships the journal to InfluxDB in batches of up to batchSize points. A caller that
   * writes one small batch at a time (ingest acknowledges MQTT messages in order, one by one) is then not
   * held to one HTTP round trip per batch. 'direct': write() resolves once the batch is in InfluxDB (or,
   * after memoryRetryMs of failures, in the backlog).
   */
  mode: 'journal' | 'direct';
  batchSize: number;
  flushIntervalMs: number;
  /** How long a failing batch is retried in memory (the caller waits) before it spills to the disk backlog. */
  memoryRetryMs: number;
  maxBacklogPoints: number;
  /** Sends a line-protocol body; throws RejectedWriteError for refused data, anything else = unreachable. */
  post: (body: LineBody) => Promise<void>;
  /** Made current before the backlog drains (the database or its policies may not exist yet). */
  ensureSchema: () => Promise<void>;
  /** Called whenever the backlog has been drained. */
  onDrained: () => void;
  onError: (message: string) => void;
};

type Pending = {
  lines: string[];
  taken: number;
  inFlight: number;
  seq: number;
  resolve: () => void;
  reject: (e: unknown) => void;
};

type Batch = { body: LineBody; n: number; minSeq: number; maxSeq: number; owners: Pending[] };

/**
 * Batches writes (size or time), sends them one batch at a time so a later write of a point always lands
 * after an earlier one, and keeps every accepted point: a failing batch is retried in memory for a moment,
 * then appended to the durable disk backlog. While anything is in the backlog, new batches queue behind it,
 * and a drainer sends the backlog oldest first once InfluxDB answers again.
 */
export class InfluxWriter {
  private readonly queue: Pending[] = [];
  private queuedLines = 0;
  private pumping = false;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private closed = false;
  private nextSeq: number;
  down = false;
  pointsLanded = 0;
  pointsRejected = 0;
  private lastError: string | undefined;
  private idleWaiters: (() => void)[] = [];
  /** Told after each drain attempt: true = progress or empty, false = InfluxDB still unreachable. */
  private drainWaiters: ((progress: boolean) => void)[] = [];

  constructor(
    private readonly sidecar: Sidecar,
    private readonly o: WriterOptions,
  ) {
    this.nextSeq = sidecar.maxWriteSeq() + 1;
    if (sidecar.backlogPoints > 0) this.startDrainer();
  }

  private error(message: string): void {
    this.lastError = message;
    this.o.onError(message);
  }

  /** A sequence number for the next write(); dirty marks carry it (see Sidecar). */
  takeSeq(): number {
    return this.nextSeq++;
  }

  /** Everything with a sequence number ≤ this is in InfluxDB (not queued, not in flight, not in the backlog). */
  landedSeq(): number {
    let min = this.nextSeq;
    const head = this.queue[0];
    if (head) min = Math.min(min, head.seq);
    const oldest = this.sidecar.oldestBacklog();
    if (oldest) min = Math.min(min, oldest.minWriteSeq);
    return min - 1;
  }

  /** Points accepted but not yet in InfluxDB. */
  get backlogPoints(): number {
    return this.sidecar.backlogPoints + this.queuedLines;
  }

  /**
   * Journal mode only: appends a prebuilt line-protocol body of `n` points, with the write's dirty marks, to
   * the journal in one transaction, and resolves at once (the drainer ships it). Direct mode takes lines
   * (write()): a body cannot be split back into lines safely (a text value may hold a newline).
   */
  append(body: Buffer, n: number, seq: number, marks: readonly [SeriesKey, number][]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('InfluxDB store is closed'));
    if (this.o.mode !== 'journal') return Promise.reject(new Error('append() needs the journal write mode'));
    try {
      this.toBacklog({ body, n, minSeq: seq, maxSeq: seq, owners: [] }, marks);
    } catch (e) {
      return Promise.reject(e);
    }
    if (!this.down) this.wake?.();
    return Promise.resolve();
  }

  write(lines: string[], seq: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('InfluxDB store is closed'));
    if (lines.length === 0) return Promise.resolve();
    if (this.o.mode === 'journal') {
      try {
        this.toBacklog({ body: lines.join('\n'), n: lines.length, minSeq: seq, maxSeq: seq, owners: [] });
      } catch (e) {
        return Promise.reject(e);
      }
      if (!this.down) this.wake?.();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ lines, taken: 0, inFlight: 0, seq, resolve, reject });
      this.queuedLines += lines.length;
      if (this.queuedLines >= this.o.batchSize) this.kick();
      else if (!this.timer) {
        this.timer = setTimeout(() => this.kick(), this.o.flushIntervalMs);
      }
    });
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pumping) void this.pump();
  }

  private takeBatch(): Batch {
    const owners: Pending[] = [];
    const parts: string[] = [];
    let n = 0;
    for (const p of this.queue) {
      if (n >= this.o.batchSize) break;
      if (p.taken === p.lines.length) continue;
      const take = Math.min(p.lines.length - p.taken, this.o.batchSize - n);
      parts.push(
        p.taken === 0 && take === p.lines.length
          ? p.lines.join('\n')
          : p.lines.slice(p.taken, p.taken + take).join('\n'),
      );
      p.taken += take;
      p.inFlight++;
      n += take;
      owners.push(p);
    }
    const seqs = owners.map((p) => p.seq);
    return { body: parts.join('\n'), n, minSeq: Math.min(...seqs), maxSeq: Math.max(...seqs), owners };
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.some((p) => p.taken < p.lines.length)) {
        const batch = this.takeBatch();
        let failure: unknown = null;
        try {
          await this.deliver(batch);
        } catch (e) {
          failure = e;
        }
        this.queuedLines -= batch.n;
        for (const p of batch.owners) {
          p.inFlight--;
          if (failure) p.reject(failure);
        }
        // A write resolves when all its lines are delivered; a failed one is dropped from the queue.
        for (let i = 0; i < this.queue.length; ) {
          const p = this.queue[i] as Pending;
          const failed = failure !== null && batch.owners.includes(p);
          if (failed || (p.taken === p.lines.length && p.inFlight === 0)) {
            this.queue.splice(i, 1);
            if (failed) this.queuedLines -= p.lines.length - p.taken;
            else p.resolve();
          } else i++;
        }
      }
    } finally {
      this.pumping = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private toBacklog(b: Batch, marks?: readonly [SeriesKey, number][]): void {
    if (this.sidecar.backlogPoints + b.n > this.o.maxBacklogPoints) {
      throw new BacklogFullError(
        `InfluxDB backlog full (${this.sidecar.backlogPoints} of ${this.o.maxBacklogPoints} points): write refused, ${this.lastError ?? ''}`,
      );
    }
    this.sidecar.appendBacklog(b.body, b.n, b.minSeq, b.maxSeq, marks);
    this.startDrainer();
  }

  private async deliver(b: Batch): Promise<void> {
    if (this.down || this.closed || this.sidecar.backlogPoints > 0) {
      this.toBacklog(b);
      return;
    }
    const deadline = Date.now() + this.o.memoryRetryMs;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await this.o.post(b.body);
        this.pointsLanded += b.n;
        return;
      } catch (e) {
        if (e instanceof RejectedWriteError) {
          this.pointsRejected += e.dropped;
          this.error(e.message);
          return;
        }
        this.error(`InfluxDB write failed: ${errorText(e)}`);
        const wait = Math.min(50 * 2 ** attempt, deadline - Date.now());
        if (wait <= 0 || this.closed) break;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    this.down = true;
    this.toBacklog(b);
  }

  private startDrainer(): void {
    if (this.draining || this.closed) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      this.notifyDrain(false);
    });
  }

  private notifyDrain(progress: boolean): void {
    for (const w of this.drainWaiters.splice(0)) w(progress);
  }

  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = null;
  }

  /** Sends the backlog oldest first; backs off (≤ 2 s) while InfluxDB stays unreachable. */
  private async drain(): Promise<void> {
    let attempt = 0;
    let schemaOk = false;
    while (!this.closed) {
      // Oldest entries first, several per request (order is kept: one request at a time).
      const run = this.sidecar.backlogRun(this.o.batchSize);
      if (run.length === 0) {
        this.down = false;
        this.o.onDrained();
        this.notifyDrain(true);
        return;
      }
      const points = run.reduce((n, e) => n + e.points, 0);
      try {
        if (!schemaOk) {
          await this.o.ensureSchema();
          schemaOk = true;
        }
        await this.o.post(joinBodies(run));
        this.sidecar.removeBacklogRun(run);
        this.pointsLanded += points;
        this.down = false;
        attempt = 0;
        this.notifyDrain(true);
      } catch (err) {
        if (err instanceof RejectedWriteError) {
          this.pointsRejected += err.dropped;
          this.error(err.message);
          this.sidecar.removeBacklogRun(run);
          continue;
        }
        this.down = true;
        this.error(
          `InfluxDB unreachable, ${this.sidecar.backlogPoints} points in backlog: ${errorText(err)}`,
        );
        this.notifyDrain(false);
        await this.pause(Math.min(2_000, 100 * 2 ** attempt++));
      }
    }
  }

  /**
   * Resolves once everything accepted so far is in InfluxDB, or at once while InfluxDB is unreachable
   * (reads then answer from what InfluxDB has). Reads call this so they see every acknowledged write.
   */
  async settle(): Promise<void> {
    for (let i = 0; i < 1_000_000 && !this.closed; i++) {
      if (this.down || (this.sidecar.backlogPoints === 0 && this.queuedLines === 0)) return;
      const progress = new Promise<boolean>((r) => this.drainWaiters.push(r));
      if (this.queuedLines > 0) this.kick();
      this.startDrainer();
      this.wake?.();
      if (!(await progress)) return;
    }
  }

  /** Resolves when every write so far is delivered (to InfluxDB or the backlog) and, if InfluxDB answers, the backlog is empty. */
  async flush(): Promise<void> {
    this.kick();
    if (this.pumping) await new Promise<void>((r) => this.idleWaiters.push(r));
    // Drain while InfluxDB answers; at the first failed attempt stop waiting — the data is durable on disk.
    for (let i = 0; i < 1_000_000 && this.sidecar.backlogPoints > 0 && !this.closed; i++) {
      const progress = new Promise<boolean>((r) => this.drainWaiters.push(r));
      this.startDrainer();
      this.wake?.();
      if (!(await progress)) break;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.wake?.();
    await this.draining;
  }
}

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}

const NEWLINE = Buffer.from('\n');

/** Journal entries' bodies as one request body, newline-separated (text of older entries, bytes of newer ones). */
export function joinBodies(run: readonly BacklogEntry[]): LineBody {
  if (run.length === 1) return (run[0] as BacklogEntry).body;
  if (run.every((e) => typeof e.body === 'string')) return run.map((e) => e.body).join('\n');
  const parts: Buffer[] = [];
  for (const e of run) {
    if (parts.length > 0) parts.push(NEWLINE);
    parts.push(typeof e.body === 'string' ? Buffer.from(e.body, 'utf8') : e.body);
  }
  return Buffer.concat(parts);
}
