import { type Assessment, applySuggestions, type Suggestion } from '../../grading/assessment.js';
import type { Lang } from '../../grading/common.js';
import { gateByCoverage } from '../../grading/evidence.js';
import { type GradeRun, gradeFactory } from '../../grading/grade.js';
import type { IndicatorInputs } from '../../grading/indicators/types.js';
import type { GradingReport } from '../../grading/report/schema.js';
import type { Registry } from '../../registry/registry.js';
import type { TimeSeriesStore } from '../../store/types.js';
import { HeavyGate } from '../compute/gate.js';
import { ComputePool } from '../compute/pool.js';
import { yieldingStore } from '../compute/yielding-store.js';
import { applyAnswer } from './apply-answer.js';
import { frameworkOf, listAssessments, newAssessment } from './assessment-build.js';
import { progressOf, revisionHistory } from './history.js';
import { defaultPeriod, type EnergyCoverageSource, loadIndicatorInputs } from './load-inputs.js';
import type { GradingRepository } from './repository.js';
import { GradingError } from './service-error.js';
import type { AnswerInput, AssessmentListEntry, CreateAssessment, ItemAnswerInput } from './types.js';
import { type Actor, assertEditable, lock, sendBack, submit } from './workflow.js';

export { defaultPeriod, loadIndicatorInputs } from './load-inputs.js';
export { GradingError } from './service-error.js';
export type { AnswerInput, AssessmentListEntry, CreateAssessment, ItemAnswerInput } from './types.js';

/**
 * The I/O glue of grading: registry + store → indicator inputs (OEE, store coverage, energy-metering coverage)
 * → the pure domain (indicators, suggestions, evaluation, report) → the SQLite repository. Used by the API
 * (routes/assessments.ts) and `xiang grade`. Errors a caller can fix are GradingError with an HTTP-ish status.
 */

export class GradingService {
  /** Autofill, indicators and grading runs: one at a time, per-factory queues (compute/gate.ts). */
  private readonly gate = new HeavyGate({
    concurrency: 1,
    maxWaitingPerFactory: 4,
    refuse: (detail) => new GradingError(429, detail),
  });

  constructor(
    private readonly deps: {
      registry: Registry;
      store: TimeSeriesStore;
      repo: GradingRepository;
      now?: () => number;
      energyCoverage?: EnergyCoverageSource;
      /** Worker threads for the indicators and the HTML report (inline without). */
      compute?: ComputePool;
    },
  ) {}

  /** The registry and the store as the long indicator loads read them (an event-loop turn per read). */
  private reader() {
    return { ...this.deps, store: yieldingStore(this.deps.store) };
  }

  private async computeIndicators(factoryId: string, inputs: IndicatorInputs, scope = '') {
    return await (this.deps.compute ?? INLINE).run(factoryId, 'indicators', {
      inputs,
      scope: { assetPath: scope },
    });
  }

