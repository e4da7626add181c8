import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Repository } from '../types.js';

/**
 * Opens the platform's SQLite file (registry, ingest state, dead letters, tokens, diagnosis runs). WAL lets the
 * API read while ingest writes, and lets two platform processes on one host share the file (shared-subscription
 * scale-out on one host): a birth handled by one instance is visible to the other at its next read.
 * synchronous=NORMAL (durability `process`, the default) in WAL mode is durable against process crashes (an OS
 * crash or power cut may lose the last commits); FULL (durability `power`) fsyncs the WAL at every commit.
 */
export function openSqliteFile(file: string, synchronous: 'normal' | 'full' = 'normal'): Database.Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  // Another instance may hold the write lock for a moment; wait instead of failing.
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  return db;
}

/** The embedded repository (`repository: { kind: sqlite }`, the default): platform.db in the data dir. */
export function openSqliteRepository(opts: { file: string; synchronous?: 'normal' | 'full' }): Repository {
  const db = openSqliteFile(opts.file, opts.synchronous);
  return { kind: 'sqlite', where: opts.file, db, close: () => db.close() };
}
