import { type Answer, type AnswerValue, type Assessment, sameValue } from './assessment.js';

/**
 * What changed between two revisions of an assessment, for the revision history: per item the value before and
 * after (null = unanswered), whether the source, evidence, override reason or note changed, and the workflow
 * status. Pure; the repository keeps who saved each revision and the action.
 */
export type AnswerChange = {
  itemId: string;
  before: AnswerValue | null;
  after: AnswerValue | null;
  source: Answer['source'] | null;
  /** Which parts changed; `confirmed`: an assessor accepted the telemetry suggestion. */
  fields: ('value' | 'source' | 'evidence' | 'overrideReason' | 'note' | 'confirmed')[];
};

export type RevisionDiff = {
  answers: AnswerChange[];
  status?: { before: Assessment['status']; after: Assessment['status'] };
  period?: boolean;
};

const evidenceKey = (a: Answer | undefined) => JSON.stringify(a?.evidence ?? []);

export function diffAssessments(before: Assessment | null, after: Assessment): RevisionDiff {
  const prev = new Map((before?.answers ?? []).map((x) => [x.itemId, x]));
  const changes: AnswerChange[] = [];
  for (const next of after.answers) {
    const old = prev.get(next.itemId);
    const fields: AnswerChange['fields'] = [];
    if (!old || !sameValue(old.value, next.value)) fields.push('value');
    if (old && old.source !== next.source) fields.push('source');
    if (evidenceKey(old) !== evidenceKey(next)) fields.push('evidence');
    if ((old?.overrideReason ?? '') !== (next.overrideReason ?? '')) fields.push('overrideReason');
    if ((old?.note ?? '') !== (next.note ?? '')) fields.push('note');
    if (
      (old?.pendingConfirmation && !next.pendingConfirmation) ||
      (next.acceptedBy && next.acceptedBy !== old?.acceptedBy)
    )
      fields.push('confirmed');
    if (fields.length > 0)
      changes.push({
        itemId: next.itemId,
        before: old?.value ?? null,
        after: next.value,
        source: next.source,
        fields,
      });
    prev.delete(next.itemId);
  }
  for (const removed of prev.values())
    changes.push({
      itemId: removed.itemId,
      before: removed.value,
      after: null,
      source: null,
      fields: ['value'],
    });
  const out: RevisionDiff = { answers: changes };
  if (before && before.status !== after.status) out.status = { before: before.status, after: after.status };
  if (JSON.stringify(before?.period ?? null) !== JSON.stringify(after.period ?? null)) out.period = true;
  return out;
}
