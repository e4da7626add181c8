/**
 * At most `concurrency` heavy jobs at once (an autofill, an indicator or grading computation: thousands of store
 * reads each), the others waiting in per-factory queues served round-robin, at most `maxWaitingPerFactory` per
 * factory — beyond that a new job is refused at once (429) instead of piling up: in the load matrix ten
 * concurrent autofills shared the CPU until each took 140 s. One factory's backlog delays another factory's job
 * by at most one job of each factory ahead of it in the rotation.
 */
export class HeavyGate {
  private readonly waiting = new Map<string, (() => void)[]>();
  private running = 0;
  private refusedTotal = 0;

  constructor(
    private readonly o: {
      concurrency: number;
      maxWaitingPerFactory: number;
      /** The error a refused job throws (the service's own, mapped to 429 by its routes). */
      refuse: (detail: string) => Error;
    },
  ) {}

  async run<T>(factoryId: string, job: () => Promise<T>): Promise<T> {
    if (this.running >= this.o.concurrency || this.waiting.size > 0) {
      const mine = this.waiting.get(factoryId) ?? [];
      if (mine.length >= this.o.maxWaitingPerFactory) {
        this.refusedTotal++;
        throw this.o.refuse(
          `${mine.length} heavy computations of factory "${factoryId}" are already waiting; try again when one has finished`,
        );
      }
      await new Promise<void>((resolve) => {
        mine.push(resolve);
        this.waiting.set(factoryId, mine);
      });
    } else this.running++;
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  /** Jobs waiting per factory, running, and refused so far. */
  state(): { waiting: Record<string, number>; running: number; refusedTotal: number } {
    const waiting: Record<string, number> = {};
    for (const [f, list] of this.waiting) waiting[f] = list.length;
    return { waiting, running: this.running, refusedTotal: this.refusedTotal };
  }

  /** The slot goes to the first factory of the rotation, which moves to the end; else it is freed. */
  private release(): void {
    const first = this.waiting.entries().next();
    if (first.done) {
      this.running--;
      return;
    }
    const [factoryId, list] = first.value;
    const next = list.shift() as () => void;
    this.waiting.delete(factoryId);
    if (list.length > 0) this.waiting.set(factoryId, list);
    next();
  }
}
