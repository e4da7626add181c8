import { describe, expect, it } from 'vitest';
import { type BusDevice, type BusIo, BusScheduler, type Failure } from './scheduler.js';

/** Requests of these tests: a range on a unit; a range holding an "illegal" address is refused (code 2). */
type Req = { unit: number; start: number; count: number };
const TIMEOUT: Failure = { status: 0x800a0000, kind: 'timeout', detail: 'timeout' };
const ILLEGAL: Failure = { status: 0x80340000, kind: 'exception', exception: 2, detail: 'illegal address' };

/** A fake bus: live units answer at once, dead units time out after their timeout. */
function fakeBus(dead: Set<number>, log: number[], illegal: Set<number> = new Set()): BusIo<Req, number> {
  return {
    exec: (_d, r, timeoutMs) => {
      log.push(r.unit);
      if (dead.has(r.unit)) return new Promise((_, rej) => setTimeout(() => rej(TIMEOUT), timeoutMs));
      for (let a = r.start; a < r.start + r.count; a++) if (illegal.has(a)) return Promise.reject(ILLEGAL);
      return Promise.resolve(r.count);
    },
    classify: (e) => e as Failure,
    discardPending: () => {},
    isUp: () => true,
  };
}

function device(unit: number, over: Partial<BusDevice<Req, number>> = {}, results: string[] = []) {
  const d: BusDevice<Req, number> = {
    id: `D${unit}`,
    intervalMs: 0,
    timeoutMs: 20,
    retries: 2,
    requests: [
      { unit, start: 0, count: 2 },
      { unit, start: 10, count: 2 },
    ],
    onResult: (req, r) => results.push(`${unit}:${req.start}:${r.ok ? 'ok' : r.failure.kind}`),
    onCycle: () => {},
    ...over,
  };
  return d;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('field-bus scheduler', () => {
  it('a dead slave never takes two turns in a row while others are due, and retries go back in line', async () => {
    const log: number[] = [];
    const counters: Record<string, number> = {};
    const bus = new BusScheduler(fakeBus(new Set([9]), log), { pacingMs: 0, now: Date.now, counters });
    for (const u of [1, 2, 3]) bus.add(device(u));
    bus.add(device(9));
    bus.start();
    await until(() => log.filter((u) => u === 9).length >= 6);
    await bus.stop();
    // Between two requests to the dead unit every live unit had its turn (they are always due: interval 0).
    const deadAt = log.flatMap((u, i) => (u === 9 ? [i] : []));
    for (let k = 1; k < deadAt.length; k++) {
      const between = new Set(log.slice(deadAt[k - 1]! + 1, deadAt[k]!));
      expect([...between].sort()).toEqual([1, 2, 3]);
    }
    // A timeout ends the dead unit's cycle: its second request is never tried.
    expect(counters.timeout).toBe(deadAt.length);
    expect(counters.retries).toBeGreaterThan(0);
  });

  it('reports a failed cycle once per request after the retries, then backs off', async () => {
    const log: number[] = [];
    const results: string[] = [];
    const cycles: boolean[] = [];
    const bus = new BusScheduler(fakeBus(new Set([5]), log), { pacingMs: 0, now: Date.now, counters: {} });
    bus.add(device(5, { intervalMs: 30, retries: 1, onCycle: (ok) => cycles.push(ok) }, results));
    bus.start();
    await until(() => cycles.length >= 4);
    await bus.stop();
    expect(results.slice(0, 2)).toEqual(['5:0:timeout', '5:10:timeout']);
    expect(cycles.every((c) => !c)).toBe(true);
    expect(log.length).toBe(2 * cycles.length); // 2 attempts per cycle, the second request never tried
  });

  it('uses the replacement a protocol gives for a refused request, and keeps it', async () => {
    const log: number[] = [];
    const results: string[] = [];
    const d = device(
      1,
      {
        requests: [{ unit: 1, start: 0, count: 6 }],
        intervalMs: 10,
        replace: (r, f) =>
          f.exception === 2 && r.count > 2
            ? [
                { unit: 1, start: 0, count: 2 },
                { unit: 1, start: 4, count: 2 },
              ]
            : null,
      },
      results,
    );
    const bus = new BusScheduler(fakeBus(new Set(), log, new Set([2])), {
      pacingMs: 0,
      now: Date.now,
      counters: {},
    });
    bus.add(d);
    bus.start();
    await until(() => results.length >= 4);
    await bus.stop();
    expect(d.requests.map((r) => [r.start, r.count])).toEqual([
      [0, 2],
      [4, 2],
    ]);
    expect(results.slice(0, 2)).toEqual(['1:0:ok', '1:4:ok']);
  });
});
