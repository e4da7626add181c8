import type Database from 'better-sqlite3';
import { openSqliteFile } from '../repository/sqlite/index.js';
import type { Db } from '../repository/types.js';

export type { Db } from '../repository/types.js';

/** The embedded SQLite file (tests, CLI commands on a data dir); the platform opens its repository from config. */
export function openPlatformDb(file: string, synchronous: 'normal' | 'full' = 'normal'): Database.Database {
  return openSqliteFile(file, synchronous);
}

/** Runs `BEGIN IMMEDIATE` transactions so that read-check-write sequences are atomic across processes. */
export function immediate<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}
