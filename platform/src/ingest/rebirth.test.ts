import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RebirthDeps, RebirthScheduler } from './rebirth.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A scheduler on an in-memory repository: 100 ms grace, retries after 1 s. */
function scheduler(deps: Pick<RebirthDeps, 'stillHolds'> & Partial<RebirthDeps>) {
  const db = new Database(':memory:');
  const s = new RebirthScheduler({
    db,
    graceMs: 100,
    minIntervalMs: 1000,
    maxPerMinute: 10,
    publish: () => {},
    ...deps,
  });
  const close = () => {
    s.close();
    db.close();
  };
  return { s, close };
}

describe('rebirth checks after the grace period', () => {
  it('a repository error in the timer is reported and retried, never thrown out of the timer', () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const sent: string[] = [];
    let failures = 2;
    const { s: rebirth, close } = scheduler({
      stillHolds: () => {
        if (failures-- > 0) throw new Error('PostgreSQL did not answer within 30000 ms');
        return 'sequence gap';
      },
      publish: (_f, _a, reason) => sent.push(reason),
      onError: (e) => errors.push(e),
    });
    try {
      rebirth.suspect('F', 'A', { kind: 'gap', sessionId: 's1' });
      // Fake timers run the callback here: an error escaping it would be thrown by this call.
      vi.advanceTimersByTime(100);
      expect(errors).toHaveLength(1);
      vi.advanceTimersByTime(1000); // the retry fails again: reported, retried again
      expect(errors).toHaveLength(2);
      expect(sent).toEqual([]);
      vi.advanceTimersByTime(1000);
      expect(sent).toEqual(['sequence gap']);
      expect(vi.getTimerCount()).toBe(0); // nothing left scheduled once the command went out
    } finally {
      close();
    }
  });

  it('stops retrying once closed', () => {
    vi.useFakeTimers();
    const { s: rebirth, close } = scheduler({
      stillHolds: () => {
        throw new Error('the PostgreSQL repository is closed');
      },
    });
    rebirth.suspect('F', 'A', { kind: 'gap', sessionId: 's1' });
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(1);
    close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
