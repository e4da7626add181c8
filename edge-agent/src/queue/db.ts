import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * The agent's one SQLite file (<dataDir>/agent.db, WAL): the store-and-forward queue, the per-metric
 * taken-in/dropped counters and the metric index table. One file so a batch and its counters commit together.
 */
export function openAgentDb(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'agent.db'));
  db.pragma('journal_mode = WAL');
  // FULL: a batch reported as queued survives power loss, not only a process crash.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS batches (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      created_ms INTEGER NOT NULL,
      point_count INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      payload TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS metric_counts (
      idx INTEGER PRIMARY KEY,
      taken_in INTEGER NOT NULL DEFAULT 0,
      dropped INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS metrics (
      name TEXT PRIMARY KEY,
      idx INTEGER NOT NULL UNIQUE,
      meta TEXT NOT NULL,
      first_seen_ms INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
  `);
  return db;
}
