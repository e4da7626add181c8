import { idSchema } from '@xiang/protocol';
import { z } from 'zod';
import type { Indicator } from '../../grading/indicators/types.js';
import { reportIndicatorSchema } from '../../grading/report/schema.js';
import { GradingRepository } from '../../services/grading/repository.js';
import { GradingError, GradingService } from '../../services/grading/service.js';
import { periodTooLong } from '../params.js';
import { HttpProblem } from '../problem.js';
import type { ApiDeps } from '../types.js';
import { MAX_WINDOW_DAYS } from './oee-common.js';

/** Shared by routes/assessments.ts and routes/grading-indicators.ts. */

/** One service per API instance; its repository lives in the platform's SQLite file beside the registry. */
const services = new WeakMap<object, GradingService>();
export function gradingService(deps: ApiDeps): GradingService {
  let s = services.get(deps.registry);
  if (!s) {
    s = new GradingService({
      registry: deps.registry,
      store: deps.store,
      repo: new GradingRepository(deps.registry.db),
      ...(deps.compute ? { compute: deps.compute } : {}),
    });
    services.set(deps.registry, s);
  }
  return s;
}

/** Runs a handler body, turning the grading service's errors into problem+json. */
export async function graded<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof GradingError)
      throw new HttpProblem(
        e.status,
        e.message,
        e.field ? [{ field: e.field, message: e.message }] : undefined,
        e.code,
      );
    throw e;
  }
}

export const assessmentParams = z.object({
  factoryId: idSchema,
  assessmentId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'expected an assessment id (letters, digits, . _ -)'),
});

/** An instant in a JSON body: epoch ms or an ISO 8601 string. */
export const bodyInstant = z
  .union([z.number().int(), z.string()])
  .describe('epoch ms or ISO 8601')
  .transform((v, ctx) => {
    const ms = typeof v === 'number' ? v : /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 date-time or epoch ms, got "${v}"` });
      return z.NEVER;
    }
    return ms;
  });

export const bodyPeriod = z
  .object({ from: bodyInstant, to: bodyInstant })
  .refine((p) => p.to > p.from, { message: 'period.to must be after period.from', path: ['to'] })
  // Indicators are computed over the period: capped like GET …/grading/indicators (an autofill over 100 years
  // held the event loop for 10–16 s, issue 14).
  .superRefine((p, ctx) => {
    const why = periodTooLong(p.from, p.to, MAX_WINDOW_DAYS);
    if (why) ctx.addIssue({ code: 'custom', message: why, path: ['to'] });
  })
  .transform((p) => ({ fromMs: p.from, toMs: p.to }));

export const indicatorOut = reportIndicatorSchema.meta({ id: 'GradingIndicator' });
export type IndicatorOut = z.infer<typeof indicatorOut>;

export function indicatorView(i: Indicator): IndicatorOut {
  return {
    id: i.id,
    name: i.name,
    value: i.value,
    fromMs: i.fromMs,
    toMs: i.toMs,
    scope: i.scope.assetPath,
    formula: i.formula,
    formulaVersion: i.formulaVersion,
    counts: i.counts,
    pullingDown: i.pullingDown,
    ...(i.breakdown ? { breakdown: i.breakdown } : {}),
    notes: i.notes,
    ...(i.definition ? { definition: i.definition } : {}),
    coverage: i.coverage,
    lowCoverage: i.lowCoverage,
  };
}

/** `lang=en` → English; zh / zh-CN (default) → Chinese. */
export const langQuery = z
  .enum(['zh', 'zh-CN', 'en'])
  .default('zh')
  .transform((l) => (l === 'en' ? ('en' as const) : ('zh' as const)));
