import { randomUUID } from 'node:crypto';
import { formatZodIssues, ValidationError } from '@xiang/protocol';
import type { Logger } from 'pino';
import { CoefficientBook } from '../../energy/data/coefficients.js';
import { diagnose } from '../../energy/diagnose.js';
import type { ReportOptions } from '../../energy/report/html.js';
import type { DiagnosisResult } from '../../energy/result.js';
import { type DiagnosisOptionsInput, diagnosisOptionsSchema, SLOT_MS } from '../../energy/types.js';
import { loadEnergyInputs } from '../../query/energy-inputs.js';
import type { Registry } from '../../registry/registry.js';
import type { TimeSeriesStore } from '../../store/types.js';
import { ComputePool } from '../compute/pool.js';
import { yieldingStore } from '../compute/yielding-store.js';
import { evaluatedPeriod, storedExtent } from './period.js';
import type { DiagnosisRepository } from './repository.js';
import { type DiagnosisRun, type RunProgress, summarize } from './run.js';

/**
 * The I/O glue of energy diagnostics: registry snapshot + store → loadEnergyInputs → diagnose() → a stored
 * run. Used by the API (routes/diagnoses.ts, asynchronously: one run at a time, bounded per-factory queues
 * served round-robin, progress
 * persisted) and by `xiang diagnose` (runDiagnosis directly, progress to stderr). Errors a caller can fix are
 * DiagnosisError with an HTTP status and the field at fault.
 */
export class DiagnosisError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 429 | 503,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DiagnosisError';
  }
}

const DAY_MS = 86_400_000;
/** A year of quarter-hours plus a leap day and slack: longer periods are refused, not attempted. */
export const MAX_PERIOD_DAYS = 400;
/** Share of the progress bar the store reads take (diagnose() is the rest). */
const LOAD_SHARE = 95;
/**
 * Series per store read: each read is one synchronous block of the event loop (the embedded store), so
 * smaller batches bound the longest block (the load matrix, tests/platform/load-matrix.ts); the total is the same.
 */
const READ_BATCH = 5;

export type DiagnosisRequest = { fromMs: number; toMs: number; options?: DiagnosisOptionsInput };
export type ProgressFn = (p: RunProgress) => void;

/** Checks what the caller can get wrong before any data is read; returns the quarter-hour-aligned period. */
export function checkRequest(
  registry: Registry,
  factoryId: string,
  req: DiagnosisRequest,
  maxPeriodDays = MAX_PERIOD_DAYS,
): { fromMs: number; toMs: number; options: DiagnosisOptionsInput } {
  if (!registry.factory(factoryId)) throw new DiagnosisError(404, `factory "${factoryId}" is not known`);
  const fromMs = Math.floor(req.fromMs / SLOT_MS) * SLOT_MS;
  const toMs = Math.ceil(req.toMs / SLOT_MS) * SLOT_MS;
  if (!(Number.isFinite(fromMs) && Number.isFinite(toMs)) || toMs <= fromMs)
    throw new DiagnosisError(400, 'the period must end after it starts (to > from)', 'body.to');
  const days = (toMs - fromMs) / DAY_MS;
  if (days > maxPeriodDays)
    throw new DiagnosisError(
      400,
      `the period spans ${Math.round(days * 10) / 10} days; at most ${maxPeriodDays} days per run (split longer periods)`,
      'body.to',
    );
  const parsed = diagnosisOptionsSchema.safeParse(req.options ?? {});
  if (!parsed.success)
    throw new DiagnosisError(400, formatZodIssues(parsed.error).join('; '), 'body.options');
  try {
    CoefficientBook.withOverrides(parsed.data.coefficientOverrides); // unknown coefficient ids → 400 now
  } catch (e) {
    if (e instanceof ValidationError)
      throw new DiagnosisError(400, e.issues.join('; '), 'body.options.coefficientOverrides');
    throw e;
  }
  return { fromMs, toMs, options: req.options ?? {} };
}

/**
 * One diagnosis: the registry's snapshot (with the online history from a day before the period), the store
 * read through the energy adapter (batched, progress per batch), then the pure diagnosis.
 */
