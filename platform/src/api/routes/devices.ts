import { deviceKindSchema, idSchema } from '@xiang/protocol';
import { z } from 'zod';
import { registryMetricSchema } from '../../registry/model.js';
import { deviceOverrideSchema } from '../../registry/overrides.js';
import { deviceParams, factoryParams, instantSchema } from '../params.js';
import { notFound } from '../problem.js';
import { deviceViewSchema, onlineTransitionSchema } from '../schemas.js';
import { API_PREFIX, type RouteModule } from '../types.js';

const listQuery = z.object({
  kind: deviceKindSchema.optional(),
  online: z.enum(['true', 'false']).optional().describe('only online (true) or offline (false) devices'),
  assetPath: z.string().optional().describe('devices at this asset or below it'),
});
const historyQuery = z.object({
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
});

/** Devices with online state and last seen, their metric table, person-entered corrections, online history. */
export const deviceRoutes: RouteModule = {
  name: 'devices',
  register(app, { registry }) {
    const base = `${API_PREFIX}/factories/:factoryId`;
    app.get(
      `${base}/devices`,
      {
        schema: {
          tags: ['devices'],
          summary: '设备及在线状态 · Devices with online state and last seen',
          params: factoryParams,
          querystring: listQuery,
          response: { 200: z.array(deviceViewSchema) },
        },
      },
      async (req) => {
        const { kind, online, assetPath } = req.query;
        return registry
          .devices(req.params.factoryId)
          .filter((d) => kind === undefined || d.kind === kind)
          .filter((d) => online === undefined || d.online === (online === 'true'))
          .filter(
            (d) =>
              assetPath === undefined || d.assetPath === assetPath || d.assetPath.startsWith(`${assetPath}/`),
          );
      },
    );
    app.get(
      `${base}/devices/:deviceId`,
      {
        schema: {
          tags: ['devices'],
          summary: '设备 · One device',
          params: deviceParams,
          response: { 200: deviceViewSchema },
        },
      },
      async (req) => {
        const d = registry.device(req.params.factoryId, req.params.deviceId);
        if (!d)
          throw notFound(`device "${req.params.deviceId}" is not known in factory "${req.params.factoryId}"`);
        return d;
      },
    );
    app.patch(
      `${base}/devices/:deviceId`,
      {
        schema: {
          tags: ['devices'],
          summary: '人工修正设备信息 · Correct what the device does not know',
          description:
            'Overrides survive later births. A field set to null removes its override; parentMeter "" states that the meter has no parent. ' +
            'Example: {"meterRole":"mainIncomer"} marks the main incomer (总进线).',
          params: deviceParams,
          body: deviceOverrideSchema,
          response: { 200: deviceViewSchema },
        },
      },
      async (req) => {
        const d = registry.patchDevice(req.params.factoryId, req.params.deviceId, req.body);
        if (!d)
          throw notFound(`device "${req.params.deviceId}" is not known in factory "${req.params.factoryId}"`);
        return d;
      },
    );
    app.put(
      `${base}/devices/:deviceId/owner`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['devices'],
          summary: '指定设备归属的边缘代理 · Assign the device to an agent',
          description:
            'A device belongs to the agent that first declared it in a birth; only that agent may change it, report its status or write its series. An admin hands it to another agent here (e.g. when a gateway is replaced).',
          params: deviceParams,
          body: z.object({ agentId: idSchema }),
          response: { 200: deviceViewSchema },
        },
      },
      async (req) => {
        const { factoryId, deviceId } = req.params;
        if (!registry.assignDevice(factoryId, deviceId, req.body.agentId))
          throw notFound(`device "${deviceId}" is not known in factory "${factoryId}"`);
        return registry.device(factoryId, deviceId)!;
      },
    );
    app.get(
      `${base}/devices/:deviceId/online-history`,
      {
        // Bounded by its row limit, whatever the period.
        config: { maxPeriodDays: null },
        schema: {
          tags: ['devices'],
          summary: '设备上下线记录 · Online/offline history of a device',
          params: deviceParams,
          querystring: historyQuery,
          response: { 200: z.array(onlineTransitionSchema) },
        },
      },
      async (req) => {
        if (!registry.device(req.params.factoryId, req.params.deviceId)) {
          throw notFound(`device "${req.params.deviceId}" is not known in factory "${req.params.factoryId}"`);
        }
        const { from, to, limit } = req.query;
        return registry.onlineHistory(req.params.factoryId, {
          deviceId: req.params.deviceId,
          fromMs: from,
          toMs: to,
          limit,
        });
      },
    );
    app.get(
      `${base}/online-history`,
      {
        // Bounded by its row limit, whatever the period.
        config: { maxPeriodDays: null },
        schema: {
          tags: ['devices'],
          summary: '全厂设备上下线记录 · Online/offline history of all devices',
          params: factoryParams,
          querystring: historyQuery,
          response: { 200: z.array(onlineTransitionSchema) },
        },
      },
      async (req) => {
        const { from, to, limit } = req.query;
        return registry.onlineHistory(req.params.factoryId, { fromMs: from, toMs: to, limit });
      },
    );
    app.get(
      `${base}/metrics`,
      {
        schema: {
          tags: ['devices'],
          summary: '测点表 · Metric table (from births), each device metric once',
          params: factoryParams,
          querystring: z.object({ deviceId: z.string().optional() }),
          response: { 200: z.array(registryMetricSchema.meta({ id: 'Metric' })) },
        },
      },
      async (req) => {
        // Each metric once: several agents (or an agent and the history it replayed under other indices) may
        // declare the same device metric; the device's own agent's declaration is the one shown.
        const f = req.params.factoryId;
        const owner = new Map(registry.devices(f).map((d) => [d.id, d.agentId]));
        const byKey = new Map<string, ReturnType<typeof registry.metrics>[number]>();
        for (const m of registry.metrics(f)) {
          if (req.query.deviceId !== undefined && m.deviceId !== req.query.deviceId) continue;
          const k = `${m.deviceId}:${m.key}`;
          const seen = byKey.get(k);
          const mine = (x: typeof m) => x.agentId === owner.get(x.deviceId);
          if (!seen || (!mine(seen) && mine(m)) || (mine(seen) === mine(m) && m.i < seen.i)) byKey.set(k, m);
        }
        return [...byKey.values()];
      },
    );
  },
};
