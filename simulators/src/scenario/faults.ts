import { idSchema, metricKeySchema } from '@xiang/protocol';
import { z } from 'zod';

/**
 * Injected faults. Each one declares its magnitude; the simulation applies exactly that and the ground truth
 * (ground-truth.ts) reports what it really cost over any interval. Optional `from`/`to` (ISO times) bound when a
 * fault is active; without them it is active for the whole run.
 */
const iso = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 time such as "2025-03-03T00:00:00+08:00"',
});
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected "HH:MM" local time');

const base = {
  id: idSchema,
  /** Human description (zh-CN first) shown in the ground truth. */
  description: z.string().optional(),
  from: iso.optional(),
  to: iso.optional(),
};

export const offShiftBaseLoadFault = z.object({
  ...base,
  type: z.literal('offShiftBaseLoad'),
  /** A meter id (extra load on that meter) or a compressor machine id (extra air demand → compressor power). */
  target: idSchema,
  kw: z.number().positive().max(10_000),
  /** What the load is, for the truth report, e.g. a compressed-air leak. */
  cause: z.enum(['compressedAirLeak', 'standbyLoad', 'lighting', 'hvac', 'other']).default('other'),
  /** A real leak leaks always; by default only the non-production share is injected (the diagnosable part). */
  alsoDuringProduction: z.boolean().default(false),
});

export const idleThroughBreaksFault = z.object({
  ...base,
  type: z.literal('idleThroughBreaks'),
  machines: z.array(idSchema).min(1),
  /** Planned-stop kinds through which the machines stay NotExecuting at idle power instead of standby. */
  during: z
    .array(z.enum(['break', 'offShift']))
    .min(1)
    .default(['break']),
  /** When 'offShift' is listed: minutes after the shift end it keeps idling (omitted = the whole off-shift). */
  afterShiftMinutes: z.number().int().positive().optional(),
});

export const lowPowerFactorFault = z.object({
  ...base,
  type: z.literal('lowPowerFactor'),
  meter: idSchema,
  /** The meter's power factor while active: Q = P·tan(acos(pf)). */
  powerFactor: z.number().min(0.3).max(0.99),
});

export const phaseUnbalanceFault = z.object({
  ...base,
  type: z.literal('phaseUnbalance'),
  meter: idSchema,
  /** Negative-sequence voltage unbalance ε = U2/U1 in % (GB/T 15543 definition). */
  unbalancePct: z.number().positive().max(20),
});

export const harmonicDistortionFault = z.object({
  ...base,
  type: z.literal('harmonicDistortion'),
  meter: idSchema,
  /** Voltage total harmonic distortion in %. */
  thdPct: z.number().positive().max(50),
});

export const demandSpikesFault = z.object({
  ...base,
  type: z.literal('demandSpikes'),
  meter: idSchema,
  kw: z.number().positive().max(100_000),
  minutes: z.number().int().positive().max(240),
  /** Local start times of each spike. */
  at: z.array(hhmm).min(1),
  /** ISO weekdays (1 = Monday) on which spikes happen; default: every day. */
  weekdays: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5, 6, 7]),
});

export const microStopsFault = z.object({
  ...base,
  type: z.literal('microStops'),
  machines: z.array(idSchema).min(1),
  /** Expected stops per hour of Executing time. */
  perHour: z.number().positive().max(60),
  /** Length of one stop; must be a multiple of the tick. */
  seconds: z.number().int().positive().max(3600),
});

export const meterFreezeFault = z.object({
  ...base,
  type: z.literal('meterFreeze'),
  meter: idSchema,
  /** From this time the energy/volume counter stops changing (Good status) while consumption goes on. */
  from: iso,
});

export const meterDropoutFault = z.object({
  ...base,
  type: z.literal('meterDropout'),
  /** A meter or machine id: every variable of the device goes Bad and stops updating in [from, to). */
  device: idSchema,
  from: iso,
  to: iso,
});

export const badQualityFault = z.object({
  ...base,
  type: z.literal('badQuality'),
  device: idSchema,
  metric: metricKeySchema,
  /** OPC UA status code to report (default BadSensorFailure 0x808C0000). */
  statusCode: z
    .number()
    .int()
    .min(0x80000000, 'expected a Bad status code (0x80000000 or above)')
    .max(0xffffffff)
    .default(0x808c0000),
});

export const faultSchema = z.discriminatedUnion('type', [
  offShiftBaseLoadFault,
  idleThroughBreaksFault,
  lowPowerFactorFault,
  phaseUnbalanceFault,
  harmonicDistortionFault,
  demandSpikesFault,
  microStopsFault,
  meterFreezeFault,
  meterDropoutFault,
  badQualityFault,
]);
export type Fault = z.infer<typeof faultSchema>;
export type FaultType = Fault['type'];
