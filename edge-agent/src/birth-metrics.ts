import type { Device } from '@xiang/protocol';
import type { MetricDef } from './config/model.js';
import type { Db } from './queue/db.js';
import type { BatchQueue } from './queue/queue.js';
import { type KnownMetric, MetricTable } from './uplink/metric-table.js';

/**
 * The metric table as a birth sees it. Indices stay stable for the life of the data dir (MetricTable), but a
 * birth lists only what the agent reads now — metrics registered by this run's sources — so a device removed
 * from the config leaves the birth (and the platform's live view). Exception: while batches queued before this
 * start are still in the queue, they may carry the old metrics' indices, so every known metric stays listed
 * until that backlog is acknowledged; then `releaseStale()` says a new birth should drop them.
 */
export class BirthMetricTable extends MetricTable {
  private readonly current = new Set<number>();
  /** Last batch id queued before this start: batches up to it may hold metrics no longer configured. */
  private readonly boundaryId: number;
  private staleListed = false;

  constructor(
    db: Db,
    private readonly queue: BatchQueue,
  ) {
    super(db);
    this.boundaryId = queue.lastId();
  }

  override ensure(def: MetricDef, device: Device, nowMs = Date.now()): { index: number; changed: boolean } {
    const r = super.ensure(def, device, nowMs);
    // A metric known from an earlier run (not "changed" in the table) that this run reads for the first time —
    // an MQTT device whose first message arrives after the birth — was left out of that birth: announce it, or
    // the platform refuses its data as unknown metric indices (soak seed 717648).
    const firstThisRun = !this.current.has(r.index);
    this.current.add(r.index);
    return firstThisRun && !r.changed ? { ...r, changed: true } : r;
  }

  private oldBacklog(): boolean {
    return this.boundaryId > 0 && this.queue.read(0, 1, this.boundaryId + 1).length > 0;
  }

  /** What a birth lists: the configured metrics, plus the others while the pre-start backlog lasts. */
  override all(): KnownMetric[] {
    const every = super.all();
    const keepAll = this.oldBacklog();
    const out = keepAll ? every : every.filter((k) => this.current.has(k.metric.i));
    this.staleListed = keepAll && out.length > this.current.size;
    return out;
  }

  /** True once after the last birth listed unconfigured metrics and the backlog holding them is gone. */
  releaseStale(): boolean {
    if (!this.staleListed || this.oldBacklog()) return false;
    this.staleListed = false;
    return true;
  }
}
