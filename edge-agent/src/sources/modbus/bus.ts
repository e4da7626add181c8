import { type PointSpan, type ReadRequest, splitRequest } from './plan.js';
import { classifyError, type Failure } from './quality.js';

/**
 * One bus (a serial line, or one TCP connection to a device or gateway): one request at a time, `pacingMs` of
 * silence between requests, each device polled on its own interval. Fairness on a shared RS-485 line:
 *  - the device whose poll is due earliest goes next; equal due times go round-robin;
 *  - a request that times out ends that device's cycle (its other requests are not tried), and its retry goes
 *    back in line behind every device already due — so a dead slave costs the others at most one timeout at a
 *    time, never `retries × timeout × requests`;
 *  - a device whose cycles keep failing is polled less often (interval × 2, × 4, … at most × 8 or 60 s) until it
 *    answers again.
 * ILLEGAL DATA ADDRESS on a coalesced read splits it (plan.ts splitRequest) and the split plan is kept.
 */
export type ReadOutcome =
  | { ok: true; regs: Uint8Array; atMs: number }
  | { ok: false; failure: Failure; atMs: number };

export type BusDevice = {
  id: string;
  unit: number;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  maxRegisters: number;
  points: PointSpan[];
  requests: ReadRequest[];
  onResult(req: ReadRequest, r: ReadOutcome): void;
  /** After each complete cycle: ok when at least one request of it was answered. */
  onCycle(ok: boolean, failure?: Failure): void;
};

export type BusIo = {
  read(
    unit: number,
    table: ReadRequest['table'],
    start: number,
    count: number,
    timeoutMs: number,
  ): Promise<Uint8Array>;
  /** Drop bytes that may still arrive for an abandoned request. */
  discardPending(): void;
  isUp(): boolean;
};

type State = {
  d: BusDevice;
  dueMs: number;
  /** Index of the next request of the current cycle. */
  next: number;
  attempt: number;
  answered: boolean;
  failedCycles: number;
  served: number;
};

const MAX_BACKOFF_FACTOR = 8;
const MAX_BACKOFF_MS = 60_000;

export class BusScheduler {
  private readonly states: State[] = [];
  private stopped = true;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastEndMs = Number.NEGATIVE_INFINITY;
  private served = 0;
  private running: Promise<void> | null = null;

  constructor(
    private readonly io: BusIo,
    private readonly o: {
      pacingMs: number;
      /** Time stamped on values (wall clock, or a test's clock). */
      now: () => number;
      counters: Record<string, number>;
      /** Monotonic time for scheduling. */
      mono?: () => number;
    },
  ) {}

  private mono(): number {
    return this.o.mono ? this.o.mono() : performance.now();
  }

  add(d: BusDevice): void {
    this.states.push({
      d,
      dueMs: this.mono(),
      next: 0,
      attempt: 0,
      answered: false,
      failedCycles: 0,
      served: 0,
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.poke();
    await this.running;
  }

  private poke(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wake?.();
    this.wake = null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(
        () => {
          this.wake = null;
          resolve();
        },
        Math.max(0, ms),
      );
    });
  }

  private bump(key: string, n = 1): void {
    this.o.counters[key] = (this.o.counters[key] ?? 0) + n;
  }

  /** Earliest due device; ties by the one served longest ago. */
  private pick(): State | undefined {
    let best: State | undefined;
    for (const s of this.states) {
      if (!best || s.dueMs < best.dueMs || (s.dueMs === best.dueMs && s.served < best.served)) best = s;
    }
    return best;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const s = this.pick();
      if (!s) {
        await this.sleep(1000);
        continue;
      }
      if (!this.io.isUp()) {
        await this.sleep(100);
        continue;
      }
      const wait = s.dueMs - this.mono();
      if (wait > 0) {
        await this.sleep(Math.min(wait, 1000));
        continue;
      }
      await this.runCycle(s);
    }
  }

  private async pace(): Promise<void> {
    const wait = this.lastEndMs + this.o.pacingMs - this.mono();
    if (wait > 0) await this.sleep(wait);
  }

  /** Runs the rest of one device's cycle (from `s.next`), stopping at the first timeout. */
  private async runCycle(s: State): Promise<void> {
    const d = s.d;
    s.served = ++this.served;
    const cycleStart = s.dueMs;
    while (s.next < d.requests.length && !this.stopped) {
      const req = d.requests[s.next]!;
      await this.pace();
      if (this.stopped) return;
      this.bump('requests');
      let failure: Failure | null = null;
      try {
        const regs = await this.io.read(d.unit, req.table, req.start, req.count, d.timeoutMs);
        this.lastEndMs = this.mono();
        this.bump('responses');
        s.answered = true;
        d.onResult(req, { ok: true, regs, atMs: this.o.now() });
      } catch (e) {
        this.lastEndMs = this.mono();
        failure = classifyError(e);
        this.bump(failure.kind === 'exception' ? 'exceptions' : failure.kind);
        if (failure.kind === 'exception') this.bump(`exception${failure.exception}`);
        if (failure.kind !== 'exception') this.io.discardPending();
      }
      if (failure?.kind === 'exception' && failure.exception === 2 && req.points.length > 1) {
        // A coalesced read touched an unmapped register: read its points apart from now on.
        d.requests.splice(s.next, 1, ...splitRequest(req, d.points, d.maxRegisters));
        this.bump('splits');
        continue;
      }
      if (failure && failure.kind !== 'exception') {
        if (failure.kind !== 'notConnected' && s.attempt < d.retries) {
          // Retry later in line: every device already due goes first.
          s.attempt++;
          this.bump('retries');
          s.dueMs = this.mono();
          return;
        }
        // Give up this cycle: the request and the ones after it get this failure.
        for (let i = s.next; i < d.requests.length; i++)
          d.onResult(d.requests[i]!, { ok: false, failure, atMs: this.o.now() });
        s.next = d.requests.length;
        this.finish(s, cycleStart, failure);
        return;
      }
      if (failure) d.onResult(req, { ok: false, failure, atMs: this.o.now() });
      s.attempt = 0;
      s.next++;
    }
    this.finish(s, cycleStart);
  }

  private finish(s: State, cycleStart: number, failure?: Failure): void {
    const d = s.d;
    const ok = s.answered;
    d.onCycle(ok, ok ? undefined : failure);
    s.failedCycles = ok ? 0 : s.failedCycles + 1;
    const factor = Math.min(2 ** Math.max(0, s.failedCycles - 1), MAX_BACKOFF_FACTOR);
    const interval = ok
      ? d.intervalMs
      : Math.min(d.intervalMs * factor, Math.max(d.intervalMs, MAX_BACKOFF_MS));
    // Next poll one interval after this one was due; a late bus skips missed polls instead of bunching them.
    s.dueMs = Math.max(cycleStart + interval, this.mono());
    s.next = 0;
    s.attempt = 0;
    s.answered = false;
  }
}
