/** OEE and line status: pure functions over machine state/count series and the registry snapshot. */
export { aggregateMachines, computeFactoryOee, type FactoryOeeResult, timeWeighted } from './aggregate.js';
export { ancestorAt, assetLevelOf, inScope, pathChain } from './assets.js';
export { type CalendarContext, prepareCalendar } from './calendar-context.js';
export { coverageOf, figuresFromTotals } from './figures.js';
export { computeLineStatus, type LineStatus } from './line-status.js';
export { computeMachineOee } from './machine.js';
export {
  CAT,
  type CompiledMapping,
  categoryOf,
  compileMapping,
  defaultMappings,
  type LossCategory,
  NO_VALUE,
  parseStateMapping,
  type StateMapping,
} from './mapping.js';
export {
  buildRuns,
  type Interval,
  markStopEvents,
  mergeStateAndMode,
  type Runs,
  type StateSamples,
} from './timeline.js';
export * from './types.js';
