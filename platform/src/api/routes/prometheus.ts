import { Gauge } from 'prom-client';
import type { RouteModule } from '../types.js';

/** Prometheus text exposition: ingest counters per reason, points stored, store backlog, HTTP latency. Public. */
export const prometheusRoutes: RouteModule = {
  name: 'prometheus',
  register(app, deps) {
    const registers = [deps.promRegistry];
    new Gauge({
      name: 'xiang_store_backlog_points',
      help: 'Points accepted by the store but not yet in the database (InfluxDB unreachable → memory, then disk)',
      registers,
      collect() {
        this.set(deps.store.health().backlogPoints);
      },
    });
    new Gauge({
      name: 'xiang_store_points_written',
      help: 'Points the store has written since start',
      registers,
      collect() {
        this.set(deps.store.health().pointsWritten);
      },
    });
    new Gauge({
      name: 'xiang_ready',
      help: '1 when the store and the broker are usable',
      registers,
      collect() {
        this.set(deps.readiness().ready ? 1 : 0);
      },
    });
    app.get(
      '/metrics',
      {
        config: { access: 'public' },
        schema: { tags: ['service'], summary: 'Prometheus metrics', security: [], hide: true },
      },
      async (_req, reply) => {
        const body = await deps.promRegistry.metrics();
        return reply.type(deps.promRegistry.contentType).send(body);
      },
    );
  },
};
