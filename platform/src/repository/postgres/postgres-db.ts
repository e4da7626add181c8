import type { Db, RunResult, Statement, Transaction } from '../types.js';
import { serialColumns, translate } from './dialect.js';
import type { SyncPgClient } from './sync-client.js';

/**
 * Every transaction first takes this transaction-scoped advisory lock: writers of all platform instances are
 * serialised exactly as SQLite's `BEGIN IMMEDIATE` serialises the processes sharing a file, so the
 * repositories' read-check-write sequences (births, sessions, parking) keep their meaning across instances.
 */
const WRITER_LOCK = 0x7869_616e; // "xian"

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

  constructor(private readonly client: SyncPgClient) {}

  prepare(sql: string): Statement {
    return new PgStatement(this, sql);
  }

  exec(sql: string): this {
    for (const [t, c] of serialColumns(sql)) this.serial.set(t, c);
    // DDL of two instances starting together would race on the catalogue: under the writer lock.
    this.transaction(() => this.client.script(translate(sql).text))();
    return this;
  }

  rows(sql: string, params: unknown[]): unknown[] {
    const t = translate(sql, params);
    return this.client.query(t.text, t.values).rows;
  }

  runStatement(sql: string, params: unknown[]): RunResult {
    const t = translate(sql, params);
    const insert = /^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)/i.exec(sql);
    const idColumn = insert ? this.serial.get(insert[1]!.toLowerCase()) : undefined;
    if (idColumn && !/\bRETURNING\b/i.test(t.text)) {
      const r = this.client.query(`${t.text} RETURNING ${idColumn}`, t.values);
      const row = r.rows[0] as Record<string, number> | undefined;
      return { changes: r.rowCount, lastInsertRowid: row?.[idColumn] ?? 0 };
    }
    const r = this.client.query(t.text, t.values);
    return { changes: r.rowCount, lastInsertRowid: 0 };
  }

  transaction<T>(fn: () => T): Transaction<T> {
    const run = (): T => {
      const outer = this.depth === 0;
      const savepoint = `sp${this.depth}`;
      if (outer) {
        this.client.query('BEGIN');
        try {
          this.client.query('SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK]);
        } catch (e) {
          this.client.query('ROLLBACK');
          throw e;
        }
      } else this.client.query(`SAVEPOINT ${savepoint}`);
      this.depth++;
      try {
        const result = fn();
        this.depth--;
        this.client.query(outer ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (e) {
        this.depth--;
        try {
          this.client.query(outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}`);
        } catch {
          // the connection is gone: the server rolled back
        }
        throw e;
      }
    };
    return Object.assign(run, { immediate: run, deferred: run, exclusive: run });
  }

  close(): void {
    this.client.close();
  }
}
