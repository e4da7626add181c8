import { randomUUID } from 'node:crypto';
import { type Assessment, assessmentSchema } from '../../grading/assessment.js';
import { maturityFramework } from '../../grading/frameworks/index.js';
import type { FactoryProfile } from '../../registry/model.js';
import type { GradingRepository } from './repository.js';
import { GradingError } from './service-error.js';
import type { AssessmentListEntry, CreateAssessment } from './types.js';

/** The pieces of GradingService (service.ts) that read no store: building a new assessment, listing them. */

/** A framework by id; an unknown one is the caller's error (400 on body.frameworkId). */
export function frameworkOf(id: string) {
  try {
    return maturityFramework(id);
  } catch (e) {
    throw new GradingError(400, (e as Error).message, 'body.frameworkId');
  }
}

/** A new, empty draft for the factory (checked against its framework, not saved). */
export function newAssessment(
  factoryId: string,
  profile: FactoryProfile,
  c: CreateAssessment,
  nowMs: number,
): Assessment {
  const framework = frameworkOf(c.frameworkId);
  if (c.frameworkVersion && c.frameworkVersion !== framework.version)
    throw new GradingError(
      409,
      `framework ${framework.id} is at version ${framework.version} on this platform, not ${c.frameworkVersion}`,
      'body.frameworkVersion',
    );
  const a = assessmentSchema.parse({
    id: randomUUID(),
    factoryId,
    frameworkId: framework.id,
    frameworkVersion: framework.version,
    industry: c.industry ?? profile.industry,
    ...(c.weightSet ? { weightSet: c.weightSet } : {}),
    tailoring: c.tailoring ?? [],
    ...(c.period ? { period: c.period } : {}),
    ...(c.assessor ? { assessor: c.assessor } : {}),
    answers: [],
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  });
  const problems = framework.check(a).filter((p) => !p.startsWith('answers.'));
  if (problems.length > 0) throw new GradingError(400, problems.join('; '), 'body.tailoring');
  return a;
}

/** The assessments of a factory with their status and latest result. */
export function listAssessments(repo: GradingRepository, factoryId: string): AssessmentListEntry[] {
  return repo.listAssessments(factoryId).map((s) => {
    const a = repo.getAssessment(s.id);
    const r = repo.latestResult(s.id);
    return {
      ...s,
      industry: a?.industry ?? '',
      status: a?.status ?? 'draft',
      period: a?.period ?? null,
      answers: a?.answers.length ?? 0,
      fromTelemetry: a?.answers.filter((x) => x.source === 'telemetry').length ?? 0,
      level: r?.result.level ?? null,
      totalScore: r?.result.totalScore ?? null,
      computedAtMs: r?.generatedAtMs ?? null,
    };
  });
}
