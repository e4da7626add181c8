import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Opens the platform's SQLite file (registry, ingest state, dead letters, tokens). WAL lets the API read
 * while ingest writes, and lets two platform processes on one host share the file (shared-subscription
 * scale-out): a birth handled by one instance is visible to the other at its next read.
 * synchronous=NORMAL (durability `process`, the default) in WAL mode is durable against process crashes (an OS
 * crash or power cut may lose the last commits); FULL (durability `power`) fsyncs the WAL at every commit.
 */
export function openPlatformDb(file: string, synchronous: 'normal' | 'full' = 'normal'): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  // Another instance may hold the write lock for a moment; wait instead of failing.
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  return db;
}

/** Runs `BEGIN IMMEDIATE` transactions so that read-check-write sequences are atomic across processes. */
export function immediate<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}
