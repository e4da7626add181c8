import { buildContext } from './context.js';
import { dataCollectionCoverage } from './data-collection-coverage.js';
import { dataFreshness } from './data-freshness.js';
import { energyMeteringCoverage } from './energy-metering.js';
import { equipmentDigitizationRate } from './equipment-digitization.js';
import { equipmentNetworkingRate } from './equipment-networking.js';
import { equipmentOnlineRatio } from './equipment-online.js';
import { oeeAvailability, oeeTracking } from './oee-indicators.js';
import { stateFaultCapture } from './state-fault-capture.js';
import type {
  Indicator,
  IndicatorContext,
  IndicatorDefinition,
  IndicatorInputs,
  IndicatorModule,
  IndicatorScope,
} from './types.js';

/** The indicator registry: one module per indicator; a new indicator is one file plus one line here. */
export const indicatorModules: IndicatorModule[] = [
  equipmentDigitizationRate,
  equipmentNetworkingRate,
  equipmentOnlineRatio,
  dataCollectionCoverage,
  dataFreshness,
  energyMeteringCoverage,
  stateFaultCapture,
  oeeAvailability,
  oeeTracking,
];

export function computeIndicators(
  inputs: IndicatorInputs | IndicatorContext,
  scope: IndicatorScope = { assetPath: '' },
): Indicator[] {
  const ctx = 'inputs' in inputs ? inputs : buildContext(inputs);
  return indicatorModules.map((m) => {
    const def = definitionOf(m, ctx.config.definitions[m.id]);
    const { coverage = null, ...body } = m.compute(ctx, scope, def?.id);
    return {
      id: m.id,
      name: m.name,
      formula: def?.formula ?? m.formula,
      formulaVersion: def ? `${def.id}/${def.version}` : m.formulaVersion,
      ...(def
        ? { definition: { id: def.id, version: def.version, default: def.id === m.definitions?.default } }
        : {}),
      fromMs: ctx.inputs.fromMs,
      toMs: ctx.inputs.toMs,
      scope,
      ...body,
      coverage,
      lowCoverage: coverage !== null && coverage < ctx.config.minCoverage,
    };
  });
}

/** The definition a module uses: the configured one (checked), else its default; none for single-definition modules. */
export function definitionOf(
  m: IndicatorModule,
  configured: string | undefined,
): IndicatorDefinition | undefined {
  if (!m.definitions) {
    if (configured !== undefined)
      throw new Error(`indicator ${m.id} has one definition; "${configured}" cannot be chosen`);
    return undefined;
  }
  const id = configured ?? m.definitions.default;
  const def = m.definitions.list.find((d) => d.id === id);
  if (!def)
    throw new Error(
      `indicator ${m.id} has no definition "${id}" (known: ${m.definitions.list.map((d) => d.id).join(', ')})`,
    );
  return def;
}

export { buildContext } from './context.js';
export * from './types.js';
