/** An error the caller can fix (bad framework, unknown item, missing override reason), with an HTTP-ish status. */
export class GradingError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'GradingError';
  }
}
