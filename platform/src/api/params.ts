import { idSchema, metricKeySchema } from '@xiang/protocol';
import { z } from 'zod';
import { HttpProblem } from './problem.js';

/** Shared request-schema pieces; error messages name what was expected. */

export const factoryParams = z.object({ factoryId: idSchema });
export const deviceParams = z.object({ factoryId: idSchema, deviceId: idSchema });

/** A point in time: ISO 8601 (`2024-01-08T00:00:00+08:00`) or epoch milliseconds. */
export const instantSchema = z
  .string()
  .describe('ISO 8601 date-time or epoch milliseconds')
  .transform((s, ctx) => {
    const ms = /^-?\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 date-time or epoch ms, got "${s}"` });
      return z.NEVER;
    }
    return ms;
  });

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: `15m`, `1h`, `1d`, `30s`, `500ms`, or plain milliseconds. */
export const durationSchema = z
  .string()
  .describe('duration such as 15m, 1h, 1d, 30s or milliseconds')
  .transform((s, ctx) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(s.trim());
    const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!) : Number.NaN;
    if (!Number.isFinite(ms) || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 15m, 1h or 1d, got "${s}"` });
      return z.NEVER;
    }
    return ms;
  });

const seriesRefSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}:[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, {
    message: 'expected "<deviceId>:<metric>", e.g. "M1:activePower"',
  });

/** `series=M1:activePower&series=M2:activePower` or `series=M1:activePower,M2:activePower`. */
export const seriesListSchema = z
  .union([z.string(), z.array(z.string())])
  .describe('one or more "<deviceId>:<metric>" (repeat the parameter or separate with commas)')
  // Repeats are asked once: `series=M1:p&series=M1:p…` must not multiply the work (issue 14).
  .transform((v) => [
    ...new Set((Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s !== '')),
  ])
  .pipe(z.array(seriesRefSchema).min(1, 'name at least one series').max(200, 'at most 200 series per query'))
  .transform((refs) =>
    refs.map((r) => {
      const i = r.indexOf(':');
      return { deviceId: r.slice(0, i), metric: r.slice(i + 1) };
    }),
  );

export const rangeSchema = {
  from: instantSchema,
  to: instantSchema,
};

export function checkRange(q: { from: number; to: number }): string | null {
  return q.to > q.from ? null : 'query.to: must be after query.from';
}

export const deviceFilterSchema = z
  .union([idSchema, z.array(idSchema)])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .optional();
export const metricFilterSchema = z
  .union([metricKeySchema, z.array(metricKeySchema)])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .optional();

/** Points one response may carry in total (series × per-series limit): about 30 MB of JSON. */
export const MAX_POINTS_PER_RESPONSE = 500_000;

/**
 * The per-series limit of a point query within the response budget: the requested one when series × limit
 * fits, else a 400 (`budget-exceeded`) saying what fits; without a request, the default shrunk to fit.
 */
export function pointLimit(requested: number | undefined, fallback: number, seriesCount: number): number {
  const fits = Math.max(1, Math.floor(MAX_POINTS_PER_RESPONSE / Math.max(1, seriesCount)));
  if (requested === undefined) return Math.min(fallback, fits);
  if (requested * seriesCount > MAX_POINTS_PER_RESPONSE)
    throw new HttpProblem(
      400,
      `query.limit: ${seriesCount} series × limit ${requested} = ${requested * seriesCount} points exceeds the ` +
        `budget of ${MAX_POINTS_PER_RESPONSE} per response; use limit ≤ ${fits}, fewer series, or page by time`,
      [{ field: 'query.limit', message: `at most ${fits} with ${seriesCount} series` }],
      'budget-exceeded',
    );
  return requested;
}

/**
 * Every query period (`from`/`to`) is capped: work over the period must stay bounded. A route whose work is
 * bounded otherwise (a point or row limit) says so with `config.maxPeriodDays: null`.
 */
export const MAX_QUERY_PERIOD_DAYS = 400;
const DAY_MS = 86_400_000;

export function periodTooLong(fromMs: number, toMs: number, maxDays: number): string | null {
  const days = (toMs - fromMs) / DAY_MS;
  return days > maxDays
    ? `the period spans ${Math.round(days * 10) / 10} days; at most ${maxDays} days per request (split longer periods)`
    : null;
}

/**
 * Query strings are strict: a parameter the route does not define is a 400 naming it, never silently ignored
 * (a mistyped `form=` would otherwise answer for a default period). Applied to every API route in one place
 * (server.ts, onRoute), so a route's own `querystring` object stays a plain shape.
 */
export function strictQuery(
  schema: { querystring?: unknown } | undefined,
  url: string,
  maxPeriodDays: number | null = MAX_QUERY_PERIOD_DAYS,
): { querystring?: unknown } | undefined {
  if (!url.startsWith('/api/')) return schema;
  const q = schema?.querystring;
  if (q === undefined) return { ...schema, querystring: z.object({}).strict() };
  if (!(q instanceof z.ZodObject)) return schema;
  const strict = q.strict();
  if (maxPeriodDays === null || !('from' in q.shape && 'to' in q.shape))
    return { ...schema, querystring: strict };
  const capped = strict.superRefine((v: { from?: unknown; to?: unknown }, ctx) => {
    if (typeof v.from !== 'number' || typeof v.to !== 'number') return;
    const why = periodTooLong(v.from, v.to, maxPeriodDays);
    if (why) ctx.addIssue({ code: 'custom', message: why, path: ['to'] });
  });
  return { ...schema, querystring: capped };
}
