import { z } from 'zod';
import type { Registry } from '../../registry/registry.js';
import type { SeriesKey, StepSegment, StoredPoint, TimeSeriesStore } from '../../store/types.js';
import { sendSeries } from '../json-stream.js';
import {
  checkRange,
  durationSchema,
  factoryParams,
  instantSchema,
  MAX_POINTS_PER_RESPONSE,
  pointLimit,
  seriesListSchema,
} from '../params.js';
import { badRequest, notFound } from '../problem.js';
import { API_PREFIX, type RouteModule } from '../types.js';
import { aggregateSchema, heldQuery, maxHoldSchema, stepOut, stepQuery } from './timeseries-held.js';
import { bucketsOut, coverageOut, increaseOut, rawOut, seriesOut } from './timeseries-schemas.js';

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

/**
 * Time-series queries: range × interval × aggregate (sample aggregates, and twa / step for gauges reported
 * on change), step segments, raw points, counter increase per interval, coverage.
 */
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
            'Buckets of `interval` over [from, to); only Good-quality points enter aggregates unless goodOnly=false. ' +
            'For gauges reported on change use aggregate=twa (time-weighted mean) or step (value in force): ' +
            'the sample mean of on-change data is not the mean over time.',
          params: factoryParams,
          querystring: z.object({
            ...bucketed,
            aggregate: aggregateSchema.default('mean'),
            goodOnly: z.enum(['true', 'false']).default('true'),
            maxHold: maxHoldSchema,
          }),
          response: { 200: bucketsOut },
        },
      },
      async (req) => {
        const q = req.query;
        checkBuckets(q);
        const f = req.params.factoryId;
        if (q.aggregate === 'twa' || q.aggregate === 'step') {
          if (q.goodOnly === 'false') {
            throw badRequest(
              `query.goodOnly: aggregate ${q.aggregate} holds Good values only`,
              'query.goodOnly',
            );
          }
          const res = await heldQuery(store, registry, {
            series: await knownKeys(store, registry, f, q.series),
            fromMs: q.from,
            toMs: q.to,
            intervalMs: q.interval,
            alignOffsetMs: alignOffsetMs(registry, f, q.utcOffsetMinutes),
            aggregate: q.aggregate,
            ...(q.maxHold !== undefined ? { maxHoldMs: q.maxHold } : {}),
          });
          return { series: res.map(strip) };
        }
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
        // Work is bounded by the point budget (pointLimit), whatever the period.
        config: { maxPeriodDays: null },
        schema: {
          tags: ['timeseries'],
          summary: '原始数据点 · Raw points',
          description: `At most ${MAX_POINTS_PER_RESPONSE} points per response (series × limit; a larger request is a 400 budget-exceeded problem saying what fits). Without limit: 10 000 per series, less when that would not fit.`,
          params: factoryParams,
          querystring: z.object({
            ...common,
            limit: z.coerce.number().int().min(1).max(1_000_000).optional(),
          }),
          response: { 200: rawOut },
        },
      },
      async (req, reply) => {
        const q = req.query;
        const range = checkRange(q);
        if (range) throw badRequest(range, 'query.to');
        const limit = pointLimit(q.limit, 10_000, q.series.length);
        const keys = await knownKeys(store, registry, req.params.factoryId, q.series);
        // The first read before the first byte: a store that fails, fails with a proper error answer.
        const first = keys[0] ? await store.raw(keys[0], q.from, q.to, limit) : [];
        async function* parts() {
          for (const [i, k] of keys.entries())
            yield {
              head: { deviceId: k.deviceId, metric: k.metric },
              items: i === 0 ? first : await store.raw(k, q.from, q.to, limit),
            };
        }
        return sendSeries(reply, 'points', parts(), (p: StoredPoint) => ({
          tsMs: p.tsMs,
          value: p.value,
          text: p.text ?? null,
          status: p.status,
        }));
      },
    );
    app.get(
      `${base}/timeseries/step`,
      {
        // Work is bounded by the point budget (pointLimit), whatever the period.
        config: { maxPeriodDays: null },
        schema: {
          tags: ['timeseries'],
          summary: '阶梯曲线（保持值） · Step function (last value held)',
          description:
            'Gauges reported on change as the exact step function: segments tiling [from, to) with the value in ' +
            'force — held until the next sample, a Bad sample, the device going offline, or maxHold — and null ' +
            'where none is. No interpolation, no isolated dots; gaps stay visible.',
          params: factoryParams,
          querystring: z.object({
            ...common,
            maxHold: maxHoldSchema,
            limit: z.coerce
              .number()
              .int()
              .min(1)
              .max(1_000_000)
              .optional()
              .describe(
                `raw samples read per series at most (default 100 000, less when series × limit would exceed ${MAX_POINTS_PER_RESPONSE}); the segments then end at the last one`,
              ),
          }),
          response: { 200: stepOut },
        },
      },
      async (req, reply) => {
        const q = req.query;
        const range = checkRange(q);
        if (range) throw badRequest(range, 'query.to');
        const res = await stepQuery(store, registry, {
          series: await knownKeys(store, registry, req.params.factoryId, q.series),
          fromMs: q.from,
          toMs: q.to,
          limit: pointLimit(q.limit, 100_000, q.series.length),
          ...(q.maxHold !== undefined ? { maxHoldMs: q.maxHold } : {}),
        });
        const parts = res.map((r) => ({
          head: { deviceId: r.series.deviceId, metric: r.series.metric },
          items: r.segments,
        }));
        return sendSeries(reply, 'segments', parts, (g: StepSegment) => ({
          startMs: g.startMs,
          endMs: g.endMs,
          value: g.value,
        }));
      },
    );
    app.get(
      `${base}/timeseries/increase`,
      {
        schema: {
          tags: ['timeseries'],
          summary: '计数器区间增量（能耗） · Counter increase per interval (consumption)',
          description:
            'Rollover (from the metric table) and meter resets are detected; a stretch without samples longer ' +
            'than maxGap is a gap (null), never zero and never interpolated: the rise across it is reported as ' +
            'gapIncrease (unattributed consumption) where the reading resumes, with the silent and flat runs.',
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
