import { z } from 'zod';
import type { Evidence, Suggestion } from './assessment.js';
import { clean, type I18n, i18nSchema, parseOrThrow } from './common.js';
import type { Indicator } from './indicators/types.js';
import mappingData from './telemetry-mapping.json' with { type: 'json' };

/**
 * Telemetry evidence → suggested score. The mapping from a measured rate to a degree of fulfilment is data
 * (telemetry-mapping.json) and labelled as our proposal wherever it is shown.
 */
export const rateMappingSchema = z.object({
  id: z.string(),
  version: z.string(),
  source: z.string(),
  confidence: z.enum(['✅', '◐', '❓']),
  label: i18nSchema,
  steps: z.array(z.object({ minRate: z.number().min(0).max(1), score: z.number().min(0).max(1) })).min(1),
  otherwise: z.number().min(0).max(1),
});
export type RateMapping = z.infer<typeof rateMappingSchema>;

export const defaultRateMapping: RateMapping = parseOrThrow(
  rateMappingSchema,
  mappingData,
  'telemetry-mapping.json',
);

export function rateToScore(rate: number, m: RateMapping = defaultRateMapping): number {
  const r = clean(rate);
  for (const s of [...m.steps].sort((a, b) => b.minRate - a.minRate)) if (r >= s.minRate) return s.score;
  return m.otherwise;
}

export function telemetryEvidence(ind: Indicator): Evidence {
  return {
    kind: 'telemetry',
    indicatorId: ind.id,
    value: ind.value,
    fromMs: ind.fromMs,
    toMs: ind.toMs,
    scope: ind.scope.assetPath,
    counts: ind.counts,
    formulaVersion: ind.formulaVersion,
    coverage: ind.coverage,
  };
}

/**
 * Marks suggestions resting on an indicator with low coverage (below IndicatorConfig.minCoverage) as needing an
 * assessor's confirmation, whatever the framework: thin data cannot raise an item's score by itself.
 */
export function gateByCoverage(suggestions: Suggestion[], indicators: Indicator[]): Suggestion[] {
  return suggestions.map((s) => {
    const low = s.evidence.some(
      (e) =>
        e.kind === 'telemetry' &&
        indicators.some((i) => i.id === e.indicatorId && i.scope.assetPath === e.scope && i.lowCoverage),
    );
    return low ? { ...s, needsConfirmation: true } : s;
  });
}

/**
 * A suggestion from the weakest of the linked indicators (all must be measured; one missing → no suggestion:
 * absent data proves nothing).
 */
export function suggestScore(
  itemId: string,
  indicatorIds: string[],
  indicators: Indicator[],
  m: RateMapping = defaultRateMapping,
): Suggestion | null {
  const found = indicatorIds.map((id) => indicators.find((i) => i.id === id && i.scope.assetPath === ''));
  if (found.length === 0 || found.some((i) => !i || i.value === null)) return null;
  const list = found as Indicator[];
  const weakest = Math.min(...list.map((i) => i.value as number));
  const rule: I18n = m.label;
  return { itemId, value: { score: rateToScore(weakest, m) }, evidence: list.map(telemetryEvidence), rule };
}
