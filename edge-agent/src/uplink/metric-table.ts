import type { Device, Metric } from '@xiang/protocol';
import type { MetricDef } from '../config/model.js';
import type { Db } from '../queue/db.js';

export type KnownMetric = { metric: Metric; device: Device };

/**
 * Metric name → stable index, persisted in the data dir. Indices are handed out once and never reused: rows
 * are never deleted, so a metric removed from the config keeps its index and a new metric gets max+1. This is
 * what lets batches queued before a restart (or a config change) still mean the same metric when replayed.
 */
export class MetricTable {
  private readonly byName = new Map<string, KnownMetric>();
  private next = 0;
  private readonly upsert;

  constructor(db: Db) {
    this.upsert = db.prepare(
      'INSERT INTO metrics (name, idx, meta, first_seen_ms) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET meta = excluded.meta',
    );
    const rows = db.prepare('SELECT name, idx, meta FROM metrics ORDER BY idx').all() as Array<{
      name: string;
      idx: number;
      meta: string;
    }>;
    for (const r of rows) {
      const known = JSON.parse(r.meta) as KnownMetric;
      known.metric.i = r.idx;
      this.byName.set(r.name, known);
      this.next = Math.max(this.next, r.idx + 1);
    }
  }

  /**
   * Registers (or refreshes) a metric; returns its index and whether the birth must be repeated because the
   * metric is new or its description changed.
   */
  ensure(def: MetricDef, device: Device, nowMs = Date.now()): { index: number; changed: boolean } {
    const prev = this.byName.get(def.name);
    const index = prev ? prev.metric.i : this.next;
    const metric: Metric = {
      i: index,
      deviceId: def.deviceId,
      key: def.key,
      quantity: def.quantity,
      kind: def.kind,
      datatype: def.datatype,
      unit: def.unit,
    };
    if (def.phase) metric.phase = def.phase;
    if (def.rolloverAt) metric.rolloverAt = def.rolloverAt;
    if (def.samplingIntervalMs !== undefined) metric.samplingIntervalMs = def.samplingIntervalMs;
    const known: KnownMetric = { metric, device };
    const meta = JSON.stringify(known);
    if (prev && JSON.stringify(prev) === meta) return { index, changed: false };
    this.upsert.run(def.name, index, meta, nowMs);
    this.byName.set(def.name, known);
    if (!prev) this.next = index + 1;
    return { index, changed: true };
  }

  indexOf(name: string): number | undefined {
    return this.byName.get(name)?.metric.i;
  }

  nameOf(index: number): string | undefined {
    for (const [name, k] of this.byName) if (k.metric.i === index) return name;
    return undefined;
  }

  /** Every metric this data dir has ever known, in index order (what a birth lists). */
  all(): KnownMetric[] {
    return [...this.byName.values()].sort((a, b) => a.metric.i - b.metric.i);
  }

  size(): number {
    return this.byName.size;
  }
}
