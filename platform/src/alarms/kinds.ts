import { demand } from './demand/index.js';
import { deviceOffline } from './device-offline/index.js';
import { meterSilent } from './meter-silent/index.js';
import { offShiftLoad } from './off-shift-load/index.js';
import { powerFactor } from './power-factor/index.js';
import type { AlarmKind } from './types.js';

/** Every alarm kind, one folder each. A new kind is a folder plus one line here. */
export const ALARM_KINDS: AlarmKind[] = [offShiftLoad, demand, powerFactor, meterSilent, deviceOffline];
