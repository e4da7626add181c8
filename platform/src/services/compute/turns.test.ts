import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextTurn, turnsWaiting } from './turns.js';

/**
 * A clock of event-loop turns: a callback re-armed with setImmediate runs once per loop iteration, as a request's
 * I/O callbacks do. `at()` is the current turn.
 */
function turnClock(): { at(): number; stop(): void } {
  let turn = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turn++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    at: () => turn,
    stop() {
      running = false;
    },
  };
}

const later = (turns: number) =>
  new Promise<void>((resolve) => {
    const step = (left: number) => (left <= 0 ? resolve() : setImmediate(() => step(left - 1)));
    step(turns);
  });

describe('nextTurn: one slice of long work per event-loop turn', () => {
  it('lets waiters that asked in the same turn go in separate turns, in order', async () => {
    const clock = turnClock();
    const resumed: { who: number; turn: number }[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async (who) => {
        await nextTurn();
        resumed.push({ who, turn: clock.at() });
      }),
    );
    clock.stop();
    expect(resumed.map((r) => r.who)).toEqual([0, 1, 2, 3]);
    // Each in a later turn than the one before it: other callbacks (requests) ran in between.
    for (let k = 1; k < resumed.length; k++)
      expect(resumed[k]!.turn, JSON.stringify(resumed)).toBeGreaterThan(resumed[k - 1]!.turn);
    expect(turnsWaiting()).toBe(0);
  });

  it('property: whatever the arrivals, every waiter goes, first come first served, at most one per turn', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 6 }), { minLength: 1, maxLength: 12 }), async (arrivals) => {
        const clock = turnClock();
        const asked: number[] = [];
        const resumed: { who: number; turn: number }[] = [];
        await Promise.all(
          arrivals.map(async (waitTurns, who) => {
            await later(waitTurns);
            asked.push(who);
            await nextTurn();
            resumed.push({ who, turn: clock.at() });
          }),
        );
        clock.stop();
        expect(resumed.map((r) => r.who)).toEqual(asked);
        const turns = resumed.map((r) => r.turn);
        expect(new Set(turns).size).toBe(turns.length);
        expect(turnsWaiting()).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
