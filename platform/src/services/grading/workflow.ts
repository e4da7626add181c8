import type { Assessment } from '../../grading/assessment.js';
import type { AssessmentItem } from '../../grading/frameworks/types.js';
import { GradingError } from './service-error.js';

/**
 * The assessment's workflow: draft → submitted (the assessor: a writer of the factory) → locked (the reviewer:
 * an inspector or admin token, not the one who submitted). A reviewer may return a submitted assessment to draft
 * with a reason. Only a draft takes answers; a locked assessment is read-only for good.
 */

/** Who acts: the token's name and role (auth/principal.ts). */
export type Actor = { name: string; role: 'admin' | 'factory' | 'inspector' };

export function assertEditable(a: Assessment): void {
  if (a.status === 'locked')
    throw new GradingError(
      409,
      `assessment ${a.id} was locked by ${a.lockedBy ?? 'the reviewer'}${
        a.lockedAtMs ? ` at ${new Date(a.lockedAtMs).toISOString()}` : ''
      }; it is read-only (create a new assessment to assess again)`,
      undefined,
      'assessment-locked',
    );
  if (a.status === 'submitted')
    throw new GradingError(
      409,
      `assessment ${a.id} was submitted for review by ${a.submittedBy ?? 'the assessor'}; the reviewer must return it before it can be edited`,
      undefined,
      'assessment-submitted',
    );
}

/** Items neither answered (counted) nor tailored out: what still blocks a submission. */
export function unansweredItems(a: Assessment, items: AssessmentItem[]): string[] {
  const answered = new Set(a.answers.filter((x) => !x.pendingConfirmation).map((x) => x.itemId));
  return items.filter((i) => !answered.has(i.id)).map((i) => i.id);
}

export function submit(a: Assessment, items: AssessmentItem[], by: Actor, atMs: number): Assessment {
  assertEditable(a);
  const open = unansweredItems(a, items);
  if (open.length > 0)
    throw new GradingError(
      409,
      `${open.length} of ${items.length} items are not answered (or await confirmation of a low-coverage suggestion): ${open
        .slice(0, 10)
        .join(', ')}${open.length > 10 ? ', …' : ''}`,
      undefined,
      'assessment-incomplete',
    );
  const { returnReason: _cleared, ...rest } = a;
  return { ...rest, status: 'submitted', submittedBy: by.name, submittedAtMs: atMs, updatedAtMs: atMs };
}

function assertReviewer(a: Assessment, by: Actor, act: string): void {
  if (by.role !== 'inspector' && by.role !== 'admin')
    throw new GradingError(
      403,
      `only a reviewer (an inspector or admin token) may ${act} an assessment; "${by.name}" is a ${by.role} token`,
      undefined,
      'reviewer-required',
    );
  if (a.status === 'locked') assertEditable(a);
  if (a.status !== 'submitted')
    throw new GradingError(
      409,
      `assessment ${a.id} is a draft: the assessor submits it before a reviewer can ${act} it`,
      undefined,
      'assessment-not-submitted',
    );
  if (a.submittedBy === by.name)
    throw new GradingError(
      403,
      `"${by.name}" submitted this assessment and cannot also ${act} it (four-eyes rule)`,
      undefined,
      'reviewer-is-submitter',
    );
}

export function lock(a: Assessment, by: Actor, atMs: number): Assessment {
  assertReviewer(a, by, 'lock');
  return {
    ...a,
    status: 'locked',
    reviewer: by.name,
    lockedBy: by.name,
    lockedAtMs: atMs,
    updatedAtMs: atMs,
  };
}

export function sendBack(a: Assessment, by: Actor, reason: string, atMs: number): Assessment {
  assertReviewer(a, by, 'return');
  const { submittedBy: _s, submittedAtMs: _t, ...rest } = a;
  return { ...rest, status: 'draft', reviewer: by.name, returnReason: reason, updatedAtMs: atMs };
}
