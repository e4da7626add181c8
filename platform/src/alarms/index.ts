export { ALARM_KINDS } from './kinds.js';
export { timeWeightedMean } from './live-data.js';
export { AlarmRepository } from './repository.js';
export { AlarmService, type AlarmStatus } from './service.js';
export * from './types.js';
