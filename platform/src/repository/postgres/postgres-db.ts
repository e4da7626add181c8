import type { Db, RunResult, Statement, Transaction } from '../types.js';
import { serialColumns, translate } from './dialect.js';
import type { SyncPgClient } from './sync-client.js';
import { WriteBehind } from './write-behind.js';

/**
 * Every transaction first takes this transaction-scoped advisory lock. Exclusively by default: writers of all
 * platform instances are serialised exactly as SQLite's `BEGIN IMMEDIATE` serialises the processes sharing a
 * file, so the repositories' read-check-write sequences (births, sessions, parking) keep their meaning across
 * instances. A transaction scoped to keys (`transactionOn`) takes it shared, plus one exclusive lock per key:
 * it waits only for unscoped writers and for writers of the same keys.
 */
const WRITER_LOCK = 0x7869_616e; // "xian"
/** The classid of the per-key locks (the two-int form: a key space apart from WRITER_LOCK's bigint form). */
const KEY_SPACE = 0x7869_616e;

/** FNV-1a, 32 bits, as a signed int4: a key's lock id (a collision only serialises two keys, never less). */
export function keyLockId(key: string): number {
  let h = 0x811c_9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x0100_0193);
  }
  return h | 0;
}

const keyLock = (id: number) => ({ text: 'SELECT pg_advisory_xact_lock($1, $2)', values: [KEY_SPACE, id] });

class PgStatement implements Statement {
  constructor(
    private readonly db: PostgresDb,
    private readonly sql: string,
  ) {}
  run(...params: unknown[]): RunResult {
    return this.db.runStatement(this.sql, params);
  }
  get(...params: unknown[]): unknown {
    return this.db.rows(this.sql, params)[0];
  }
  all(...params: unknown[]): unknown[] {
    return this.db.rows(this.sql, params);
  }
}

/** The repositories' SQL handle over PostgreSQL (see dialect.ts for what is translated). */
export class PostgresDb implements Db {
  private depth = 0;
  private readonly serial = new Map<string, string>();
  private readonly out: WriteBehind;
  /** Key lock ids held by the open transaction (null = it holds WRITER_LOCK exclusively, or none is open). */
  private scoped: Set<number> | null = null;
  /** Time blocked on BEGIN and the transaction's locks (waiting for other writers shows here). */
  private beginMs = 0;

  constructor(private readonly client: SyncPgClient) {
    this.out = new WriteBehind(client);
  }

  prepare(sql: string): Statement {
    return new PgStatement(this, sql);
  }

  exec(sql: string): this {
    for (const [t, c] of serialColumns(sql)) this.serial.set(t, c);
    // DDL of two instances starting together would race on the catalogue: under the writer lock.
    this.transaction(() => {
      this.out.flush();
      this.client.script(translate(sql).text);
    })();
    return this;
  }

  rows(sql: string, params: unknown[]): unknown[] {
    return this.out.send(translate(sql, params)).rows;
  }

  runStatement(sql: string, params: unknown[]): RunResult {
    const t = translate(sql, params);
    const insert = /^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)/i.exec(sql);
    const idColumn = insert ? this.serial.get(insert[1]!.toLowerCase()) : undefined;
    const q =
      idColumn && !/\bRETURNING\b/i.test(t.text) ? { ...t, text: `${t.text} RETURNING ${idColumn}` } : t;
    const result = this.out.write(q, idColumn);
    if (this.depth === 0) this.out.flush(); // autocommit: now; in a transaction: with the next round trip
    return result;
  }

  transaction<T>(fn: () => T): Transaction<T> {
    const run = (): T => this.inTransaction(null, fn);
    return Object.assign(run, { immediate: run, deferred: run, exclusive: run });
  }

  transactionOn<T>(keys: readonly string[], fn: () => T): T {
    return this.inTransaction(keys, fn);
  }

  private inTransaction<T>(keys: readonly string[] | null, fn: () => T): T {
    // Sorted: two transactions taking the same keys take them in the same order (no deadlock between them).
    const ids = keys ? [...new Set(keys.map(keyLockId))].sort((x, y) => x - y) : null;
    const outer = this.depth === 0;
    const savepoint = `sp${this.depth}`;
    if (outer) this.begin(ids);
    else {
      if (this.scoped && !ids)
        throw new Error('a transaction serialising all writers cannot run inside one scoped to keys');
      const more = this.scoped && ids ? ids.filter((id) => !this.scoped!.has(id)) : [];
      this.out.send({ text: `SAVEPOINT ${savepoint}`, values: [] }, ...more.map(keyLock));
      for (const id of more) this.scoped?.add(id);
    }
    this.depth++;
    try {
      const result = fn();
      if (outer)
        this.out.send({ text: 'COMMIT', values: [] }); // the queued writes and COMMIT: one round trip
      else this.out.later(`RELEASE SAVEPOINT ${savepoint}`);
      return result;
    } catch (e) {
      this.out.drop(); // writes after the savepoint (or in the transaction): rolled back unsent
      try {
        this.client.query(outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}`);
      } catch {
        // the connection is gone: the server rolled back
      }
      throw e;
    } finally {
      this.depth--;
      if (outer) this.scoped = null;
    }
  }

  /** BEGIN and the transaction's locks, in one round trip through the bridge. */
  private begin(ids: number[] | null): void {
    const locks = ids
      ? [{ text: 'SELECT pg_advisory_xact_lock_shared($1)', values: [WRITER_LOCK] }, ...ids.map(keyLock)]
      : [{ text: 'SELECT pg_advisory_xact_lock($1)', values: [WRITER_LOCK] }];
    const t0 = this.client.stats().blockedMs;
    try {
      this.out.send({ text: 'BEGIN', values: [] }, ...locks);
      this.beginMs += this.client.stats().blockedMs - t0;
    } catch (e) {
      try {
        this.client.query('ROLLBACK');
      } catch {
        // the connection is gone: nothing is open
      }
      throw e;
    }
    this.scoped = ids ? new Set(ids) : null;
  }

  /** Round trips through the synchronous bridge, the time this thread spent blocked on them, of which on BEGIN and locks. */
  stats(): { roundTrips: number; blockedMs: number; beginMs: number } {
    return { ...this.client.stats(), beginMs: this.beginMs };
  }

  close(): void {
    this.client.close();
  }
}
