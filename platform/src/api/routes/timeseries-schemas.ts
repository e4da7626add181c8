import { z } from 'zod';

/** Response schemas of the timeseries routes (OpenAPI is generated from them). */
export const seriesOut = { deviceId: z.string(), metric: z.string() };
export const bucketsOut = z.object({
  series: z.array(
    z.object({
      ...seriesOut,
      buckets: z.array(
        z.object({
          tsMs: z.number().int(),
          value: z.number().nullable(),
          count: z.number().int().describe('Good samples with a value in the bucket'),
          coveredMs: z
            .number()
            .optional()
            .describe('twa / step: ms of the bucket with a value in force (what the mean is over)'),
        }),
      ),
    }),
  ),
});
export const rawOut = z.object({
  series: z.array(
    z.object({
      ...seriesOut,
      points: z.array(
        z.object({
          tsMs: z.number().int(),
          value: z.number().nullable(),
          text: z.string().nullable(),
          status: z.number().int(),
        }),
      ),
    }),
  ),
});
export const increaseOut = z.object({
  series: z.array(
    z.object({
      ...seriesOut,
      intervals: z.array(
        z.object({
          startMs: z.number().int(),
          endMs: z.number().int(),
          increase: z
            .number()
            .nullable()
            .describe('null = data missing for part of the interval (a gap, never zero)'),
          coverage: z.number(),
          resets: z.number().int(),
          rollovers: z.number().int(),
          coveredIncrease: z.number().describe('increase over the covered part of the interval'),
          gapIncrease: z
            .number()
            .nullable()
            .describe(
              'unattributed (gap) consumption: the rise across silent stretches whose closing reading falls here; null = unknown',
            ),
          gapFromMs: z.number().nullable().describe('start of the earliest such gap'),
          silentRunMs: z.number().describe('longest stretch without evidence this interval belongs to, ms'),
          flatRunMs: z.number().describe('longest run of equal readings this interval belongs to, ms'),
        }),
      ),
    }),
  ),
});
export const coverageOut = z.object({
  series: z.array(
    z.object({
      ...seriesOut,
      expected: z.number(),
      present: z.number(),
      ratio: z.number(),
      intervals: z.array(
        z.object({ startMs: z.number().int(), expected: z.number(), present: z.number(), ratio: z.number() }),
      ),
    }),
  ),
});