export async function runDiagnosis(
  deps: {
    registry: Registry;
    store: TimeSeriesStore;
    /** Options from the factory's settings (its tariff); the request's own options win. */
    defaultOptions?: (factoryId: string) => DiagnosisOptionsInput;
    /** Where diagnose() runs: a worker of the pool (the server), inline without one (the CLI). */
    compute?: ComputePool;
  },
  factoryId: string,
  req: DiagnosisRequest,
  opts: { nowMs: number; onProgress?: ProgressFn },
): Promise<DiagnosisResult> {
  const checked = checkRequest(deps.registry, factoryId, req, Number.POSITIVE_INFINITY);
  const options = { ...deps.defaultOptions?.(factoryId), ...checked.options };
  // The evaluated period: the request clipped to the stored data and to now (period.ts).
  const extent = await storedExtent(deps.store, factoryId, opts.nowMs);
  const period = evaluatedPeriod(checked, extent, opts.nowMs);
  if (!period)
    throw new DiagnosisError(
      409,
      `no stored data of factory "${factoryId}" in ${new Date(checked.fromMs).toISOString()} – ${new Date(checked.toMs).toISOString()}` +
        (extent.firstMs !== null && extent.lastMs !== null
          ? ` (data from ${new Date(extent.firstMs).toISOString()} to ${new Date(extent.lastMs).toISOString()})`
          : ' (no data stored yet)'),
      'body.from',
    );
  const { fromMs, toMs } = period;
  const snapshot = deps.registry.snapshot(factoryId, { historyFromMs: fromMs - DAY_MS, historyToMs: toMs });
  const report = opts.onProgress ?? (() => {});
  const loaded = await loadEnergyInputs(yieldingStore(deps.store), snapshot, {
    batchSize: READ_BATCH,
    fromMs,
    toMs,
    options,
    generatedAtMs: opts.nowMs,
    onProgress: (p) =>
      report({ ...p, pct: p.total > 0 ? Math.min(LOAD_SHARE, (p.done / p.total) * LOAD_SHARE) : 0 }),
  });
  const input = {
    ...loaded,
    periodCoverage: {
      requested: period.requested,
      dataExtent: period.dataExtent,
      clipped: period.clipped,
      evaluatedShare: period.evaluatedShare,
    },
  };
  report({ stage: 'diagnose', done: 0, total: 1, pct: LOAD_SHARE });
  const result = deps.compute ? await deps.compute.run(factoryId, 'diagnose', input) : diagnose(input);
  report({ stage: 'diagnose', done: 1, total: 1, pct: 100 });
  return result;
}

class Cancelled extends Error {}
const INLINE = new ComputePool({ size: 0 });

export class DiagnosisService {
  /**
   * Runs waiting, per factory, served round-robin (the map's order is the rotation): a factory with a long
   * backlog delays another factory's run by at most one run of its own, and fills only its own queue — one
   * factory's inspector cannot make every other factory get 429 (issue 14).
   */
  private readonly waiting = new Map<string, string[]>();
  private running: string | null = null;
  private refusedTotal = 0;
  private readonly pending = new Map<string, DiagnosisRequest & { factoryId: string }>();
  private current: Promise<void> | null = null;
  private closing = false;
  private readonly maxQueued: number;
  private readonly maxQueuedPerFactory: number;
  private readonly maxPeriodDays: number;

