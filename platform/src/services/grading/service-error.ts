/**
 * An error the caller can fix (bad framework, unknown item, missing override reason, an edit of a locked
 * assessment), with an HTTP-ish status and, for the workflow, a specific problem code from the API's catalogue
 * (api/problem.ts PROBLEM_CODES), e.g. "assessment-locked".
 */
export type GradingProblemCode =
  | 'assessment-locked'
  | 'assessment-submitted'
  | 'assessment-not-submitted'
  | 'assessment-incomplete'
  | 'reviewer-required'
  | 'reviewer-is-submitter';

export class GradingError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 429,
    message: string,
    readonly field?: string,
    readonly code?: GradingProblemCode,
  ) {
    super(message);
    this.name = 'GradingError';
  }
}
