import type { Db } from './db.js';

/**
 * Registry tables. Device facts are kept twice: as reported by the latest birth (columns of `devices`) and
 * as entered by a person (`device_overrides`, JSON) — the effective device is the overlay, so a later birth
 * never erases what a person said.
 */
export function migrateRegistry(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS factories (
      id TEXT PRIMARY KEY,
      profile TEXT NOT NULL,
      createdAtMs INTEGER NOT NULL,
      updatedAtMs INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS agents (
      factoryId TEXT NOT NULL,
      agentId TEXT NOT NULL,
      currentSessionId TEXT,
      birthAtMs INTEGER,
      version TEXT,
      hostname TEXT,
      online INTEGER NOT NULL DEFAULT 0,
      lastMessageAtMs INTEGER,
      PRIMARY KEY (factoryId, agentId)
    );
    CREATE TABLE IF NOT EXISTS assets (
      factoryId TEXT NOT NULL,
      path TEXT NOT NULL,
      level TEXT NOT NULL,
      name TEXT,
      declared INTEGER NOT NULL,
      PRIMARY KEY (factoryId, path)
    );
    CREATE TABLE IF NOT EXISTS devices (
      factoryId TEXT NOT NULL,
      id TEXT NOT NULL,
      agentId TEXT NOT NULL,
      kind TEXT NOT NULL,
      assetPath TEXT NOT NULL,
      name TEXT,
      medium TEXT,
      meterRole TEXT,
      parentMeter TEXT,
      ratedPowerKw REAL,
      source TEXT,
      online INTEGER NOT NULL,
      onlineSinceMs INTEGER,
      onlineReason TEXT,
      firstSeenMs INTEGER NOT NULL,
      lastSeenMs INTEGER,
      PRIMARY KEY (factoryId, id)
    );
    CREATE TABLE IF NOT EXISTS device_overrides (
      factoryId TEXT NOT NULL,
      deviceId TEXT NOT NULL,
      fields TEXT NOT NULL,
      updatedAtMs INTEGER NOT NULL,
      PRIMARY KEY (factoryId, deviceId)
    );
    CREATE TABLE IF NOT EXISTS metrics (
      factoryId TEXT NOT NULL,
      agentId TEXT NOT NULL,
      i INTEGER NOT NULL,
      deviceId TEXT NOT NULL,
      key TEXT NOT NULL,
      def TEXT NOT NULL,
      updatedAtMs INTEGER NOT NULL,
      PRIMARY KEY (factoryId, agentId, i)
    );
    CREATE INDEX IF NOT EXISTS metrics_by_device ON metrics (factoryId, deviceId);
    CREATE TABLE IF NOT EXISTS line_settings (
      factoryId TEXT NOT NULL,
      path TEXT NOT NULL,
      settings TEXT NOT NULL,
      PRIMARY KEY (factoryId, path)
    );
    CREATE TABLE IF NOT EXISTS online_history (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      factoryId TEXT NOT NULL,
      deviceId TEXT NOT NULL,
      atMs INTEGER NOT NULL,
      online INTEGER NOT NULL,
      reason TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS online_history_by_device ON online_history (factoryId, deviceId, atMs);
    CREATE INDEX IF NOT EXISTS online_history_by_time ON online_history (factoryId, atMs);
  `);
  // Added with equipment metadata (issue 9): declared equipment and measured devices as reported by births.
  const cols = new Set(
    (db.prepare('PRAGMA table_info(devices)').all() as { name: string }[]).map((c) => c.name),
  );
  if (!cols.has('equipment')) db.exec('ALTER TABLE devices ADD COLUMN equipment TEXT');
  if (!cols.has('measures')) db.exec('ALTER TABLE devices ADD COLUMN measures TEXT');
}
