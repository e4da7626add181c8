import { setImmediate as turn } from 'node:timers/promises';
import type { TimeSeriesStore } from '../../store/types.js';

/**
 * The store as the long readers (diagnosis inputs, grading indicator inputs) use it: each call first lets the
 * event loop turn. The embedded store answers from SQLite synchronously behind its async methods, so a
 * loader's hundreds of awaited reads would otherwise run as one block of seconds during which no request,
 * PUBACK or timer is served; with a turn before each read the longest block is one read.
 */
export function yieldingStore(store: TimeSeriesStore): TimeSeriesStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== 'function') return v;
      // health() and other synchronous members keep their synchronous answer.
      if (!ASYNC_READS.has(key)) return v.bind(target);
      return async (...args: unknown[]) => {
        await turn();
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
