import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { type AlarmEvent, type AlarmService, alarmSchema } from '../../alarms/index.js';
import { factoryParams, instantSchema } from '../params.js';
import { HttpProblem, notFound } from '../problem.js';
import { API_PREFIX, type ApiDeps, type RouteModule } from '../types.js';
import { requireFactory } from './oee-common.js';

/**
 * 告警与事件: the factory's active alarms with the engine's status, the history over a period, acknowledging
 * one, and a Server-Sent Events stream (`text/event-stream`: a `snapshot` event with the active alarms, then
 * `raised`, `updated`, `cleared` and `acknowledged` events, a comment every 15 s to keep proxies from closing
 * it). The stream is read with fetch (it needs the Bearer header, which EventSource cannot send).
 */
const HEARTBEAT_MS = 15_000;
const statusOut = z.object({
  intervalS: z.number(),
  evaluations: z.number().int(),
  lastStartedMs: z.number().nullable(),
  lastDurationMs: z.number().nullable(),
  lastError: z.string().nullable(),
  kinds: z.array(z.string()),
});
const listOut = z
  .object({ factoryId: z.string(), active: z.array(alarmSchema), status: statusOut })
  .meta({ id: 'AlarmList' });

function serviceOf(deps: ApiDeps): AlarmService {
  if (!deps.alarms) throw new HttpProblem(503, 'alarms are not available on this platform');
  return deps.alarms;
}

export const alarmRoutes: RouteModule = {
  name: 'alarms',
  register(app, deps) {
    const base = `${API_PREFIX}/factories/:factoryId/alarms`;
    const streams = new Set<ServerResponse>();
    app.addHook('preClose', async () => {
      for (const s of streams) s.end();
      streams.clear();
    });
    app.get(
      base,
      {
        schema: {
          tags: ['alarms'],
          summary: '当前告警 · Active alarms',
          params: factoryParams,
          response: { 200: listOut },
        },
      },
      async (req) => {
        const f = req.params.factoryId;
        requireFactory(deps.registry, f);
        const svc = serviceOf(deps);
        return { factoryId: f, active: svc.active(f), status: svc.status(f) };
      },
    );
    app.get(
      `${base}/history`,
      {
        // Bounded by its row limit, whatever the period.
        config: { maxPeriodDays: null },
        schema: {
          tags: ['alarms'],
          summary: '告警历史 · Alarm history',
          description: 'Alarms that started in [from, to) or were active then, newest first.',
          params: factoryParams,
          querystring: z.object({
            from: instantSchema,
            to: instantSchema,
            limit: z.coerce.number().int().min(1).max(5000).default(500),
          }),
          response: { 200: z.object({ factoryId: z.string(), alarms: z.array(alarmSchema) }) },
        },
      },
      async (req) => {
        const f = req.params.factoryId;
        requireFactory(deps.registry, f);
        const { from, to, limit } = req.query;
        return { factoryId: f, alarms: serviceOf(deps).history(f, from, to, limit) };
      },
    );
    app.post(
      `${base}/:alarmId/ack`,
      {
        schema: {
          tags: ['alarms'],
          summary: '确认告警 · Acknowledge an alarm',
          params: factoryParams.extend({ alarmId: z.coerce.number().int().positive() }),
          body: z
            .object({ note: z.string().max(500).optional() })
            .strict()
            .optional(),
          response: { 200: alarmSchema },
        },
      },
      async (req) => {
        const { factoryId, alarmId } = req.params;
        const a = serviceOf(deps).acknowledge(
          factoryId,
          alarmId,
          req.principal?.name ?? 'api',
          req.body?.note ?? null,
        );
        if (!a) throw notFound(`no alarm ${alarmId} in factory "${factoryId}"`);
        return a;
      },
    );
    app.get(
      `${base}/stream`,
      {
        schema: {
          tags: ['alarms'],
          summary: '告警实时推送 · Live alarm events (Server-Sent Events)',
          description:
            'text/event-stream: `snapshot` (active alarms and engine status), then `raised`, `updated`, ' +
            '`cleared`, `acknowledged` with the alarm as JSON.',
          params: factoryParams,
        },
      },
      async (req, reply) => {
        const f = req.params.factoryId;
        requireFactory(deps.registry, f);
        const svc = serviceOf(deps);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        const send = (event: string, data: unknown) =>
          res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        streams.add(res);
        res.write('retry: 5000\n\n');
        send('snapshot', { active: svc.active(f), status: svc.status(f) });
        const off = svc.subscribe(f, (e: AlarmEvent) =>
          send(e.type, { alarm: e.alarm, status: svc.status(f) }),
        );
        const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        const done = () => {
          clearInterval(beat);
          off();
          streams.delete(res);
        };
        req.raw.on('close', done);
        res.on('close', done);
      },
    );
  },
};
