import { Gauge } from 'prom-client';
import type { ApiDeps, RouteModule } from '../types.js';
import { gradingService } from './grading-common.js';

/**
 * Prometheus text exposition: ingest counters per reason, points stored, store backlog, HTTP latency, and the
 * depth of every queue a request can wait in (queueGauges). Public.
 */
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
    queueGauges(deps);
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

/** A gauge per factory, rebuilt at each scrape (a factory whose queue emptied drops out). */
function perFactory(deps: ApiDeps, name: string, help: string, read: () => Record<string, number>): void {
  new Gauge({
    name,
    help,
    labelNames: ['factory'],
    registers: [deps.promRegistry],
    collect() {
      this.reset();
      for (const [factory, n] of Object.entries(read())) this.set({ factory }, n);
    },
  });
}

function gauge(deps: ApiDeps, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [deps.promRegistry],
    collect() {
      this.set(read());
    },
  });
}

/**
 * Where requests and messages wait (issue 14): the compute pool's per-factory queues (diagnose(), report HTML,
 * indicators in worker threads), the heavy-job gate's per-factory queues (autofill, indicators, grading runs;
 * 429 beyond 4 waiting), and the MQTT group commit's unacknowledged messages. The diagnosis run queue is
 * exported by api/server.ts (xiang_diagnosis_queue_depth).
 */
function queueGauges(deps: ApiDeps): void {
  const compute = deps.compute;
  if (compute) {
    perFactory(
      deps,
      'xiang_compute_queue_depth',
      'Computations waiting for a worker thread of the compute pool, per factory (served round-robin)',
      () => compute.state().waiting,
    );
    gauge(
      deps,
      'xiang_compute_busy_workers',
      'Worker threads of the compute pool busy now',
      () => compute.state().busy,
    );
    gauge(
      deps,
      'xiang_compute_jobs_completed',
      'Computations the compute pool has finished since start',
      () => compute.state().completed,
    );
  }
  const gate = () => gradingService(deps).queueState();
  perFactory(
    deps,
    'xiang_heavy_gate_queue_depth',
    'Autofills, indicator and grading computations waiting for the heavy-job gate, per factory (429 beyond 4)',
    () => gate().waiting,
  );
  gauge(
    deps,
    'xiang_heavy_gate_running',
    'Heavy grading computations running now (one at a time)',
    () => gate().running,
  );
  gauge(
    deps,
    'xiang_heavy_gate_refused',
    'Heavy grading computations refused (429) since start because their factory had 4 waiting',
    () => gate().refusedTotal,
  );
  gauge(
    deps,
    'xiang_ingest_group_commit_in_flight_messages',
    'MQTT messages received and not yet acknowledged (queued for, or in, a group commit)',
    () => deps.ingest?.mqtt?.groupStats.inFlight ?? 0,
  );
}
