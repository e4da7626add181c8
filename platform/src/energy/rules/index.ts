import { compressedAirLeak } from './compressed-air-leak.js';
import { energyBaseline } from './energy-baseline.js';
import { loadRate } from './load-rate.js';
import { machineIdle } from './machine-idle.js';
import { maxDemand } from './max-demand.js';
import { meteringCoverage } from './metering-coverage.js';
import { meteringData } from './metering-data.js';
import { offShiftBaseLoad } from './off-shift-base-load.js';
import { powerFactor } from './power-factor.js';
import { powerQuality } from './power-quality.js';
import type { Rule } from './rule.js';
import { touShift } from './tou-shift.js';
import { unitConsumption } from './unit-consumption.js';

/** Every diagnostic rule, in report order. A new rule is one module plus one line here. */
export const rules: Rule[] = [
  offShiftBaseLoad,
  compressedAirLeak,
  machineIdle,
  powerFactor,
  maxDemand,
  touShift,
  powerQuality,
  loadRate,
  meteringCoverage,
  meteringData,
  unitConsumption,
  energyBaseline,
];

export type { Rule };
