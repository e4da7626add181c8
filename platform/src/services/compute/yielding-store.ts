import type { TimeSeriesStore } from '../../store/types.js';
import { nextTurn } from './turns.js';

/**
 * The store as the long readers (diagnosis inputs, grading indicator inputs) use it: the embedded store answers
 * from SQLite synchronously behind its async methods, so a loader's hundreds of awaited reads would otherwise
 * run as one block of seconds during which no request, PUBACK or timer is served. Here, once a reader has
 * held the event loop for `sliceMs` since it last let go, its next read first lets the loop turn: the longest
 * block is about one slice plus one read. (A turn before every read starved the reader instead: under load an
 * autofill of 4 000 reads waited 4 000 turns — 141 s in the load matrix.) The turn is taken in turns with the
 * other long work of the process (turns.ts): one slice per event-loop turn.
 */
export function yieldingStore(store: TimeSeriesStore, sliceMs = 20): TimeSeriesStore {
  let heldSince = performance.now();
  return new Proxy(store, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== 'function') return v;
      // health() and other synchronous members keep their synchronous answer.
      if (!ASYNC_READS.has(key)) return v.bind(target);
      return async (...args: unknown[]) => {
        if (performance.now() - heldSince >= sliceMs) {
          await nextTurn();
          heldSince = performance.now();
        }
        return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

const ASYNC_READS = new Set<PropertyKey>([
  'query',
  'raw',
  'counterIncrease',
  'step',
  'latest',
  'coverage',
  'summaries',
  'listSeries',
  'countPoints',
] satisfies (keyof TimeSeriesStore)[]);
