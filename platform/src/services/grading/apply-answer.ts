import {
  type Assessment,
  acceptSuggestion,
  answerItem,
  answerOf,
  type EvidenceInput,
  sameValue,
} from '../../grading/assessment.js';
import type { AnswerInput } from './service.js';
import { GradingError } from './service-error.js';

/** One answer applied to the assessment (pure apart from the errors a caller can fix). */
export function applyAnswer(a: Assessment, itemId: string, input: AnswerInput, nowMs: number): Assessment {
  if (input.accept) {
    if (!answerOf(a, itemId)?.suggested)
      throw new GradingError(
        409,
        `item ${itemId} has no telemetry suggestion to accept (run autofill first)`,
      );
    return acceptSuggestion(a, itemId, input.by, nowMs);
  }
  if (!input.value)
    throw new GradingError(400, 'give a value (score, choice, selected or level) or accept: true', 'body');
  const current = answerOf(a, itemId);
  const sug = current?.suggested;
  const differs = sug && !sameValue(sug.value, input.value);
  if (differs && !input.overrideReason)
    throw new GradingError(
      400,
      `item ${itemId}: the telemetry suggests ${JSON.stringify(sug.value)} (${sug.evidence
        .map((e) => (e.kind === 'telemetry' ? `${e.indicatorId} = ${e.value}` : e.ref))
        .join(', ')}); an override needs overrideReason`,
      'body.overrideReason',
    );
  const documents: EvidenceInput[] = (input.evidence ?? []).map((e) => ({
    kind: 'document',
    ref: e.ref,
    ...(e.note ? { note: e.note } : {}),
  }));
  const telemetry = current?.evidence.filter((e) => e.kind === 'telemetry') ?? [];
  return answerItem(a, itemId, input.value, {
    atMs: nowMs,
    by: input.by,
    ...(differs && input.overrideReason ? { overrideReason: input.overrideReason } : {}),
    ...(input.note ? { note: input.note } : {}),
    evidence: [...telemetry, ...documents],
  });
}
