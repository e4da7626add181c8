import { describe, expect, it } from 'vitest';
import { assetsFromPaths } from './messages.js';
import { TokenBucket } from './token-bucket.js';

describe('replay rate limit', () => {
  it('allows one second of burst, then paces by the rate (overdraw waits)', () => {
    const b = new TokenBucket(1000, 0);
    expect(b.ready(0)).toBe(true);
    b.take(1500); // a batch is never split: balance −500
    expect(b.ready(0)).toBe(false);
    expect(b.waitMs(0)).toBe(500);
    expect(b.ready(400)).toBe(false); // −100
    expect(b.ready(600)).toBe(true); // +100
    expect(b.waitMs(5000)).toBe(0);
    b.take(1000); // banked at most 1000 → 0
    expect(b.ready(5000)).toBe(false);
  });
});

describe('assets implied by device asset paths', () => {
  it('yields workshop, line and station levels, each once, sorted', () => {
    expect(assetsFromPaths(['WS1/L1/ST3', 'WS1/L2', '', 'WS1/L1'])).toEqual([
      { path: 'WS1', level: 'workshop' },
      { path: 'WS1/L1', level: 'line' },
      { path: 'WS1/L1/ST3', level: 'station' },
      { path: 'WS1/L2', level: 'line' },
    ]);
  });
});
