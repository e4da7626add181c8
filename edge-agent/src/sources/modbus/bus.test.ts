import { describe, expect, it } from 'vitest';
import { type BusDevice, BusScheduler } from './bus.js';
import { planReads } from './plan.js';

/** A fake bus: live units answer at once, dead units time out after their timeout. */
function fakeBus(dead: Set<number>, log: number[], illegal: Set<number> = new Set()) {
  return {
    read: (unit: number, _t: string, start: number, count: number, timeoutMs: number) => {
      log.push(unit);
      if (dead.has(unit))
        return new Promise<Uint8Array>((_, rej) =>
          setTimeout(
            () => rej(Object.assign(new Error('Timed out'), { name: 'TransactionTimedOutError' })),
            timeoutMs,
          ),
        );
      for (let a = start; a < start + count; a++)
        if (illegal.has(a))
          return Promise.reject(Object.assign(new Error('Modbus exception 2'), { modbusCode: 2 }));
      return Promise.resolve(new Uint8Array(2 * count));
    },
    discardPending: () => {},
    isUp: () => true,
  };
}

function device(unit: number, over: Partial<BusDevice> = {}, results: string[] = []): BusDevice {
  const points = [
    { table: 'holding' as const, address: 0, count: 2 },
    { table: 'holding' as const, address: 10, count: 2 },
  ];
  return {
    id: `D${unit}`,
    unit,
    intervalMs: 0,
    timeoutMs: 20,
    retries: 2,
    maxRegisters: 125,
    points,
    requests: planReads(points, 125, 0),
    onResult: (req, r) => results.push(`${unit}:${req.start}:${r.ok ? 'ok' : r.failure.kind}`),
    onCycle: () => {},
    ...over,
  };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('bus scheduler', () => {
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
    expect(log.length).toBeGreaterThanOrEqual(8); // 2 attempts per cycle
  });

  it('splits a coalesced read refused with ILLEGAL DATA ADDRESS and keeps the split plan', async () => {
    const log: number[] = [];
    const results: string[] = [];
    const points = [
      { table: 'holding' as const, address: 0, count: 2 },
      { table: 'holding' as const, address: 4, count: 2 },
    ];
    const d = device(1, { points, requests: planReads(points, 125, 4), intervalMs: 10 }, results);
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
