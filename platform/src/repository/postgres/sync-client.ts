import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

type Answer = { ok: true; rows: unknown[]; rowCount: number } | { ok: false; message: string; code?: string };
type Request =
  | { op: 'query'; text: string; values: unknown[]; rowMode?: 'array' }
  | { op: 'batch'; queries: { text: string; values: unknown[] }[] }
  | { op: 'script'; text: string }
  | { op: 'close' };

/** BYTEA values cross the thread boundary as Uint8Array (structured clone): Buffers again, as SQLite gives BLOBs. */
function asBuffers(row: Record<string, unknown>): void {
  for (const k in row) {
    const v = row[k];
    if (v instanceof Uint8Array && !Buffer.isBuffer(v))
      row[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  }
}

/** A PostgreSQL error as thrown to the repositories (the SQLSTATE in `code`, e.g. 23505 unique violation). */
export class PostgresError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly sql: string,
  ) {
    super(message);
  }
}

/**
 * Synchronous queries over one PostgreSQL connection held by a worker thread: the caller posts the query and
 * blocks on Atomics.wait until the worker has the answer — bounded by `timeoutMs`, after which the client is
 * unusable (the answer may still arrive; it cannot be matched any more).
 */
export class SyncPgClient {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private broken: string | null = null;
  private closed = false;
  private trips = 0;
  private blockedMs = 0;

  constructor(
    url: string,
    private readonly timeoutMs = 30_000,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./worker.mjs', import.meta.url), {
      workerData: { url, port: port2, signal: this.signal, applicationName: `xiang-platform-${process.pid}` },
      transferList: [port2],
      execArgv: [],
    });
    this.worker.unref();
  }

  query(text: string, values: unknown[] = [], rowMode?: 'array'): { rows: unknown[]; rowCount: number } {
    const a = this.call({ op: 'query', text, values, ...(rowMode ? { rowMode } : {}) });
    for (const row of a.rows) asBuffers(row as Record<string, unknown>);
    return { rows: a.rows, rowCount: a.rowCount };
  }

  /** Several statements in ONE round trip through the bridge, in order, stopping at the first error. */
  queries(queries: { text: string; values: unknown[] }[]): { rows: unknown[]; rowCount: number }[] {
    const a = this.call({ op: 'batch', queries }) as unknown as {
      results: { rows: unknown[]; rowCount: number }[];
    };
    for (const r of a.results) for (const row of r.rows) asBuffers(row as Record<string, unknown>);
    return a.results;
  }

  /** Round trips through the bridge so far, and the time the calling thread spent blocked waiting for them. */
  stats(): { roundTrips: number; blockedMs: number } {
    return { roundTrips: this.trips, blockedMs: this.blockedMs };
  }

  /** Several statements without parameters (DDL). */
  script(text: string): void {
    this.call({ op: 'script', text });
  }

  close(): void {
    if (this.closed) return;
    if (!this.broken) {
      try {
        this.call({ op: 'close' });
      } catch {
        // closing anyway
      }
    }
    this.closed = true;
    void this.worker.terminate();
  }

  private call(req: Request): Extract<Answer, { ok: true }> {
    if (this.closed) throw new Error('the PostgreSQL repository is closed');
    if (this.broken) throw new Error(`the PostgreSQL connection is unusable: ${this.broken}`);
    Atomics.store(this.signal, 0, 0);
    this.trips++;
    this.port.postMessage(req);
    const t0 = performance.now();
    const waited = Atomics.wait(this.signal, 0, 0, this.timeoutMs);
    this.blockedMs += performance.now() - t0;
    if (waited === 'timed-out') {
      this.broken = `no answer within ${this.timeoutMs} ms`;
      throw new Error(`PostgreSQL did not answer within ${this.timeoutMs} ms`);
    }
    const got = receiveMessageOnPort(this.port) as { message: Answer } | undefined;
    if (!got) throw new Error('PostgreSQL worker signalled without an answer');
    const a = got.message;
    if (!a.ok)
      throw new PostgresError(
        a.message,
        a.code,
        'text' in req ? req.text : req.op === 'batch' ? req.queries.map((q) => q.text).join('; ') : req.op,
      );
    return a;
  }
}
