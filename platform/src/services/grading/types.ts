import type { AnswerValue } from '../../grading/assessment.js';
import type { GradingRepository } from './repository.js';

/** What the grading service takes and gives (service.ts); kept apart so the service stays short. */

export type CreateAssessment = {
  frameworkId: string;
  frameworkVersion?: string | undefined;
  industry?: 'discrete' | 'process' | undefined;
  weightSet?: string | undefined;
  tailoring?: { subjectId: string; reason: string }[] | undefined;
  period?: { fromMs: number; toMs: number } | undefined;
  assessor?: string | undefined;
};

export type ItemAnswerInput = AnswerInput & { itemId: string };
export type AnswerInput = {
  value?: AnswerValue;
  accept?: boolean;
  overrideReason?: string | undefined;
  evidence?: { ref: string; note?: string | undefined }[] | undefined;
  note?: string | undefined;
  by: string;
};

export type AssessmentListEntry = ReturnType<GradingRepository['listAssessments']>[number] & {
  industry: string;
  status: 'draft' | 'submitted' | 'locked';
  period: { fromMs: number; toMs: number } | null;
  answers: number;
  fromTelemetry: number;
  level: number | null;
  totalScore: number | null;
  computedAtMs: number | null;
};
