export { ClosedInputStore } from './closed-store.js';
export { CHANGE_MIN_COVERAGE } from './overview.js';
export * from './schemas.js';
export { EnergyMonitoringService, MAX_FLOW_DAYS, MonitoringError } from './service.js';
export { type ResolvedTariff, resolveTariff, type TouBand, touBands } from './tariff.js';
export { type ObservedStore, observeWrites, type WrittenListener } from './written.js';
