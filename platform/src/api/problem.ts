import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * Errors leave the API as RFC 9457 problem details (`application/problem+json`) with a specific `detail`
 * and, for validation errors, one entry per bad field.
 */
export const problemSchema = z
  .object({
    type: z.string().describe('URI identifying the problem type'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;

const TITLES: Record<number, [slug: string, title: string]> = {
  400: ['validation-error', 'Invalid request'],
  401: ['unauthorized', 'Authentication required'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  409: ['conflict', 'Conflict'],
  413: ['payload-too-large', 'Payload too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  429: ['too-many-requests', 'Too many requests'],
  500: ['internal-error', 'Internal error'],
  503: ['unavailable', 'Service unavailable'],
};

/**
/**
 * Specific refusals of work the platform will not do (issue 14: every request bounded); each has its own
 * problem type and is counted in /metrics (`xiang_http_refusals_total{reason}`).
 */
export const REFUSALS = {
  'budget-exceeded': 'Response budget exceeded',
  'period-too-long': 'Period too long',
  'queue-full': 'Work queue full',
  'rate-limited': 'Rate limit exceeded',
  'auth-failures': 'Too many failed authentications',
} as const;
export type Refusal = keyof typeof REFUSALS;
const isRefusal = (code: string | undefined): code is Refusal => code !== undefined && code in REFUSALS;

/**
 * Specific problems a client acts on by type (not only by status): `urn:xiang:problem:<code>` with its title.
 * The status stays the generic one (409, 403, 400, 429). The refusals are among them.
 */
export const PROBLEM_CODES: Record<string, string> = {
  'assessment-locked': 'Assessment locked',
  'assessment-submitted': 'Assessment submitted for review',
  'assessment-not-submitted': 'Assessment not submitted',
  'assessment-incomplete': 'Assessment incomplete',
  'reviewer-required': 'Reviewer role required',
  'reviewer-is-submitter': 'Reviewer must not be the submitter',
  ...REFUSALS,
};

/** Throw from a handler to answer with a problem; `code` picks a specific type from PROBLEM_CODES. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors?: { field: string; message: string }[],
    /** A more specific problem type than the status's (PROBLEM_CODES), e.g. "budget-exceeded". */
    readonly code?: string,
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export const notFound = (detail: string) => new HttpProblem(404, detail);
export const badRequest = (detail: string, field?: string) =>
  new HttpProblem(400, detail, field ? [{ field, message: detail }] : undefined);

export function problem(
  status: number,
  detail: string,
  instance?: string,
  errors?: Problem['errors'],
  code?: string,
): Problem {
  const [slug, title] =
    code && PROBLEM_CODES[code]
      ? [code, PROBLEM_CODES[code]]
      : (TITLES[status] ?? [`http-${status}`, 'Error']);
  const p: Problem = { type: `urn:xiang:problem:${slug}`, title, status, detail };
  if (instance) p.instance = instance;
  if (errors?.length) p.errors = errors;
  return p;
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

/** "/points/3/1" in a body → "body.points[3][1]". */
function fieldName(context: string | undefined, instancePath: string): string {
  let out = context ?? '';
  for (const seg of instancePath.split('/').filter(Boolean)) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out || '(root)';
}

export function installProblemHandlers(app: FastifyInstance, onRefusal?: (r: Refusal) => void): void {
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) =>
    sendProblem(reply, problem(404, `no route for ${req.method} ${req.url.split('?')[0]}`, req.url)),
  );
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpProblem) {
      const code = err.code ?? (err.status === 429 ? 'queue-full' : undefined);
      if (isRefusal(code)) onRefusal?.(code);
      return sendProblem(reply, problem(err.status, err.detail, req.url, err.errors, code));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const context = (err as { validationContext?: string }).validationContext;
      const errors = err.validation.map((v) => ({
        field: fieldName(context, v.instancePath),
        message: v.message ?? 'invalid',
      }));
      const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      // The period cap (params.ts) is a refusal of its own kind, not a typo.
      const refusal = errors.some((e) => e.message.includes('days per request'))
        ? 'period-too-long'
        : undefined;
      if (refusal) onRefusal?.(refusal);
      return sendProblem(reply, problem(400, detail, req.url, errors, refusal));
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err, issues: err.cause.issues }, 'response does not match its schema');
      return sendProblem(
        reply,
        problem(500, 'the server produced a response that does not match its schema', req.url),
      );
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    // Fastify's own 4xx errors (bad JSON body, unsupported media type, body too large) carry useful messages.
    const detail = status >= 500 ? 'internal error (see the server log)' : err.message;
    return sendProblem(reply, problem(status, detail, req.url));
  });
}