  constructor(
    private readonly deps: {
      registry: Registry;
      store: TimeSeriesStore;
      repo: DiagnosisRepository;
      log?: Logger;
      now?: () => number;
      /** Runs waiting on the whole platform before new requests get 429 (default 64). */
      maxQueued?: number;
      /** Runs one factory may have waiting before its new requests get 429 (default 4). */
      maxQueuedPerFactory?: number;
      maxPeriodDays?: number;
      /** Minimum time between two progress writes to SQLite (default 250 ms). */
      progressIntervalMs?: number;
      /** Options from the factory's settings (its tariff), under the request's own options. */
      defaultOptions?: (factoryId: string) => DiagnosisOptionsInput;
      /** Worker threads for diagnose() and the HTML report (inline without). */
      compute?: ComputePool;
    },
  ) {
    this.maxQueued = deps.maxQueued ?? 64;
    this.maxQueuedPerFactory = Math.min(deps.maxQueuedPerFactory ?? 4, this.maxQueued);
    this.maxPeriodDays = deps.maxPeriodDays ?? MAX_PERIOD_DAYS;
    const n = deps.repo.failOrphansAtStart(
      this.now(),
      'interrupted: the platform stopped before the run finished',
    );
    if (n > 0)
      deps.log?.warn({ runs: n }, 'diagnosis runs left unfinished by a previous process marked failed');
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** Validates and queues a run; it starts as soon as the runs before it are done. */
  submit(factoryId: string, req: DiagnosisRequest, requestedBy: string): DiagnosisRun {
    if (this.closing) throw new DiagnosisError(503, 'the platform is stopping; no new diagnosis runs');
    const checked = checkRequest(this.deps.registry, factoryId, req, this.maxPeriodDays);
    const mine = this.waiting.get(factoryId) ?? [];
    if (mine.length >= this.maxQueuedPerFactory) {
      this.refusedTotal++;
      throw new DiagnosisError(
        429,
        `${mine.length} diagnosis runs of factory "${factoryId}" are already waiting; try again when one has finished`,
      );
    }
    if (this.queuedTotal() >= this.maxQueued) {
      this.refusedTotal++;
      throw new DiagnosisError(
        429,
        `${this.queuedTotal()} diagnosis runs are already waiting on the platform; try again when one has finished`,
      );
    }
    const run: DiagnosisRun = {
      id: randomUUID(),
      factoryId,
      status: 'queued',
      fromMs: checked.fromMs,
      toMs: checked.toMs,
      options: checked.options as Record<string, unknown>,
      requestedBy,
      source: 'api',
      createdAtMs: this.now(),
      startedAtMs: null,
      finishedAtMs: null,
      progress: null,
      error: null,
      summary: null,
    };
    this.deps.repo.insert(run);
    this.pending.set(run.id, { factoryId, ...checked });
    mine.push(run.id);
    this.waiting.set(factoryId, mine);
    this.pump();
    return this.deps.repo.get(run.id) ?? run; // "running" already when nothing was ahead of it
  }

  get(factoryId: string, id: string): DiagnosisRun {
    const run = this.deps.repo.get(id);
    if (!run || run.factoryId !== factoryId)
      throw new DiagnosisError(404, `no diagnosis run "${id}" in factory "${factoryId}"`);
    return run;
  }

  list(factoryId: string, limit?: number): DiagnosisRun[] {
    return this.deps.repo.list(factoryId, limit);
  }

  /** The stored result of a finished run. */
  result(factoryId: string, id: string): DiagnosisResult {
    const run = this.get(factoryId, id);
    if (run.status === 'failed') throw new DiagnosisError(409, `diagnosis run ${id} failed: ${run.error}`);
    if (run.status !== 'done') {
      const p = run.progress;
      throw new DiagnosisError(
        409,
        `diagnosis run ${id} is ${run.status}${p ? ` (${p.stage}, ${Math.round(p.pct)} %)` : ''}; poll GET …/diagnoses/${id} until status is "done"`,
      );
    }
    const r = this.deps.repo.result(id);
    if (!r) throw new DiagnosisError(404, `diagnosis run ${id} has no stored result`);
    return r;
  }

  /** The printable HTML report of a result: in a worker of the pool when the platform has one. */
  async renderHtml(factoryId: string, result: DiagnosisResult, opts: ReportOptions): Promise<string> {
    return await (this.deps.compute ?? INLINE).run(factoryId, 'diagnosisReportHtml', { result, opts });
  }

  /** Resolves when no run is queued or running (tests, graceful shutdown). */
  async idle(): Promise<void> {
    for (let i = 0; i < 10_000 && this.current; i++) await this.current;
  }

  /** Stops taking runs, cancels the current one at its next store batch, marks the queued ones failed. */
  async close(): Promise<void> {
    this.closing = true;
    for (const id of [...this.waiting.values()].flat()) {
      this.pending.delete(id);
      this.deps.repo.fail(id, 'cancelled: the platform stopped before the run started', this.now());
    }
    this.waiting.clear();
    await this.idle();
  }

  /** Runs waiting per factory, the running run's factory, and the 429s so far (for /metrics). */
  queueState(): { waiting: Record<string, number>; runningFactory: string | null; refusedTotal: number } {
    const waiting: Record<string, number> = {};
    for (const [f, ids] of this.waiting) waiting[f] = ids.length;
    return { waiting, runningFactory: this.running, refusedTotal: this.refusedTotal };
  }

  private queuedTotal(): number {
    let n = 0;
    for (const ids of this.waiting.values()) n += ids.length;
    return n;
  }

  /** The next run: the first factory in the rotation gives one run and moves to the end. */
  private next(): string | undefined {
    const first = this.waiting.entries().next();
    if (first.done) return undefined;
    const [factoryId, ids] = first.value;
    const id = ids.shift();
    this.waiting.delete(factoryId);
    if (ids.length > 0) this.waiting.set(factoryId, ids);
    return id;
  }

  private pump(): void {
    if (this.current || this.closing) return;
    const id = this.next();
    if (!id) return;
    this.running = this.pending.get(id)?.factoryId ?? null;
    this.current = this.execute(id).finally(() => {
      this.current = null;
      this.running = null;
      this.pump();
    });
  }

  private async execute(id: string): Promise<void> {
    const req = this.pending.get(id);
    this.pending.delete(id);
    if (!req) return;
    const { repo, log } = this.deps;
    const t0 = this.now();
    repo.markRunning(id, t0);
    let lastWrite = 0;
    const interval = this.deps.progressIntervalMs ?? 250;
    try {
      const result = await runDiagnosis(this.deps, req.factoryId, req, {
        nowMs: t0,
        onProgress: (p) => {
          if (this.closing) throw new Cancelled('cancelled: the platform stopped during the run');
          const now = this.now();
          if (now - lastWrite >= interval || p.pct >= LOAD_SHARE) {
            lastWrite = now;
            repo.setProgress(id, p);
          }
        },
      });
      repo.complete(id, result, summarize(result), this.now());
      log?.info(
        { run: id, factoryId: req.factoryId, ms: this.now() - t0, findings: result.findings.length },
        'diagnosis run done',
      );
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      repo.fail(id, msg, this.now());
      if (!(e instanceof Cancelled)) log?.error({ err: e, run: id }, 'diagnosis run failed');
    }
  }
}
