import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RebirthScheduler } from './rebirth.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('rebirth checks after the grace period', () => {
  it('a repository error in the timer is reported and retried, never thrown out of the timer', () => {
    vi.useFakeTimers();
    const db = new Database(':memory:');
    const errors: unknown[] = [];
    const sent: string[] = [];
    let failures = 2;
    const scheduler = new RebirthScheduler({
      db,
      graceMs: 100,
      minIntervalMs: 1000,
      maxPerMinute: 10,
      stillHolds: () => {
        if (failures-- > 0) throw new Error('PostgreSQL did not answer within 30000 ms');
        return 'sequence gap';
      },
      publish: (_f, _a, reason) => sent.push(reason),
      onError: (e) => errors.push(e),
    });
    try {
      scheduler.suspect('F', 'A', { kind: 'gap', sessionId: 's1' });
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
      scheduler.close();
      db.close();
    }
  });

  it('stops retrying once closed', () => {
    vi.useFakeTimers();
    const db = new Database(':memory:');
    const scheduler = new RebirthScheduler({
      db,
      graceMs: 100,
      minIntervalMs: 1000,
      maxPerMinute: 10,
      stillHolds: () => {
        throw new Error('the PostgreSQL repository is closed');
      },
      publish: () => {},
    });
    scheduler.suspect('F', 'A', { kind: 'gap', sessionId: 's1' });
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(1);
    scheduler.close();
    expect(vi.getTimerCount()).toBe(0);
    db.close();
  });
});
