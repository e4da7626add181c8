import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { nextTurn } from '../services/compute/turns.js';

/**
 * Large JSON answers (raw points, step segments, a whole factory's latest values) written as a stream:
 * about TURN_BUDGET_MS of serialization per event-loop turn, read by the socket as it drains. Built in one piece —
 * zod's encode of every item, then one JSON.stringify — a 200 000-point answer held the loop for the whole
 * of it and every other request waited (issue 14: 0.4–0.9 s p99 of raw/step/latest under the load matrix).
 * The shape is the route's response schema (OpenAPI still documents it); the items are mapped to exactly its
 * fields here, so nothing else leaks. A store error after the first byte can only cut the answer short
 * (the client sees an incomplete body and a closed connection): every check that can refuse a request runs
 * before the stream starts.
 */
export const SLICE = 500;
/** CPU a stream may hold the event loop for before it lets other requests in (then it waits its turn: turns.ts). */
export const TURN_BUDGET_MS = 10;

/**
 * `[item,item,…]` of `items`, mapped by `view`: a chunk per SLICE items; after TURN_BUDGET_MS of work an
 * event-loop turn. Turning after every slice instead made a 200 000-point answer wait 100 turns of a busy
 * loop (10 s under the load matrix) for no gain to the others.
 */
async function* arrayChunks<T>(items: readonly T[], view: (t: T) => unknown): AsyncGenerator<string> {
  yield '[';
  let since = performance.now();
  for (let i = 0; i < items.length; i += SLICE) {
    const part: string[] = [];
    for (let j = i; j < Math.min(items.length, i + SLICE); j++)
      part.push(JSON.stringify(view(items[j] as T)));
    yield (i > 0 ? ',' : '') + part.join(',');
    if (performance.now() - since >= TURN_BUDGET_MS) {
      await nextTurn();
      since = performance.now();
    }
  }
  yield ']';
}

/** An object whose last field is an array: `{"deviceId":…,"metric":…,"points":[…]}`. */
async function* objectWithArray<T>(
  head: Record<string, unknown>,
  key: string,
  items: readonly T[],
  view: (t: T) => unknown,
): AsyncGenerator<string> {
  const h = JSON.stringify(head);
  yield `${h.slice(0, -1)}${h.length > 2 ? ',' : ''}${JSON.stringify(key)}:`;
  yield* arrayChunks(items, view);
  yield '}';
}

export type SeriesPart<T> = { head: Record<string, unknown>; items: readonly T[] };

/**
 * `{"series":[{...head, <key>: [items]}, …]}`. `parts` may be lazy (an async generator that reads the store
 * series by series): the next series is read only when the socket has taken the previous one.
 */
export function sendSeries<T>(
  reply: FastifyReply,
  key: string,
  parts: AsyncIterable<SeriesPart<T>> | Iterable<SeriesPart<T>>,
  view: (t: T) => unknown,
): FastifyReply {
  async function* body(): AsyncGenerator<string> {
    yield '{"series":[';
    let first = true;
    for await (const p of parts) {
      if (!first) yield ',';
      first = false;
      yield* objectWithArray(p.head, key, p.items, view);
    }
    yield ']}';
  }
  return send(reply, body());
}

/** `[item, …]` of `items`, mapped by `view`. */
export function sendArray<T>(
  reply: FastifyReply,
  items: readonly T[],
  view: (t: T) => unknown,
): FastifyReply {
  return send(reply, arrayChunks(items, view));
}

function send(reply: FastifyReply, chunks: AsyncGenerator<string>): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(Readable.from(chunks, { objectMode: false }));
}
