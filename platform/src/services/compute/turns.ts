/**
 * One slice of long work per event-loop turn, for the whole process. Long readers (diagnosis and grading inputs
 * on the embedded store, yielding-store.ts) and streamed answers (api/json-stream.ts) hold the loop for a budget,
 * then wait here for their next turn. Each waiter is let go in its own turn, in arrival order: a loop iteration
 * serves the requests that arrived plus one slice of long work. When every waiter resumed in the same turn
 * (`setImmediate` each), a turn ran the slices of all of them — four long readers of 20–300 ms each — and a
 * health check that needs a few turns waited 1.2 s behind them on a quiet machine (load matrix, issue 14);
 * here it waits one slice per turn. The long work loses nothing: the same slices run, one after another.
 */
const waiting: (() => void)[] = [];
let scheduled = false;

function letNextGo(): void {
  scheduled = false;
  const next = waiting.shift();
  if (!next) return;
  next();
  // The next waiter goes in the next turn (an immediate set now runs after the loop has polled again).
  schedule();
}

function schedule(): void {
  if (scheduled || waiting.length === 0) return;
  scheduled = true;
  setImmediate(letNextGo);
}

/** Resolves in a later event-loop turn, after those who asked before (at most one is let go per turn). */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}

/** How many wait for a turn (for tests and /metrics). */
export function turnsWaiting(): number {
  return waiting.length;
}
