/**
 * The scheduler of a field bus (Modbus, DL/T 645): one request at a time, `pacingMs` of
 * silence between requests, each device polled on its own interval. Fairness on a shared RS-485 line:
 *  - the device whose poll is due earliest goes next; equal due times go round-robin;
 *  - a request that times out ends that device's cycle (its other requests are not tried), and its retry goes
 *    back in line behind every device already due — so a dead slave costs the others at most one timeout at a
 *    time, never `retries × timeout × requests`;
 *  - a device whose cycles keep failing is polled less often (interval × 2, × 4, … at most × 8 or 60 s) until it
 *    answers again.
 * A protocol may replace a refused request by others (`replace`: Modbus splits a coalesced read refused with
 * ILLEGAL DATA ADDRESS); the replacement stays in the device's plan.
 */
export type Failure = {
  /** OPC UA StatusCode the affected values carry. */
  status: number;
  /** Counter key in the source's health figures. */
  kind: 'timeout' | 'crcError' | 'exception' | 'notConnected' | 'frameError';
  detail: string;
  /** Protocol error code when the device answered with one (Modbus exception code, DL/T 645 error byte). */
  exception?: number;
};

export type Outcome<A> =
  | { ok: true; answer: A; atMs: number }
  | { ok: false; failure: Failure; atMs: number };

export type BusDevice<R, A> = {
  id: string;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  requests: R[];
  onResult(req: R, r: Outcome<A>): void;
  /** After each complete cycle: ok when at least one request of it was answered. */
  onCycle(ok: boolean, failure?: Failure): void;
  /** Requests to use instead of one that failed this way, or null to report the failure. */
  replace?(req: R, f: Failure): R[] | null;
};

export type BusIo<R, A> = {
  exec(d: BusDevice<R, A>, req: R, timeoutMs: number): Promise<A>;
  /** Error → quality and counter. */
  classify(e: unknown): Failure;
  /** Drop bytes that may still arrive for an abandoned request. */
  discardPending(): void;
  isUp(): boolean;
};

type State<R, A> = {
  d: BusDevice<R, A>;
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

export class BusScheduler<R, A> {
  private readonly states: State<R, A>[] = [];
  private stopped = true;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastEndMs = Number.NEGATIVE_INFINITY;
  private served = 0;
  private running: Promise<void> | null = null;

  constructor(
    private readonly io: BusIo<R, A>,
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

  add(d: BusDevice<R, A>): void {
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
  private pick(): State<R, A> | undefined {
    let best: State<R, A> | undefined;
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
  private async runCycle(s: State<R, A>): Promise<void> {
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
        const answer = await this.io.exec(d, req, d.timeoutMs);
        this.lastEndMs = this.mono();
        this.bump('responses');
        s.answered = true;
        d.onResult(req, { ok: true, answer, atMs: this.o.now() });
      } catch (e) {
        this.lastEndMs = this.mono();
        failure = this.io.classify(e);
        this.bump(failure.kind === 'exception' ? 'exceptions' : failure.kind);
        if (failure.kind === 'exception') this.bump(`exception${failure.exception}`);
        if (failure.kind !== 'exception') this.io.discardPending();
      }
      const instead = failure && d.replace ? d.replace(req, failure) : null;
      if (instead) {
        d.requests.splice(s.next, 1, ...instead);
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

  private finish(s: State<R, A>, cycleStart: number, failure?: Failure): void {
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
