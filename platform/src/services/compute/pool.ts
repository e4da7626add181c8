import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { computeTasks, type TaskArg, type TaskName, type TaskResult } from './tasks.js';

/**
 * Heavy pure computations (diagnose(), report HTML, grading indicators) off the event loop: a small pool of
 * worker threads (node:worker_threads) fed from per-factory queues served round-robin — one factory's backlog
 * delays another factory's job by at most one job per worker, as the diagnosis queues do for runs. With
 * `size: 0` the tasks run inline (the CLI, unit tests): the same functions (tasks.ts), the same results.
 * Only structured-cloneable data crosses: a task's error comes back as an Error with the worker's message.
 */
type Job = {
  task: TaskName;
  arg: unknown;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
};
type Slot = { worker: Worker; ready: Promise<void>; job: Job | null; id: number };

export class ComputePool {
  private readonly waiting = new Map<string, Job[]>();
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;
  private completed = 0;

  constructor(private readonly opts: { size: number; log?: Logger } = { size: 0 }) {}

  get size(): number {
    return this.opts.size;
  }

  /** Runs `task` for `factoryId`: in a worker when the pool has any, else inline (still after a turn). */
  async run<K extends TaskName>(factoryId: string, task: K, arg: TaskArg<K>): Promise<TaskResult<K>> {
    if (this.closed) throw new Error('the compute pool is closed (the platform is stopping)');
    if (this.opts.size === 0) {
      const fn = computeTasks[task] as (a: TaskArg<K>) => TaskResult<K>;
      return fn(arg);
    }
    return await new Promise<TaskResult<K>>((resolve, reject) => {
      const mine = this.waiting.get(factoryId) ?? [];
      mine.push({ task, arg, resolve: resolve as (v: unknown) => void, reject });
      this.waiting.set(factoryId, mine);
      this.pump();
    });
  }

  /** Jobs waiting per factory, busy workers, jobs done (for /metrics). */
  state(): { waiting: Record<string, number>; busy: number; completed: number } {
    const waiting: Record<string, number> = {};
    for (const [f, jobs] of this.waiting) waiting[f] = jobs.length;
    return { waiting, busy: this.slots.filter((s) => s.job).length, completed: this.completed };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const jobs of this.waiting.values())
      for (const j of jobs) j.reject(new Error('the platform stopped before this computation started'));
    this.waiting.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  /** The next job: the first factory in the rotation gives one and moves to the end. */
  private next(): Job | undefined {
    const first = this.waiting.entries().next();
    if (first.done) return undefined;
    const [factoryId, jobs] = first.value;
    const job = jobs.shift();
    this.waiting.delete(factoryId);
    if (jobs.length > 0) this.waiting.set(factoryId, jobs);
    return job;
  }

  private pump(): void {
    for (let guard = 0; guard < this.opts.size && !this.closed; guard++) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.opts.size) slot = this.spawn();
      if (!slot) return;
      const job = this.next();
      if (!job) return;
      this.start(slot, job);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url));
    worker.unref();
    let markReady: () => void = () => {};
    const ready = new Promise<void>((r) => {
      markReady = r;
    });
    const slot: Slot = { worker, ready, job: null, id: -1 };
    worker.on(
      'message',
      (m: { ready?: true; id?: number; ok?: boolean; value?: unknown; error?: string }) => {
        if (m.ready) return markReady();
        const job = slot.job;
        if (!job || m.id !== slot.id) return;
        slot.job = null;
        this.completed++;
        if (m.ok) job.resolve(m.value);
        else job.reject(new Error(m.error));
        this.pump();
      },
    );
    // A worker that dies (out of memory, a crash) fails its job, leaves the pool and is replaced on demand.
    const gone = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      markReady();
      if (slot.job) {
        slot.job.reject(new Error(`compute worker failed: ${why}`));
        slot.job = null;
      }
      if (!this.closed) {
        this.opts.log?.error({ why }, 'compute worker exited');
        this.pump();
      }
    };
    worker.on('error', (e) => gone(e.message));
    worker.on('exit', (code) => gone(`exit code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.id = ++this.nextId;
    const id = slot.id;
    void slot.ready.then(() => {
      if (slot.job !== job || slot.id !== id) return;
      try {
        slot.worker.postMessage({ id, task: job.task, arg: job.arg });
      } catch (e) {
        // Not cloneable (a bug in the caller): fail this job, keep the worker.
        slot.job = null;
        job.reject(e as Error);
        this.pump();
      }
    });
  }
}
