import { diffAssessments, type RevisionDiff } from '../../grading/assessment-diff.js';
import type { GradingRepository, StoredRevision } from './repository.js';

/**
 * History views over the repository: the revisions with who saved each, the action and what changed, and the
 * progress between assessments of one framework (previous vs this assessment, total and per dimension).
 */

export type RevisionEntry = Omit<StoredRevision, 'assessment'> & {
  status: StoredRevision['assessment']['status'];
  changes: RevisionDiff;
};

export function revisionHistory(repo: GradingRepository, id: string): RevisionEntry[] {
  const revs = repo.revisions(id);
  return revs.map((r, i) => ({
    revision: r.revision,
    savedAtMs: r.savedAtMs,
    savedBy: r.savedBy,
    action: r.action,
    status: r.assessment.status,
    changes: diffAssessments(i > 0 ? revs[i - 1]!.assessment : null, r.assessment),
  }));
}

type Scored = {
  assessmentId: string;
  createdAtMs: number;
  computedAtMs: number;
  level: number | null;
  totalScore: number;
};

export type Progress = {
  current: Scored | null;
  previous: Scored | null;
  domains: {
    id: string;
    name: { zh: string; en: string };
    max: number;
    previous: number | null;
    current: number | null;
    delta: number | null;
  }[];
};

/**
 * This assessment's latest result against the latest result of the assessment of the same factory and framework
 * created just before it (null when there is none or it was never computed).
 */
export function progressOf(
  repo: GradingRepository,
  factoryId: string,
  frameworkId: string,
  id: string,
): Progress {
  const list = repo.listAssessments(factoryId, frameworkId);
  const at = list.findIndex((x) => x.id === id);
  const mine = repo.latestResult(id);
  const earlier = list
    .slice(0, Math.max(at, 0))
    .reverse()
    .map((x) => ({ summary: x, result: repo.latestResult(x.id) }))
    .find((x) => x.result !== null);
  const scored = (createdAtMs: number, r: NonNullable<typeof mine>): Scored => ({
    assessmentId: r.assessment.id,
    createdAtMs,
    computedAtMs: r.generatedAtMs,
    level: r.result.level,
    totalScore: r.result.totalScore,
  });
  const prev = earlier?.result ?? null;
  const ids = [
    ...new Set([...(mine?.result.domains ?? []), ...(prev?.result.domains ?? [])].map((d) => d.id)),
  ];
  const domains = ids.map((domainId) => {
    const c = mine?.result.domains.find((d) => d.id === domainId);
    const p = prev?.result.domains.find((d) => d.id === domainId);
    const meta = c ?? p!;
    return {
      id: domainId,
      name: meta.name,
      max: meta.max,
      previous: p?.score ?? null,
      current: c?.score ?? null,
      delta: p && c ? c.score - p.score : null,
    };
  });
  return {
    current: mine ? scored(list[at]?.createdAtMs ?? 0, mine) : null,
    previous: earlier && prev ? scored(earlier.summary.createdAtMs, prev) : null,
    domains,
  };
}
