import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Delivery, GroupCommit } from './group-commit.js';

type Call = { ids: number[]; resolve: () => void; reject: (e: Error) => void };

/** A GroupCommit whose batches complete when the test says so; records batches, acks and failures. */
function rig(maxInFlight = 100) {
  const calls: Call[] = [];
  const acks: number[] = [];
  const failures: number[][] = [];
  let running = 0;
  let maxRunning = 0;
  const gc = new GroupCommit({
    maxInFlight,
    process: (batch) =>
      new Promise<void>((resolve, reject) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const done = () => running--;
        calls.push({
          ids: batch.map((d) => Number(d.topic)),
          resolve: () => {
            done();
            resolve();
          },
          reject: (e) => {
            done();
            reject(e);
          },
        });
      }),
    onFailure: (_e, batch) => failures.push(batch.map((d) => Number(d.topic))),
  });
  const msg = (id: number): Delivery => ({
    topic: String(id),
    payload: Buffer.alloc(0),
    ack: () => acks.push(id),
  });
  return { gc, calls, acks, failures, msg, maxRunning: () => maxRunning };
}

/** Lets the setImmediate that starts a batch, and the promise callbacks after one, run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('group commit', () => {
  it('groups what arrived in one turn, acknowledges nothing before the batch is durable, then in arrival order', async () => {
    const r = rig();
    for (const id of [1, 2, 3]) r.gc.offer(r.msg(id));
    await settle();
    expect(r.calls.map((c) => c.ids)).toEqual([[1, 2, 3]]);
    // Arriving while batch 1 is written: they wait, and nothing is acknowledged yet.
    for (const id of [4, 5]) r.gc.offer(r.msg(id));
    await settle();
    expect(r.calls).toHaveLength(1);
    expect(r.acks).toEqual([]);
    r.calls[0]!.resolve();
    await settle();
    expect(r.acks).toEqual([1, 2, 3]);
    expect(r.calls.map((c) => c.ids)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(r.gc.inFlight).toBe(2);
    r.calls[1]!.resolve();
    await settle();
    expect(r.acks).toEqual([1, 2, 3, 4, 5]);
    expect(r.gc.inFlight).toBe(0);
  });

  it('a failed batch: none of it acknowledged, nothing behind it processed, until a new connection', async () => {
    const r = rig();
    r.gc.offer(r.msg(1));
    await settle();
    r.calls[0]!.resolve();
    await settle();
    for (const id of [2, 3]) r.gc.offer(r.msg(id));
    await settle();
    r.gc.offer(r.msg(4)); // queued behind the batch that will fail
    r.calls[1]!.reject(new Error('disk full'));
    await settle();
    expect(r.acks).toEqual([1]);
    expect(r.failures).toEqual([[2, 3]]);
    expect(r.calls).toHaveLength(2); // 4 was not processed
    expect(r.gc.offer(r.msg(5))).toBe(false); // halted: left unacknowledged
    // Reconnect: the broker redelivers 2, 3, 4.
    r.gc.reset();
    for (const id of [2, 3, 4]) r.gc.offer(r.msg(id));
    await settle();
    r.calls[2]!.resolve();
    await settle();
    expect(r.calls.map((c) => c.ids)).toEqual([[1], [2, 3], [2, 3, 4]]);
    expect(r.acks).toEqual([1, 2, 3, 4]);
  });

  it('messages of a dropped connection are never acknowledged; the next connection waits for the batch in hand', async () => {
    const r = rig();
    for (const id of [1, 2]) r.gc.offer(r.msg(id));
    await settle();
    r.gc.reset(); // connection lost while 1, 2 are written
    for (const id of [1, 2, 3]) r.gc.offer(r.msg(id));
    await settle();
    expect(r.calls).toHaveLength(1); // one batch at a time
    r.calls[0]!.resolve();
    await settle();
    expect(r.acks).toEqual([]); // those PUBACKs belonged to the old connection
    r.calls[1]!.resolve();
    await settle();
    expect(r.acks).toEqual([1, 2, 3]);
    expect(r.maxRunning()).toBe(1);
  });

  it('holds the reader once maxInFlight messages are unacknowledged', async () => {
    const r = rig(2);
    let released = 0;
    for (const id of [1, 2, 3]) {
      r.gc.offer(r.msg(id));
      r.gc.whenRoom(() => released++);
    }
    expect(released).toBe(1); // after 1; after 2 and 3 the window is full
    await settle();
    r.calls[0]!.resolve();
    await settle();
    expect(released).toBe(3);
  });

  it('close() finishes the batch in hand, acknowledges it, and takes nothing more', async () => {
    const r = rig();
    r.gc.offer(r.msg(1));
    await settle();
    r.gc.offer(r.msg(2));
    const closed = r.gc.close();
    r.calls[0]!.resolve();
    await closed;
    expect(r.acks).toEqual([1]);
    expect(r.gc.offer(r.msg(3))).toBe(false);
    await settle();
    expect(r.calls).toHaveLength(1);
  });

  it('any schedule: acks strictly in arrival order, each after its batch succeeded, never after its batch failed', async () => {
    type Step = { kind: 'offer'; n: number } | { kind: 'finish'; ok: boolean } | { kind: 'reset' };
    const step = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('finish' as const), ok: fc.boolean() }),
      fc.record({ kind: fc.constant('reset' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps: Step[]) => {
        const r = rig(8);
        let next = 1;
        let epoch = 0;
        const epochOf = new Map<number, number>();
        const succeeded = new Set<number>();
        const failed = new Set<number>();
        const ackedAt = new Map<number, number>();
        const watch = () => {
          for (const id of r.acks) if (!ackedAt.has(id)) ackedAt.set(id, epoch);
        };
        let finished = 0;
        for (const s of [
          ...steps,
          { kind: 'finish', ok: true } as Step,
          { kind: 'finish', ok: true } as Step,
        ]) {
          if (s.kind === 'offer') {
            for (let k = 0; k < s.n && r.gc.hasRoom; k++) {
              epochOf.set(next, epoch);
              r.gc.offer(r.msg(next++));
            }
          } else if (s.kind === 'reset') {
            r.gc.reset();
            epoch++;
          } else if (finished < r.calls.length) {
            const c = r.calls[finished++]!;
            for (const id of c.ids) (s.ok ? succeeded : failed).add(id);
            if (s.ok) c.resolve();
            else c.reject(new Error('store down'));
          }
          await settle();
          watch();
        }
        // Strictly increasing: arrival order, each message at most once.
        for (let i = 1; i < r.acks.length; i++) expect(r.acks[i]!).toBeGreaterThan(r.acks[i - 1]!);
        for (const id of r.acks) {
          expect(succeeded.has(id)).toBe(true);
          // Acknowledged on the connection it came in on.
          expect(ackedAt.get(id)).toBe(epochOf.get(id));
        }
        // A batch never overlaps another, and each message is in order within its connection.
        expect(r.maxRunning()).toBeLessThanOrEqual(1);
        for (const c of r.calls)
          for (let i = 1; i < c.ids.length; i++) expect(c.ids[i]!).toBeGreaterThan(c.ids[i - 1]!);
        // A message that only ever failed was never acknowledged.
        for (const id of failed) if (!succeeded.has(id)) expect(r.acks).not.toContain(id);
      }),
      { numRuns: 300 },
    );
  });
});
