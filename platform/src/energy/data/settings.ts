import { formatZodIssues, ValidationError } from '@xiang/protocol';
import { z } from 'zod';
import settingsJson from './settings.json' with { type: 'json' };

/**
 * Diagnostic settings: xiang-iiot's own engineering choices (detection thresholds, targets), kept apart from
 * the standards coefficients because no standard sets them. Each has a rationale; runs may override them.
 */
const num = z.object({ value: z.number(), rationale: z.string() });
const sev = z
  .object({ low: z.number(), medium: z.number(), high: z.number(), rationale: z.string() })
  .refine(
    (s) => s.low <= s.medium && s.medium <= s.high,
    'severity thresholds must rise: low ≤ medium ≤ high',
  );

export const settingsFileSchema = z.object({
  about: z.string(),
  annualHours: num,
  baseLoad: z.object({
    minExcessKw: num,
    minShareOfMeterLoad: num,
    minWindowHours: num,
    minWindowCoverage: num,
    changeScore: num,
    minBaselineHours: num,
    ownLoadLossAllowanceShare: num,
    infoShareOfProductionLoad: num,
    severityShareOfPlantLoad: sev,
  }),
  compressedAir: z.object({
    minLeakKw: num,
    severityShareOfProduction: sev,
    minFitR2: num,
    loadedFlowShare: num,
    minLoadedHours: num,
  }),
  idle: z.object({
    minIdleFraction: num,
    minIdleHours: num,
    severityShareOfMachineEnergy: sev,
    severityShareOfStopTime: sev,
  }),
  demand: z.object({
    maxPeakHours: num,
    mergeGapMinutes: num,
    peakSigma: num,
    minPeakShare: num,
    minShaveShare: num,
    topPeaks: num,
  }),
  tou: z.object({ assumedShiftableShare: num, peakConcentrationFlag: num }),
  powerQuality: z.object({ percentile: num, shortIntervalMinutes: num }),
  metering: z.object({
    frozenMinHours: num,
    impossibleFactorOfRating: num,
    childOverParentTolerance: num,
    unmeteredShareInfo: num,
    gapShareFlag: sev,
  }),
  loadRate: z.object({ minRunningShareOfRated: num }),
  baseline: z.object({
    confidence: num,
    cusumK: num,
    cusumH: num,
    degreeDayBaseC: num,
    minPoints: num,
    crossValidationFolds: num,
  }),
  unitConsumption: z.object({ ownHistoryWorseShare: num }),
});
export type SettingsFile = z.infer<typeof settingsFileSchema>;

const parsed = settingsFileSchema.safeParse(settingsJson);
if (!parsed.success)
  throw new ValidationError('energy data file settings.json', formatZodIssues(parsed.error));
export const defaultSettingsFile: SettingsFile = parsed.data;

export type SeverityThresholds = { low: number; medium: number; high: number };
type Resolve<T> = T extends { low: number }
  ? SeverityThresholds
  : T extends { value: infer V }
    ? V
    : T extends object
      ? { [K in keyof T]: Resolve<T[K]> }
      : never;
/** Settings as plain values: `settings.baseLoad.minExcessKw` is a number. */
export type Settings = Omit<Resolve<SettingsFile>, 'about'>;

/** Overrides: `{ baseLoad: { minExcessKw: 1 } }`; severity objects may be partial. */
export const settingsOverrideSchema = z.record(
  z.string(),
  z.union([
    z.number(),
    z.record(
      z.string(),
      z.union([
        z.number(),
        z.string(),
        z.object({ low: z.number(), medium: z.number(), high: z.number() }).partial(),
      ]),
    ),
  ]),
);
export type SettingsOverride = z.infer<typeof settingsOverrideSchema>;

export type AppliedSetting = { path: string; value: unknown; defaultValue: unknown };

/** Resolves the settings with overrides applied; unknown keys are a clear error, not silently ignored. */
export function resolveSettings(overrides: SettingsOverride = {}): {
  settings: Settings;
  applied: AppliedSetting[];
} {
  const file = structuredClone(defaultSettingsFile) as unknown as Record<string, unknown>;
  const applied: AppliedSetting[] = [];
  const errors: string[] = [];
  for (const [group, g] of Object.entries(overrides)) {
    const target = file[group];
    if (group === 'about' || target === undefined) {
      errors.push(`settings.${group}: unknown setting group`);
      continue;
    }
    if (typeof g === 'number') {
      const t = target as { value: unknown };
      applied.push({ path: group, value: g, defaultValue: t.value });
      t.value = g;
      continue;
    }
    for (const [key, v] of Object.entries(g)) {
      const t = (target as Record<string, Record<string, unknown>>)[key];
      if (!t) {
        errors.push(`settings.${group}.${key}: unknown setting`);
        continue;
      }
      if (typeof v === 'object') {
        applied.push({
          path: `${group}.${key}`,
          value: v,
          defaultValue: { low: t.low, medium: t.medium, high: t.high },
        });
        Object.assign(t, v);
      } else {
        if (typeof v !== typeof t.value) errors.push(`settings.${group}.${key}: expected ${typeof t.value}`);
        applied.push({ path: `${group}.${key}`, value: v, defaultValue: t.value });
        t.value = v;
      }
    }
  }
  if (errors.length) throw new ValidationError('settings override', errors);
  const checked = settingsFileSchema.safeParse(file);
  if (!checked.success)
    throw new ValidationError('settings override', formatZodIssues(checked.error, 'settings'));
  return { settings: unwrap(checked.data) as Settings, applied };
}

function unwrap(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  if ('low' in o) return { low: o.low, medium: o.medium, high: o.high };
  if ('value' in o) return o.value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'about') out[k] = unwrap(v);
  return out;
}
