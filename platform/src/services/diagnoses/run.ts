import { z } from 'zod';
import type { DiagnosisResult } from '../../energy/result.js';

/**
 * A diagnosis run as the platform keeps it (energy/repository.ts) and the API shows it: who asked for which
 * factory and period with which options, where the run stands (queued → running → done | failed, with the
 * adapter's progress), and a summary of the result. The full result (`xiang.energy-diagnosis/1`) is stored
 * beside it and fetched separately (it can be a few hundred kB for a year).
 */
export const runStatusSchema = z.enum(['queued', 'running', 'done', 'failed']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const runProgressSchema = z.object({
  /** What the run is doing: "counters", "gauges", "metric quality", "fine series", "machine states", "line output", "diagnose". */
  stage: z.string(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** 0…100 over the whole run. */
  pct: z.number().min(0).max(100),
});
export type RunProgress = z.infer<typeof runProgressSchema>;

export const runSummarySchema = z.object({
  schemaVersion: z.string(),
  findings: z.number().int(),
  findingsBySeverity: z.object({ info: z.number(), low: z.number(), medium: z.number(), high: z.number() }),
  /** The worst severity among the findings; null when there is none. */
  worstSeverity: z.enum(['info', 'low', 'medium', 'high']).nullable(),
  comprehensiveTce: z.number(),
  co2T: z.number(),
  saving: z.object({
    energyKwh: z.number(),
    tce: z.number(),
    tco2: z.number(),
    costCny: z.number().nullable(),
  }),
  meters: z.number().int(),
  machines: z.number().int(),
  rulesSkipped: z.number().int(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const diagnosisRunSchema = z
  .object({
    id: z.string(),
    factoryId: z.string(),
    status: runStatusSchema,
    fromMs: z.number().int(),
    toMs: z.number().int(),
    /** The options as requested (defaults are applied by the domain and recorded in the result). */
    options: z.record(z.string(), z.unknown()),
    /** Token name (API) or "cli:<user>" (xiang diagnose). */
    requestedBy: z.string(),
    source: z.enum(['api', 'cli']),
    createdAtMs: z.number().int(),
    startedAtMs: z.number().int().nullable(),
    finishedAtMs: z.number().int().nullable(),
    progress: runProgressSchema.nullable(),
    error: z.string().nullable(),
    summary: runSummarySchema.nullable(),
  })
  .meta({ id: 'DiagnosisRun' });
export type DiagnosisRun = z.infer<typeof diagnosisRunSchema>;

const SEVERITIES = ['info', 'low', 'medium', 'high'] as const;

export function summarize(r: DiagnosisResult): RunSummary {
  const by = r.totals.findingsBySeverity;
  const worst = [...SEVERITIES].reverse().find((s) => by[s] > 0) ?? null;
  return {
    schemaVersion: r.schemaVersion,
    findings: r.findings.length,
    findingsBySeverity: by,
    worstSeverity: worst,
    comprehensiveTce: r.accounting.comprehensive.tce,
    co2T: r.accounting.comprehensive.co2T,
    saving: {
      energyKwh: r.totals.saving.energyKwh,
      tce: r.totals.saving.tce,
      tco2: r.totals.saving.tco2,
      costCny: r.totals.saving.costCny,
    },
    meters: r.factory.meters,
    machines: r.factory.machines,
    rulesSkipped: r.dataQuality.rulesSkipped.length,
  };
}
