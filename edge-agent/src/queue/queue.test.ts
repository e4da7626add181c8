import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PointTuple } from '@xiang/protocol';
import { describe, expect, it } from 'vitest';
import { openAgentDb } from './db.js';
import { BatchQueue, type DropEvent } from './queue.js';

const T = 1_767_600_000_000;
const dir = () => mkdtempSync(path.join(os.tmpdir(), 'xiang-queue-'));
const batch = (metric: number, n: number, t0 = T): PointTuple[] =>
  Array.from({ length: n }, (_, i) => [metric, t0 + i, i] as PointTuple);

describe('store-and-forward queue (SQLite)', () => {
  it('hands batches out in insertion order and removes one only when acknowledged', () => {
    const q = new BatchQueue(openAgentDb(dir()), { maxBytes: 1e9, maxAgeMs: 1e12 });
    const ids = [q.enqueue(batch(0, 3)), q.enqueue(batch(1, 2)), q.enqueue(batch(2, 1))];
    expect(q.read(0, 10).map((b) => b.id)).toEqual(ids);
    expect(q.read(ids[0]!, 10).map((b) => b.id)).toEqual(ids.slice(1));
    expect(q.read(0, 10, ids[2]).map((b) => b.id)).toEqual(ids.slice(0, 2)); // below the live boundary
    expect(q.read(0, 1)[0]!.points).toEqual(batch(0, 3));
    // Reading (sending) does not remove; only ack does.
    expect(q.depth()).toMatchObject({ batches: 3, points: 6 });
    expect(q.ack(ids[1]!)).toBe(true);
    expect(q.ack(ids[1]!)).toBe(false);
    expect(q.read(0, 10).map((b) => b.id)).toEqual([ids[0], ids[2]]);
    expect(q.depth()).toMatchObject({ batches: 2, points: 4 });
  });

  it('survives a restart: unacknowledged batches, counts and ids are all still there', () => {
    const d = dir();
    const db1 = openAgentDb(d);
    const q1 = new BatchQueue(db1, { maxBytes: 1e9, maxAgeMs: 1e12 });
    const a = q1.enqueue(batch(0, 4));
    const b = q1.enqueue(batch(1, 5));
    q1.ack(a);
    db1.close();
    const q2 = new BatchQueue(openAgentDb(d), { maxBytes: 1e9, maxAgeMs: 1e12 });
    expect(q2.read(0, 10).map((x) => [x.id, x.points.length])).toEqual([[b, 5]]);
    expect(q2.depth()).toMatchObject({ batches: 1, points: 5 });
    expect(q2.lastId()).toBe(b);
    expect(q2.enqueue(batch(0, 1))).toBe(b + 1); // ids never go back
    expect(q2.metricCounts()).toEqual(
      new Map([
        [0, { takenIn: 5, dropped: 0 }],
        [1, { takenIn: 5, dropped: 0 }],
      ]),
    );
  });

  it('drops the oldest batches beyond maxBytes, never one in flight, and counts them per metric', () => {
    const drops: DropEvent[] = [];
    const one = JSON.stringify(batch(0, 10)).length; // every batch below has the same size
    const q2 = new BatchQueue(openAgentDb(dir()), { maxBytes: one * 3, maxAgeMs: 1e12 }, (e) =>
      drops.push(e),
    );
    const ids = [q2.enqueue(batch(0, 10)), q2.enqueue(batch(1, 10)), q2.enqueue(batch(2, 10))];
    expect(drops).toEqual([]);
    // The 4th batch pushes the total over the bound; the oldest one (ids[0]) is in flight, so ids[1] goes.
    const id4 = q2.enqueue(batch(3, 10), T, new Set([ids[0]!]));
    expect(q2.read(0, 10).map((b) => b.id)).toEqual([ids[0], ids[2], id4]);
    expect(drops).toEqual([{ reason: 'size', batches: 1, points: 10, bytes: one }]);
    expect(q2.metricCounts().get(1)).toEqual({ takenIn: 10, dropped: 10 });
    expect(q2.droppedPoints).toBe(10);
    expect(q2.depth()).toEqual({ batches: 3, points: 30, bytes: one * 3 });
  });

  it('drops batches older than maxAge when bounds are enforced', () => {
    const drops: DropEvent[] = [];
    const q = new BatchQueue(openAgentDb(dir()), { maxBytes: 1e9, maxAgeMs: 3_600_000 }, (e) =>
      drops.push(e),
    );
    q.enqueue(batch(0, 2), T);
    q.enqueue(batch(0, 3), T + 1_000_000);
    const keep = q.enqueue(batch(0, 4), T + 3_000_000);
    q.enforceBounds(T + 3_600_000 + 1_000_001);
    expect(q.read(0, 10).map((b) => b.id)).toEqual([keep]);
    expect(drops).toEqual([{ reason: 'age', batches: 2, points: 5, bytes: expect.any(Number) }]);
    expect(q.metricCounts().get(0)).toEqual({ takenIn: 9, dropped: 5 });
  });
});
