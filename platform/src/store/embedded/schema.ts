import type Database from 'better-sqlite3';
import { HOUR_MS } from '../engine/align.js';

export const EMBEDDED_SCHEMA_VERSION = 3;

/**
 * Compact layout: a series dictionary, then points keyed by (series_id, ts) WITHOUT ROWID — the primary key
 * is the table, so a point costs ~25 bytes and INSERT OR REPLACE on the key gives exactly-once.
 * Rollups are packed pages (rollup/pack.ts): rollup_1h holds one page per series and UTC day with its
 * hour summaries, rollup_15m one page per series and UTC day with its quarter-hour summaries in the compact
 * form (rollup/compact.ts), rollup_1m one page per series and hour with its minute summaries; the rowid is
 * series_id·2^22 + day or hour number, so a series' pages are one contiguous rowid range.
 * rollup_dirty lists the hours whose rollups must be recomputed, written in the same transaction as the
 * points so a crash cannot lose one.
 * staging is the write journal: write() appends there (rowid order = arrival order, so a commit touches only
 * the table's tail pages) and a merge moves staged points into `points` in large, key-sorted transactions.
 * Interleaved series scatter a small write over one B-tree leaf per series; staging turns many small
 * commits (one per MQTT message) into few large ones without weakening durability.
 */
export const EMBEDDED_DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  factory TEXT NOT NULL,
  device TEXT NOT NULL,
  metric TEXT NOT NULL,
  UNIQUE (factory, device, metric)
);
CREATE TABLE IF NOT EXISTS points (
  series_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  value REAL,
  status INTEGER NOT NULL,
  text TEXT,
  PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_1m (page INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rollup_15m (page INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rollup_1h (page INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS staging (
  seq INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  value REAL,
  status INTEGER NOT NULL,
  text TEXT
);
CREATE TABLE IF NOT EXISTS rollup_dirty (
  series_id INTEGER NOT NULL,
  hour INTEGER NOT NULL,
  PRIMARY KEY (series_id, hour)
) WITHOUT ROWID;
`;

/** Page rowid: series_id·2^22 + page number (2^22 hours reach past the year 2400). */
export const PAGE_SLOTS = 4_194_304;

export type Synchronous = 'normal' | 'full';

export function openSchema(db: Database.Database, synchronous: Synchronous): void {
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash (every commit is in the WAL); FULL also survives power loss.
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  db.pragma('mmap_size = 1073741824');
  db.pragma('busy_timeout = 5000');
  // A larger WAL between checkpoints: interleaved series touch many pages per commit (measured +40 % inserts/s).
  db.pragma('wal_autocheckpoint = 10000');
  db.exec(EMBEDDED_DDL);
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
    | { value: string }
    | undefined;
  if (!row) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(
      String(EMBEDDED_SCHEMA_VERSION),
    );
  } else if (Number(row.value) === 1 || Number(row.value) === 2) {
    rebuildRollups(db);
  } else if (Number(row.value) !== EMBEDDED_SCHEMA_VERSION) {
    throw new Error(
      `time-series file has schema version ${row.value}, this platform expects ${EMBEDDED_SCHEMA_VERSION}`,
    );
  }
}

/**
 * Version 1 had no 15-min tier; version 2 had rollup pages of format 1 (14 fields per bucket, without the
 * time-weighted and flat-run fields of rollup/pack.ts format 2). Their pages are dropped and every stored hour
 * is marked dirty, so its rollups (all tiers) are rebuilt — in the background, on flush(), or right before a
 * query reads that hour. Dropping first matters: a partly rebuilt day page keeps its other hours from the
 * stored page, which must never be an old-format one; and a query never mistakes a missing page for missing
 * data, since every hour with points is dirty until rebuilt. One scan of the points table, once.
 */
function rebuildRollups(db: Database.Database): void {
  db.transaction(() => {
    db.exec('DELETE FROM rollup_1m; DELETE FROM rollup_15m; DELETE FROM rollup_1h;');
    db.exec(
      `INSERT OR IGNORE INTO rollup_dirty (series_id, hour)
       SELECT DISTINCT series_id, ts - ts % ${HOUR_MS} FROM points`,
    );
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(EMBEDDED_SCHEMA_VERSION));
  })();
}
