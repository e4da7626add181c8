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
  return indicatorModules.map((m) => ({
    id: m.id,
    name: m.name,
    formula: m.formula,
    formulaVersion: m.formulaVersion,
    fromMs: ctx.inputs.fromMs,
    toMs: ctx.inputs.toMs,
    scope,
    ...m.compute(ctx, scope),
  }));
}

export { buildContext } from './context.js';
export * from './types.js';
