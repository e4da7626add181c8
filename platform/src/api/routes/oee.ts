import { z } from 'zod';
import { defaultMappings } from '../../oee/index.js';
import { loadFactoryOee, oeeGroupBySchema, oeeRowSchema, oeeRows } from '../../query/oee-report.js';
import { checkRange, factoryParams, instantSchema } from '../params.js';
import { badRequest } from '../problem.js';
import { API_PREFIX, type RouteModule } from '../types.js';
import { DAY_MS, MAX_WINDOW_DAYS, requireFactory } from './oee-common.js';

const groupBySchema = z
  .union([z.string(), z.array(z.string())])
  .default('factory')
  .describe('comma-separated or repeated: machine, line, workshop, factory (levels) and day, shift (buckets)')
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s !== ''))
  .pipe(
    z.array(oeeGroupBySchema).min(1, 'name at least one of machine, line, workshop, factory, day, shift'),
  );

const oeeOut = z
  .object({
    factoryId: z.string(),
    fromMs: z.number(),
    toMs: z.number(),
    hasCalendar: z.boolean().describe('false: no shift calendar, all time counts as production time'),
    groupBy: z.array(oeeGroupBySchema),
    mapping: z.object({ id: z.string(), version: z.string() }),
    rows: z.array(oeeRowSchema),
  })
  .meta({ id: 'OeeResult' });

/** 设备综合效率: OEE per machine / line / workshop / factory, for the period or per day / shift. */
export const oeeRoutes: RouteModule = {
  name: 'oee',
  register(app, { registry, store }) {
    app.get(
      `${API_PREFIX}/factories/:factoryId/oee`,
      {
        schema: {
          tags: ['oee'],
          summary: '设备综合效率 · OEE and the six big losses',
          description:
            'Availability × performance × quality from machine states (OPC 40001 mapping), counters and ideal ' +
            'cycle times, against the factory shift calendar. groupBy picks the asset level(s) — machine, line ' +
            '(last station, else time-weighted), workshop, factory — and optionally day and/or shift buckets; ' +
            `without day/shift one row per asset covers the whole period. At most ${MAX_WINDOW_DAYS} days.`,
          params: factoryParams,
          querystring: z.object({ from: instantSchema, to: instantSchema, groupBy: groupBySchema }),
          response: { 200: oeeOut },
        },
      },
      async (req) => {
        const q = req.query;
        const range = checkRange(q);
        if (range) throw badRequest(range, 'query.to');
        if (q.to - q.from > MAX_WINDOW_DAYS * DAY_MS)
          throw badRequest(`the window may cover at most ${MAX_WINDOW_DAYS} days`, 'query.to');
        const f = req.params.factoryId;
        requireFactory(registry, f);
        const oee = await loadFactoryOee(store, registry, f, { fromMs: q.from, toMs: q.to });
        const m = defaultMappings.opc40001;
        return {
          factoryId: f,
          fromMs: q.from,
          toMs: q.to,
          hasCalendar: oee.result.hasCalendar,
          groupBy: q.groupBy,
          mapping: { id: m.id, version: m.version },
          rows: oeeRows(oee, q.groupBy),
        };
      },
    );
  },
};
