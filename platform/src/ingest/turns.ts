import { performance } from 'node:perf_hooks';

/** Lets timers, I/O and HTTP requests run before the next piece of work. */
export const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Work per event-loop turn: big births are cut into pieces of this many ms (issue 8: no stall > ~50 ms). */
export const TURN_BUDGET_MS = 8;

/**
 * Runs `step` over the items in event-loop turns of about `budgetMs` each (measured, so the pieces shrink
 * when the machine is busy or the code is still cold), each turn wrapped by `turn` (e.g. one transaction).
 * Stops at the first step that returns an error string, and returns it.
 */
export async function inTurns<T>(
  items: readonly T[],
  step: (item: T, k: number) => string | undefined,
  turn: (run: () => void) => void = (run) => run(),
  budgetMs = TURN_BUDGET_MS,
): Promise<string | undefined> {
  let k = 0;
  let err: string | undefined;
  while (k < items.length && err === undefined) {
    if (k > 0) await yieldTurn();
    const start = performance.now();
    turn(() => {
      do {
        err = step(items[k]!, k);
        k++;
      } while (k < items.length && err === undefined && performance.now() - start < budgetMs);
    });
  }
  return err;
}
