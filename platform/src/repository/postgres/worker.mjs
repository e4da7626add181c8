// @ts-check
// The PostgreSQL connection of one platform process, in a worker thread so that the main thread can wait for
// an answer synchronously (Atomics.wait) — the repositories' contract is synchronous, like better-sqlite3's.
// Plain JS so that it loads in any runtime (node, tsx, vitest workers) without a TypeScript loader.
import { workerData } from 'node:worker_threads';
import pg from 'pg';

// BIGINT (int8) and NUMERIC (sums) as JS numbers, like SQLite's INTEGER: ids, counts and epoch ms fit in 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/** @type {{ url: string; port: MessagePort; signal: Int32Array; applicationName: string }} */
const { url, port, signal, applicationName } = workerData;

/** @type {pg.Client | null} */
let client = null;
const prepared = new Map();

async function connection() {
  if (client) return client;
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  // A broken connection is dropped; the next query opens a new one (its session locks are gone with it).
  c.on('error', () => {
    if (client === c) client = null;
  });
  await c.connect();
  prepared.clear();
  client = c;
  return c;
}

/** Named (server-side prepared) statements for repeated text: parse and plan once per connection. */
function queryConfig(text, values) {
  let name = prepared.get(text);
  if (name === undefined && prepared.size < 2000) {
    name = `q${prepared.size}`;
    prepared.set(text, name);
  }
  return name === undefined ? { text, values } : { name, text, values };
}

async function run(msg) {
  if (msg.op === 'close') {
    const c = client;
    client = null;
    await c?.end().catch(() => {});
    return { ok: true };
  }
  const c = await connection();
  if (msg.op === 'script') {
    await c.query(msg.text);
    return { ok: true, rows: [], rowCount: 0 };
  }
  if (msg.op === 'batch') {
    // Several statements in one round trip over the bridge (e.g. BEGIN and the transaction's locks): run in
    // order, stopping at the first error; the answer holds each statement's rows and count.
    const results = [];
    for (const q of msg.queries) {
      const r = await c.query(queryConfig(q.text, q.values));
      results.push({ rows: r.rows ?? [], rowCount: r.rowCount ?? 0 });
    }
    return { ok: true, rows: [], rowCount: 0, results };
  }
  const r = await c.query({ ...queryConfig(msg.text, msg.values), rowMode: msg.rowMode });
  return { ok: true, rows: r.rows ?? [], rowCount: r.rowCount ?? 0 };
}

port.on('message', async (msg) => {
  let answer;
  try {
    answer = await run(msg);
  } catch (e) {
    const err = /** @type {{ message?: string; code?: string; detail?: string }} */ (e);
    if (client && !(err && typeof err.code === 'string' && err.code.length === 5)) {
      // Not a server error (socket, protocol): start over with a fresh connection next time.
      const c = client;
      client = null;
      c.end().catch(() => {});
    }
    answer = { ok: false, message: String(err?.message ?? e), code: err?.code, detail: err?.detail };
  }
  port.postMessage(answer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
