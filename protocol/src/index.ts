export * from './calendar.js';
export * from './enums.js';
export * from './equipment.js';
export * from './ids.js';
export * from './messages.js';
export * from './quality.js';
export * from './topics.js';
export * from './zod-errors.js';
