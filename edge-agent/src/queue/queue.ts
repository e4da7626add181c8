import type { PointTuple } from '@xiang/protocol';
import type { Db } from './db.js';

export type QueuedBatch = { id: number; createdMs: number; points: PointTuple[]; bytes: number };

export type QueueBounds = { maxBytes: number; maxAgeMs: number };

export type DropEvent = { reason: 'size' | 'age'; batches: number; points: number; bytes: number };

/**
 * Store-and-forward queue. Every batch is written here before anyone tries to send it, and is deleted only by
 * `ack(id)`, which the uplink calls on the broker's PUBACK. Bounded by payload bytes and age; when a bound is
 * hit the oldest batches that are not in flight are dropped, counted per metric and reported to `onDrop`.
 */
export class BatchQueue {
  private bytes = 0;
  private points = 0;
  private batches = 0;
  private readonly insert;
  private readonly bump;
  private readonly del;
  private readonly oldest;
  private readonly after;
  private readonly afterBelow;
  droppedBatches = 0;
  droppedPoints = 0;

  constructor(
    private readonly db: Db,
    private readonly bounds: QueueBounds,
    private readonly onDrop: (e: DropEvent) => void = () => {},
  ) {
    this.insert = db.prepare(
      'INSERT INTO batches (created_ms, point_count, bytes, payload) VALUES (?, ?, ?, ?)',
    );
    this.bump = db.prepare(
      'INSERT INTO metric_counts (idx, taken_in, dropped) VALUES (?, ?, ?) ON CONFLICT(idx) DO UPDATE SET taken_in = taken_in + excluded.taken_in, dropped = dropped + excluded.dropped',
    );
    this.del = db.prepare('DELETE FROM batches WHERE id = ?');
    this.oldest = db.prepare('SELECT id, created_ms, bytes, payload FROM batches ORDER BY id LIMIT ?');
    this.after = db.prepare(
      'SELECT id, created_ms, bytes, payload FROM batches WHERE id > ? ORDER BY id LIMIT ?',
    );
    this.afterBelow = db.prepare(
      'SELECT id, created_ms, bytes, payload FROM batches WHERE id > ? AND id < ? ORDER BY id LIMIT ?',
    );
    const s = db
      .prepare(
        'SELECT COUNT(*) AS n, COALESCE(SUM(bytes),0) AS b, COALESCE(SUM(point_count),0) AS p FROM batches',
      )
      .get() as {
      n: number;
      b: number;
      p: number;
    };
    this.batches = s.n;
    this.bytes = s.b;
    this.points = s.p;
  }

  /** Writes a batch and its per-metric taken-in counts in one transaction; returns the batch id. */
  enqueue(points: PointTuple[], nowMs = Date.now(), inflight: ReadonlySet<number> = new Set()): number {
    const payload = JSON.stringify(points);
    const bytes = Buffer.byteLength(payload);
    const perMetric = countPerMetric(points);
    const id = this.db.transaction(() => {
      const r = this.insert.run(nowMs, points.length, bytes, payload);
      for (const [idx, n] of perMetric) this.bump.run(idx, n, 0);
      return Number(r.lastInsertRowid);
    })();
    this.batches++;
    this.bytes += bytes;
    this.points += points.length;
    this.enforceBounds(nowMs, new Set([...inflight, id]));
    return id;
  }

  /** Removes a batch the broker acknowledged. Unknown ids (already dropped) are ignored. */
  ack(id: number): boolean {
    const row = this.db.prepare('SELECT bytes, point_count FROM batches WHERE id = ?').get(id) as
      | { bytes: number; point_count: number }
      | undefined;
    if (!row) return false;
    this.del.run(id);
    this.batches--;
    this.bytes -= row.bytes;
    this.points -= row.point_count;
    return true;
  }

  /** Batches with id > afterId (and < belowId when given), in order. */
  read(afterId: number, limit: number, belowId?: number): QueuedBatch[] {
    const rows = (
      belowId === undefined ? this.after.all(afterId, limit) : this.afterBelow.all(afterId, belowId, limit)
    ) as Array<{ id: number; created_ms: number; bytes: number; payload: string }>;
    return rows.map((r) => ({
      id: r.id,
      createdMs: r.created_ms,
      bytes: r.bytes,
      points: JSON.parse(r.payload),
    }));
  }

  /** Highest id ever assigned (0 when none): batches above it are newer than this moment. */
  lastId(): number {
    const r = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'batches'").get() as
      | { seq: number }
      | undefined;
    return r?.seq ?? 0;
  }

  depth(): { batches: number; points: number; bytes: number } {
    return { batches: this.batches, points: this.points, bytes: this.bytes };
  }

  /** Drops the oldest batches (never those in flight) while over the byte bound or older than the age bound. */
  enforceBounds(nowMs = Date.now(), inflight: ReadonlySet<number> = new Set()): void {
    const minCreated = nowMs - this.bounds.maxAgeMs;
    for (let round = 0; round < 10_000; round++) {
      const overSize = this.bytes > this.bounds.maxBytes;
      const rows = this.oldest.all(64 + inflight.size) as Array<{
        id: number;
        created_ms: number;
        bytes: number;
        payload: string;
      }>;
      const victims: typeof rows = [];
      let freed = 0;
      for (const r of rows) {
        if (inflight.has(r.id)) continue;
        const tooOld = r.created_ms < minCreated;
        if (!tooOld && !(overSize && this.bytes - freed > this.bounds.maxBytes)) break;
        victims.push(r);
        freed += r.bytes;
      }
      if (victims.length === 0) return;
      const byReason = {
        size: { batches: 0, points: 0, bytes: 0 },
        age: { batches: 0, points: 0, bytes: 0 },
      };
      this.db.transaction(() => {
        for (const v of victims) {
          const pts = JSON.parse(v.payload) as PointTuple[];
          for (const [idx, n] of countPerMetric(pts)) this.bump.run(idx, 0, n);
          this.del.run(v.id);
          const bucket = v.created_ms < minCreated ? byReason.age : byReason.size;
          bucket.batches++;
          bucket.points += pts.length;
          bucket.bytes += v.bytes;
        }
      })();
      for (const reason of ['age', 'size'] as const) {
        const b = byReason[reason];
        if (b.batches === 0) continue;
        this.batches -= b.batches;
        this.points -= b.points;
        this.bytes -= b.bytes;
        this.droppedBatches += b.batches;
        this.droppedPoints += b.points;
        this.onDrop({ reason, ...b });
      }
    }
  }

  /** Per metric index: values taken in and values dropped by the bounds, over the life of the data dir. */
  metricCounts(): Map<number, { takenIn: number; dropped: number }> {
    const rows = this.db.prepare('SELECT idx, taken_in, dropped FROM metric_counts').all() as Array<{
      idx: number;
      taken_in: number;
      dropped: number;
    }>;
    return new Map(rows.map((r) => [r.idx, { takenIn: r.taken_in, dropped: r.dropped }]));
  }
}

function countPerMetric(points: PointTuple[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of points) m.set(p[0], (m.get(p[0]) ?? 0) + 1);
  return m;
}
