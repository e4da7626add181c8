import type { ScheduleResult } from './execute.js';
import type { Schedule, Step } from './steps.js';

/** The kinds of failure a result shows; a shrink candidate must show one of the original's. */
export function failureKinds(r: ScheduleResult): Set<string> {
  const k = new Set<string>();
  if (r.error) k.add('error');
  const v = r.verdict;
  if (v) {
    if (v.lost > 0) k.add('lost');
    if (v.duplicated > 0) k.add('duplicated');
    if (v.corrupted > 0) k.add('corrupted');
    if (v.forged > 0) k.add('forged');
    if (v.rejectedCounted < v.rejectedExpected) k.add('uncounted');
    if (v.internalErrors > 0) k.add('internalError');
    if (v.agentConflicts > 0) k.add('agentConflict');
  }
  return k;
}

export type ShrinkOptions = {
  run: (s: Schedule) => Promise<ScheduleResult>;
  /** Re-runs of the schedule at most, and a wall-clock budget. */
  maxRuns: number;
  deadlineMs: number;
  log?: (line: string) => void;
};

export type Shrunk = { kind: string; schedule: Schedule; runs: number; result: ScheduleResult };

/**
 * One shrunk schedule per kind of failure the run showed (lost, forged, uncounted …), most serious first,
 * so one schedule that hit several defects yields a minimal replay for each rather than for the easiest.
 * Each kind gets at most maxRuns re-runs; all share the deadline.
 */
export async function shrinkEach(failing: ScheduleResult, o: ShrinkOptions): Promise<Shrunk[]> {
  const order = [
    'lost',
    'forged',
    'corrupted',
    'duplicated',
    'uncounted',
    'internalError',
    'agentConflict',
    'error',
  ];
  const kinds = [...failureKinds(failing)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const out: Shrunk[] = [];
  for (const kind of kinds) {
    if (Date.now() >= o.deadlineMs) break;
    o.log?.(`  shrinking for "${kind}"`);
    out.push({ kind, ...(await shrinkSchedule(failing, kind, o)) });
  }
  return out;
}

/**
 * Delta debugging (Zeller's ddmin over complements) on the step list, then one pass dropping single steps:
 * keeps any smaller schedule that still fails with the given kind. Each try is a real run over real
 * processes, so both the number of runs and the time are bounded; the smallest failing schedule found
 * when the budget ends is returned.
 */
export async function shrinkSchedule(
  failing: ScheduleResult,
  kind: string,
  o: ShrinkOptions,
): Promise<{ schedule: Schedule; runs: number; result: ScheduleResult }> {
  let best = failing;
  let runs = 0;
  const budgetLeft = () => runs < o.maxRuns && Date.now() < o.deadlineMs;
  let platformFirst = failing.schedule.platformFirst;
  const tryRun = async (steps: Step[], first = platformFirst): Promise<boolean> => {
    if (!budgetLeft()) return false;
    runs++;
    const r = await o.run({ ...failing.schedule, platformFirst: first, steps });
    const kinds = failureKinds(r);
    const still = kinds.has(kind);
    o.log?.(
      `  shrink try ${runs}: ${steps.length} steps → ${still ? `fails (${[...kinds].join(', ')})` : 'passes'}`,
    );
    if (still) best = r;
    return still;
  };
  let steps = failing.schedule.steps;
  let n = 2;
  while (steps.length >= 2 && budgetLeft()) {
    const size = Math.ceil(steps.length / n);
    let reduced = false;
    for (let i = 0; i < n && budgetLeft(); i++) {
      const complement = [...steps.slice(0, i * size), ...steps.slice((i + 1) * size)];
      if (complement.length === steps.length || complement.length === 0) continue;
      if (await tryRun(complement)) {
        steps = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (reduced) continue;
    if (n >= steps.length) break;
    n = Math.min(n * 2, steps.length);
  }
  // ddmin ends 1-minimal only if it ran to its end; a last single-step pass where budget remains.
  for (let i = steps.length - 1; i >= 0 && budgetLeft(); i--) {
    const without = [...steps.slice(0, i), ...steps.slice(i + 1)];
    if (await tryRun(without)) steps = without;
  }
  // Simpler still: the platform up before the agent, when the failure does not need the opposite.
  if (!platformFirst && (await tryRun(steps, true))) platformFirst = true;
  return { schedule: { ...failing.schedule, platformFirst, steps }, runs, result: best };
}
