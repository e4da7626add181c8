import type { ShiftCalendar } from '@xiang/protocol';
import { z } from 'zod';
import type { AlarmThresholds } from '../registry/factory-settings.js';
import type { RegistrySnapshot } from '../registry/model.js';
import type { LiveData } from './live-data.js';

/**
 * An alarm kind is a folder with an `AlarmKind` (registered in kinds.ts): given the factory's live context it
 * returns the conditions that hold now. The engine keeps one alarm per (kind, key) while its condition holds —
 * raised when it first appears, updated when severity or value change, cleared when it is gone — and never
 * switches on a kind's id.
 */
export const severitySchema = z.enum(['info', 'warning', 'major', 'critical']);
export type Severity = z.infer<typeof severitySchema>;

export type Condition = {
  /** Unique within the kind for one factory, e.g. the meter id. */
  key: string;
  deviceId: string | null;
  severity: Severity;
  value: number | null;
  threshold: number | null;
  unit: string;
  /** Figures for the console's wording (alarm.<kind>.<variant> in messages-*.js). */
  params: Record<string, string | number | null>;
  /** One English line for API consumers and logs. */
  summary: string;
};

export type AlarmContext = {
  factoryId: string;
  nowMs: number;
  snapshot: RegistrySnapshot;
  calendar: ShiftCalendar | undefined;
  thresholds: AlarmThresholds;
  /** The meter the overview watches (settings, else the registered main incomer). */
  mainIncomerId: string | null;
  data: LiveData;
};

export type AlarmKind = {
  id: string;
  evaluate(ctx: AlarmContext): Promise<Condition[]>;
};

export const alarmSchema = z
  .object({
    id: z.number().int(),
    factoryId: z.string(),
    kind: z.string(),
    key: z.string(),
    deviceId: z.string().nullable(),
    severity: severitySchema,
    /** When the condition was first seen (the evaluation that raised it). */
    startMs: z.number(),
    /** Last evaluation that still saw it. */
    lastSeenMs: z.number(),
    /** When it was gone (null while active). */
    endMs: z.number().nullable(),
    value: z.number().nullable(),
    /** The largest value while it was active. */
    peakValue: z.number().nullable(),
    threshold: z.number().nullable(),
    unit: z.string(),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
    summary: z.string(),
    ackAtMs: z.number().nullable(),
    ackBy: z.string().nullable(),
    ackNote: z.string().nullable(),
  })
  .meta({ id: 'Alarm' });
export type Alarm = z.infer<typeof alarmSchema>;

export type AlarmEvent = { type: 'raised' | 'updated' | 'cleared' | 'acknowledged'; alarm: Alarm };
