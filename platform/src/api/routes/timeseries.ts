import { z } from 'zod';
import type { Registry } from '../../registry/registry.js';
import type { SeriesKey, TimeSeriesStore } from '../../store/types.js';
import { checkRange, durationSchema, factoryParams, instantSchema, seriesListSchema } from '../params.js';
import { badRequest, notFound } from '../problem.js';
import { API_PREFIX, type RouteModule } from '../types.js';

const aggregateSchema = z.enum(['mean', 'min', 'max', 'first', 'last', 'sum', 'count']);
const MAX_BUCKETS = 1_000_000;

const common = {
  series: seriesListSchema,
  from: instantSchema,
  to: instantSchema,
  utcOffsetMinutes: z.coerce
    .number()
    .int()
    .min(-720)
    .max(840)
    .optional()
    .describe('buckets align to local midnight at this offset (default: the factory calendar, else +480)'),
};
const bucketed = { ...common, interval: durationSchema };

const seriesOut = { deviceId: z.string(), metric: z.string() };
const bucketsOut = z.object({
  series: z.array(
    z.object({
      ...seriesOut,
      buckets: z.array(
        z.object({ tsMs: z.number().int(), value: z.number().nullable(), count: z.number().int() }),
      ),
    }),
  ),
});
const rawOut = z.object({
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
const increaseOut = z.object({
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
        }),
      ),
    }),
  ),
});
const coverageOut = z.object({
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

function alignOffsetMs(registry: Registry, factoryId: string, utcOffsetMinutes: number | undefined): number {
  const offset = utcOffsetMinutes ?? registry.factory(factoryId)?.calendar?.utcOffsetMinutes ?? 480;
  return -offset * 60_000;
}

function checkBuckets(q: { from: number; to: number; interval: number; series: unknown[] }): void {
  const range = checkRange(q);
  if (range) throw badRequest(range, 'query.to');
  const buckets = Math.ceil((q.to - q.from) / q.interval) * q.series.length;
  if (buckets > MAX_BUCKETS) {
    throw badRequest(
      `query asks for ${buckets} buckets (> ${MAX_BUCKETS}); use a larger interval or a shorter range`,
      'query.interval',
    );
  }
}

/**
 * The requested series as store keys — each must be known (stored, or declared by a birth), else 404 naming
 * the unknown ones: a mistyped metric must not answer 200 with nulls that look like a gap in the data.
 */
async function knownKeys(
  store: TimeSeriesStore,
  registry: Registry,
  factoryId: string,
  refs: { deviceId: string; metric: string }[],
): Promise<SeriesKey[]> {
  if (!registry.factory(factoryId)) throw notFound(`factory "${factoryId}" is not known`);
  const known = new Set(registry.metrics(factoryId).map((m) => `${m.deviceId}:${m.key}`));
  if (refs.some((r) => !known.has(`${r.deviceId}:${r.metric}`)))
    for (const k of await store.listSeries(factoryId)) known.add(`${k.deviceId}:${k.metric}`);
  const unknown = refs.map((r) => `${r.deviceId}:${r.metric}`).filter((r) => !known.has(r));
  if (unknown.length > 0)
    throw notFound(
      `no such series in factory "${factoryId}": ${unknown.join(', ')} (GET …/series lists them)`,
    );
  return refs.map((r) => ({ factoryId, deviceId: r.deviceId, metric: r.metric }));
}
const strip = <T extends { series: SeriesKey }>(r: T) => {
  const { series, ...rest } = r;
  return { deviceId: series.deviceId, metric: series.metric, ...rest };
};

/** Time-series queries: range × interval × aggregate, raw points, counter increase per interval, coverage. */
export const timeseriesRoutes: RouteModule = {
  name: 'timeseries',
  register(app, { store, registry }) {
    const base = `${API_PREFIX}/factories/:factoryId`;
    app.get(
      `${base}/series`,
      {
        schema: {
          tags: ['timeseries'],
          summary: '已存储的序列 · Stored series',
          params: factoryParams,
          response: { 200: z.array(z.object(seriesOut)) },
        },
      },
      async (req) =>
        (await store.listSeries(req.params.factoryId)).map((s) => ({
          deviceId: s.deviceId,
          metric: s.metric,
        })),
    );
    app.get(
      `${base}/timeseries`,
      {
        schema: {
          tags: ['timeseries'],
          summary: '聚合查询 · Aggregated range query',
          description:
            'Buckets of `interval` over [from, to); only Good-quality points enter aggregates unless goodOnly=false.',
          params: factoryParams,
          querystring: z.object({
            ...bucketed,
            aggregate: aggregateSchema.default('mean'),
            goodOnly: z.enum(['true', 'false']).default('true'),
          }),
          response: { 200: bucketsOut },
        },
      },
      async (req) => {
        const q = req.query;
        checkBuckets(q);
        const res = await store.query({
          series: await knownKeys(store, registry, req.params.factoryId, q.series),
          fromMs: q.from,
          toMs: q.to,
          intervalMs: q.interval,
          alignOffsetMs: alignOffsetMs(registry, req.params.factoryId, q.utcOffsetMinutes),
          aggregate: q.aggregate,
          goodOnly: q.goodOnly === 'true',
        });
        return { series: res.map(strip) };
      },
    );
    app.get(
      `${base}/timeseries/raw`,
      {
        schema: {
          tags: ['timeseries'],
          summary: '原始数据点 · Raw points',
          params: factoryParams,
          querystring: z.object({
            ...common,
            limit: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
          }),
          response: { 200: rawOut },
        },
      },
      async (req) => {
        const q = req.query;
        const range = checkRange(q);
        if (range) throw badRequest(range, 'query.to');
        const out = [];
        for (const k of await knownKeys(store, registry, req.params.factoryId, q.series)) {
          const pts = await store.raw(k, q.from, q.to, q.limit);
          out.push({
            deviceId: k.deviceId,
            metric: k.metric,
            points: pts.map((p) => ({
              tsMs: p.tsMs,
              value: p.value,
              text: p.text ?? null,
              status: p.status,
            })),
          });
        }
        return { series: out };
      },
    );
    app.get(
      `${base}/timeseries/increase`,
      {
        schema: {
          tags: ['timeseries'],
          summary: '计数器区间增量（能耗） · Counter increase per interval (consumption)',
          description:
            'Rollover (from the metric table) and meter resets are detected; a stretch without samples longer than maxGap is a gap (null), never zero.',
          params: factoryParams,
          querystring: z.object({ ...bucketed, maxGap: durationSchema.optional() }),
          response: { 200: increaseOut },
        },
      },
      async (req) => {
        const q = req.query;
        checkBuckets(q);
        const f = req.params.factoryId;
        const rollover = new Map(registry.metrics(f).map((m) => [`${m.deviceId}:${m.key}`, m.rolloverAt]));
        // One query per rollover value, since the store takes one per query.
        const groups = new Map<number | undefined, SeriesKey[]>();
        for (const k of await knownKeys(store, registry, f, q.series)) {
          const r = rollover.get(`${k.deviceId}:${k.metric}`);
          groups.set(r, [...(groups.get(r) ?? []), k]);
        }
        const results = [];
        for (const [rolloverAt, series] of groups) {
          results.push(
            ...(await store.counterIncrease({
              series,
              fromMs: q.from,
              toMs: q.to,
              intervalMs: q.interval,
              alignOffsetMs: alignOffsetMs(registry, f, q.utcOffsetMinutes),
              ...(q.maxGap !== undefined ? { maxGapMs: q.maxGap } : {}),
              ...(rolloverAt !== undefined ? { rolloverAt } : {}),
            })),
          );
        }
        const order = q.series.map((s) => `${s.deviceId}:${s.metric}`);
        results.sort(
          (a, b) =>
            order.indexOf(`${a.series.deviceId}:${a.series.metric}`) -
            order.indexOf(`${b.series.deviceId}:${b.series.metric}`),
        );
        return { series: results.map(strip) };
      },
    );
    app.get(
      `${base}/timeseries/coverage`,
      {
        schema: {
          tags: ['timeseries'],
          summary: '数据完整率 · Data coverage (share of expected samples present)',
          params: factoryParams,
          querystring: z.object({
            ...bucketed,
            expectedPeriod: durationSchema
              .optional()
              .describe("default: the metric's sampling interval from its birth"),
          }),
          response: { 200: coverageOut },
        },
      },
      async (req) => {
        const q = req.query;
        checkBuckets(q);
        const f = req.params.factoryId;
        const sampling = new Map(
          registry.metrics(f).map((m) => [`${m.deviceId}:${m.key}`, m.samplingIntervalMs]),
        );
        const out = [];
        for (const k of await knownKeys(store, registry, f, q.series)) {
          const period = q.expectedPeriod ?? sampling.get(`${k.deviceId}:${k.metric}`);
          if (!period) {
            throw badRequest(
              `query.expectedPeriod: ${k.deviceId}:${k.metric} declares no sampling interval; give expectedPeriod`,
              'query.expectedPeriod',
            );
          }
          const [r] = await store.coverage({
            series: [k],
            fromMs: q.from,
            toMs: q.to,
            intervalMs: q.interval,
            alignOffsetMs: alignOffsetMs(registry, f, q.utcOffsetMinutes),
            expectedPeriodMs: period,
          });
          if (r) out.push(strip(r));
        }
        return { series: out };
      },
    );
  },
};
