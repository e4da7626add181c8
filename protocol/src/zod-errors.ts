import type { z } from 'zod';

/** Formats a zod error as one line per issue: `sources[1].nodes[3].nodeId: expected …`. */
export function formatZodIssues(error: z.ZodError, root = ''): string[] {
  return error.issues.map((issue) => {
    let path = root;
    for (const seg of issue.path) {
      if (typeof seg === 'number') path += `[${seg}]`;
      else path += path ? `.${String(seg)}` : String(seg);
    }
    return `${path || '(root)'}: ${issue.message}`;
  });
}

export class ValidationError extends Error {
  constructor(
    readonly what: string,
    readonly issues: string[],
  ) {
    super(`${what} is invalid:\n  ${issues.join('\n  ')}`);
    this.name = 'ValidationError';
  }
}

/** Parses with a schema and throws a ValidationError whose message names each bad path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(what, formatZodIssues(r.error));
  return r.data;
}
