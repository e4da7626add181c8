import type { Db } from '../registry/db.js';
import type { Alarm, Condition } from './types.js';

/**
 * Alarms in the platform's SQLite file: one row per occurrence (raised → cleared), so the history is the table
 * and the active alarms are the rows without an end. At most one active row per (factory, kind, key).
 */
type Row = Omit<Alarm, 'params'> & { params: string };

export class AlarmRepository {
  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS alarms (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        factoryId TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        deviceId TEXT,
        severity TEXT NOT NULL,
        startMs INTEGER NOT NULL,
        lastSeenMs INTEGER NOT NULL,
        endMs INTEGER,
        value REAL,
        peakValue REAL,
        threshold REAL,
        unit TEXT NOT NULL,
        params TEXT NOT NULL,
        summary TEXT NOT NULL,
        ackAtMs INTEGER,
        ackBy TEXT,
        ackNote TEXT
      );
      CREATE UNIQUE INDEX IF NOT EXISTS alarms_active ON alarms (factoryId, kind, key) WHERE endMs IS NULL;
      CREATE INDEX IF NOT EXISTS alarms_by_start ON alarms (factoryId, startMs);
    `);
  }

  private parse = (r: Row): Alarm => ({ ...r, params: JSON.parse(r.params) });

  active(factoryId: string): Alarm[] {
    return (
      this.db
        .prepare('SELECT * FROM alarms WHERE factoryId = ? AND endMs IS NULL ORDER BY startMs DESC, id DESC')
        .all(factoryId) as Row[]
    ).map(this.parse);
  }

  get(factoryId: string, id: number): Alarm | undefined {
    const r = this.db.prepare('SELECT * FROM alarms WHERE factoryId = ? AND id = ?').get(factoryId, id) as
      | Row
      | undefined;
    return r ? this.parse(r) : undefined;
  }

  /** Alarms that started in [fromMs, toMs) or were still active then, newest first. */
  history(factoryId: string, fromMs: number, toMs: number, limit: number): Alarm[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM alarms WHERE factoryId = ? AND startMs < ? AND (endMs IS NULL OR endMs >= ?)
           ORDER BY startMs DESC, id DESC LIMIT ?`,
        )
        .all(factoryId, toMs, fromMs, limit) as Row[]
    ).map(this.parse);
  }

  raise(factoryId: string, kind: string, c: Condition, atMs: number): Alarm {
    const r = this.db
      .prepare(
        `INSERT INTO alarms (factoryId, kind, key, deviceId, severity, startMs, lastSeenMs, value, peakValue, threshold,
           unit, params, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        factoryId,
        kind,
        c.key,
        c.deviceId,
        c.severity,
        atMs,
        atMs,
        c.value,
        c.value,
        c.threshold,
        c.unit,
        JSON.stringify(c.params),
        c.summary,
      );
    return this.get(factoryId, Number(r.lastInsertRowid))!;
  }

  update(a: Alarm, c: Condition, atMs: number): Alarm {
    const peak = c.value === null ? a.peakValue : Math.max(a.peakValue ?? c.value, c.value);
    this.db
      .prepare(
        `UPDATE alarms SET severity = ?, lastSeenMs = ?, value = ?, peakValue = ?, threshold = ?, params = ?,
           summary = ? WHERE id = ?`,
      )
      .run(c.severity, atMs, c.value, peak, c.threshold, JSON.stringify(c.params), c.summary, a.id);
    return this.get(a.factoryId, a.id)!;
  }

  clear(a: Alarm, atMs: number): Alarm {
    this.db.prepare('UPDATE alarms SET endMs = ? WHERE id = ? AND endMs IS NULL').run(atMs, a.id);
    return this.get(a.factoryId, a.id)!;
  }

  acknowledge(a: Alarm, by: string, note: string | null, atMs: number): Alarm {
    this.db
      .prepare('UPDATE alarms SET ackAtMs = ?, ackBy = ?, ackNote = ? WHERE id = ?')
      .run(atMs, by, note, a.id);
    return this.get(a.factoryId, a.id)!;
  }
}