  /** The printable HTML of a grading report: in a worker of the pool when the platform has one. */
  async renderHtml(factoryId: string, report: GradingReport, lang?: Lang): Promise<string> {
    return await (this.deps.compute ?? INLINE).run(factoryId, 'gradingReportHtml', {
      report,
      ...(lang !== undefined ? { lang } : {}),
    });
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private offset(factoryId: string): number {
    return this.deps.registry.factory(factoryId)?.calendar?.utcOffsetMinutes ?? 480;
  }

  /** The assessment, checked to belong to the factory in the URL. */
  get(factoryId: string, id: string): Assessment {
    const a = this.deps.repo.getAssessment(id);
    if (!a || a.factoryId !== factoryId)
      throw new GradingError(404, `no assessment "${id}" in factory "${factoryId}"`);
    return a;
  }

  async indicators(factoryId: string, period: { fromMs: number; toMs: number }, scope = '') {
    return await this.gate.run(factoryId, () => this.indicatorsNow(factoryId, period, scope));
  }

  /** Heavy computations waiting per factory, running, refused (for /metrics). */
  queueState() {
    return this.gate.state();
  }

  private async indicatorsNow(factoryId: string, period: { fromMs: number; toMs: number }, scope: string) {
    const { inputs, notes } = await loadIndicatorInputs(this.reader(), factoryId, period, this.now());
    return { indicators: await this.computeIndicators(factoryId, inputs, scope), notes };
  }

  create(factoryId: string, c: CreateAssessment): Assessment {
    const profile = this.deps.registry.factory(factoryId);
    if (!profile) throw new GradingError(404, `factory "${factoryId}" is not known`);
    const a = newAssessment(factoryId, profile, c, this.now());
    this.deps.repo.saveAssessment(a, { by: c.assessor, action: 'create' });
    return a;
  }

  /** Indicators over the period → suggested scores with evidence, pre-filled where the assessor has not answered. */
  async autofill(factoryId: string, id: string, period?: { fromMs: number; toMs: number }, by?: string) {
    this.get(factoryId, id); // 404 at once, not after the queue
    return await this.gate.run(factoryId, () => this.autofillNow(factoryId, id, period, by));
  }

  private async autofillNow(
    factoryId: string,
    id: string,
    period: { fromMs: number; toMs: number } | undefined,
    by: string | undefined,
  ) {
    const a0 = this.get(factoryId, id);
    assertEditable(a0);
    const p = period ?? a0.period ?? defaultPeriod(this.now(), this.offset(factoryId));
    const nowMs = this.now();
    const { inputs, notes } = await loadIndicatorInputs(this.reader(), factoryId, p, nowMs);
    const indicators = await this.computeIndicators(factoryId, inputs);
    // Suggestions resting on an indicator with low coverage wait for the assessor's confirmation.
    const suggestions: Suggestion[] = gateByCoverage(
      this.framework(a0.frameworkId).suggest(indicators),
      indicators,
    );
    const r = applySuggestions({ ...a0, period: p }, suggestions, nowMs);
    const { revision } = this.deps.repo.saveAssessment(r.assessment, { by, action: 'autofill' });
    return {
      assessment: r.assessment,
      revision,
      applied: r.applied,
      conflicts: r.conflicts,
      pendingConfirmation: r.assessment.answers.filter((x) => x.pendingConfirmation).map((x) => x.itemId),
      ...(inputs.requestedPeriod ? { coveredPeriod: { fromMs: inputs.fromMs, toMs: inputs.toMs } } : {}),
      suggestions,
      indicators,
      notes,
    };
  }

  /** The assessor's answer, or acceptance of the telemetry suggestion; differing from it needs a reason. */
  answer(
    factoryId: string,
    id: string,
    itemId: string,
    input: AnswerInput,
  ): { assessment: Assessment; revision: number } {
    return this.answerMany(factoryId, id, [{ ...input, itemId }]);
  }

  /** Several answers saved as one revision (the console's "save"): all apply, or none (the first error). */
  answerMany(
    factoryId: string,
    id: string,
    inputs: ItemAnswerInput[],
  ): { assessment: Assessment; revision: number } {
    const a = this.get(factoryId, id);
    assertEditable(a);
    if (inputs.length === 0) throw new GradingError(400, 'no answers given', 'body.answers');
    const framework = this.framework(a.frameworkId);
    const items = new Set(framework.items(a).map((i) => i.id));
    const nowMs = this.now();
    let next = a;
    for (const input of inputs) {
      if (!items.has(input.itemId))
        throw new GradingError(
          404,
          `framework ${framework.id} has no item "${input.itemId}" for this assessment`,
        );
      next = applyAnswer(next, input.itemId, input, nowMs);
      const problems = framework.check(next).filter((p) => p.includes(input.itemId));
      if (problems.length > 0) throw new GradingError(400, problems.join('; '), 'body');
    }
    const action = inputs.every((x) => x.accept) ? 'accept' : 'answer';
    const { revision } = this.deps.repo.saveAssessment(next, { by: inputs[0]?.by, action });
    return { assessment: next, revision };
  }

  /** The assessor hands a complete draft to review. */
  submit(factoryId: string, id: string, by: Actor) {
    const a = this.get(factoryId, id);
    const next = submit(a, this.framework(a.frameworkId).items(a), by, this.now());
    return { assessment: next, ...this.deps.repo.saveAssessment(next, { by: by.name, action: 'submit' }) };
  }

  /** The reviewer locks a submitted assessment: read-only from now on, its report computed once more as locked. */
  async lock(factoryId: string, id: string, by: Actor) {
    const next = lock(this.get(factoryId, id), by, this.now());
    const saved = this.deps.repo.saveAssessment(next, { by: by.name, action: 'lock' });
    await this.run(next, 'zh');
    return { assessment: next, ...saved };
  }

  /** The reviewer returns a submitted assessment to the assessor, saying why. */
  sendBack(factoryId: string, id: string, by: Actor, reason: string) {
    const next = sendBack(this.get(factoryId, id), by, reason, this.now());
    return { assessment: next, ...this.deps.repo.saveAssessment(next, { by: by.name, action: 'return' }) };
  }

  /** Evaluates the answers as they stand (no new pre-fill) and records the report. */
  async compute(factoryId: string, id: string, lang: Lang = 'zh'): Promise<GradeRun> {
    const a = this.get(factoryId, id);
    // The report of a locked assessment was computed at its lock and stays as reviewed.
    if (a.status === 'locked') assertEditable(a);
    return this.run(a, lang);
  }

  private async run(a: Assessment, lang: Lang): Promise<GradeRun> {
    return await this.gate.run(a.factoryId, () => this.runNow(a, lang));
  }

  private async runNow(a: Assessment, lang: Lang): Promise<GradeRun> {
    const { factoryId, id } = { factoryId: a.factoryId, id: a.id };
    const period = a.period ?? defaultPeriod(this.now(), this.offset(factoryId));
    const nowMs = this.now();
    const { inputs } = await loadIndicatorInputs(this.reader(), factoryId, period, nowMs);
    const progress = this.deps.repo.progress(factoryId, a.frameworkId).filter((p) => p.assessmentId !== id);
    const run = gradeFactory({
      indicatorInputs: inputs,
      assessment: { ...a, period },
      autofill: false,
      nowMs,
      lang,
      progress,
    });
    const problems = run.framework
      .check(run.assessment)
      .filter((p) => p.startsWith('answers.') || p.startsWith('tailoring') || p.startsWith('weightSet'));
    if (problems.length > 0) throw new GradingError(400, `cannot grade: ${problems.join('; ')}`);
    if (!a.period && a.status === 'draft')
      this.deps.repo.saveAssessment(run.assessment, { action: 'compute' });
    this.deps.repo.recordResult(run.report);
    return run;
  }

  report(factoryId: string, id: string): GradingReport {
    this.get(factoryId, id);
    const r = this.deps.repo.latestResult(id);
    if (!r) throw new GradingError(404, `assessment "${id}" has not been computed yet (POST …/compute)`);
    return r;
  }

  list(factoryId: string): AssessmentListEntry[] {
    return listAssessments(this.deps.repo, factoryId);
  }

  revisions(factoryId: string, id: string) {
    this.get(factoryId, id);
    return this.deps.repo.revisions(id);
  }

  /** Who saved each revision, the action and what changed. */
  history(factoryId: string, id: string) {
    this.get(factoryId, id);
    return revisionHistory(this.deps.repo, id);
  }

  /** Previous vs this assessment, total and per dimension. */
  progress(factoryId: string, id: string) {
    const a = this.get(factoryId, id);
    return progressOf(this.deps.repo, factoryId, a.frameworkId, id);
  }

  private framework(id: string) {
    return frameworkOf(id);
  }
}

const INLINE = new ComputePool({ size: 0 });
