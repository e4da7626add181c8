import type { Db } from '../registry/db.js';

/** Points the platform cannot decode yet (their agent's birth has not arrived), kept durably until it does. */
export type ParkedBatch = {
  id: number;
  factoryId: string;
  agentId: string;
  sessionId: string;
  seq: number;
  historical: boolean;
  topic: string;
  points: unknown[];
  receivedAtMs: number;
};

type Row = Omit<ParkedBatch, 'points' | 'historical'> & { points: string; historical: number };

/**
 * The parking lot, bounded by `maxMessages`: when full, the oldest parked batch is handed back to the caller
 * (who dead-letters it with a counted reason) — never dropped silently.
 */
export class ParkingLot {
  constructor(
    private readonly db: Db,
    private readonly maxMessages: number,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS ingest_parked (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      factoryId TEXT NOT NULL,
      agentId TEXT NOT NULL,
      sessionId TEXT NOT NULL,
      seq INTEGER NOT NULL,
      historical INTEGER NOT NULL,
      topic TEXT NOT NULL,
      points TEXT NOT NULL,
      receivedAtMs INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS parked_by_agent ON ingest_parked (factoryId, agentId, id);`);
  }

  /** Parks a batch; call inside a transaction. Returns the batches pushed out to stay within the bound. */
  park(b: Omit<ParkedBatch, 'id'>): ParkedBatch[] {
    this.db
      .prepare(
        `INSERT INTO ingest_parked (factoryId, agentId, sessionId, seq, historical, topic, points, receivedAtMs)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        b.factoryId,
        b.agentId,
        b.sessionId,
        b.seq,
        b.historical ? 1 : 0,
        b.topic,
        JSON.stringify(b.points),
        b.receivedAtMs,
      );
    const over = this.count() - this.maxMessages;
    if (over <= 0) return [];
    const evicted = (
      this.db.prepare('SELECT * FROM ingest_parked ORDER BY id LIMIT ?').all(over) as Row[]
    ).map(toBatch);
    const del = this.db.prepare('DELETE FROM ingest_parked WHERE id = ?');
    for (const e of evicted) del.run(e.id);
    return evicted;
  }

  forAgent(factoryId: string, agentId: string, limit = 100): ParkedBatch[] {
    const rows = this.db
      .prepare('SELECT * FROM ingest_parked WHERE factoryId = ? AND agentId = ? ORDER BY id LIMIT ?')
      .all(factoryId, agentId, limit) as Row[];
    return rows.map(toBatch);
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM ingest_parked WHERE id = ?').run(id).changes > 0;
  }

  count(factoryId?: string, agentId?: string): number {
    const r = (
      factoryId === undefined
        ? this.db.prepare('SELECT COUNT(*) AS n FROM ingest_parked').get()
        : this.db
            .prepare('SELECT COUNT(*) AS n FROM ingest_parked WHERE factoryId = ? AND agentId = ?')
            .get(factoryId, agentId)
    ) as { n: number };
    return r.n;
  }
}

function toBatch(r: Row): ParkedBatch {
  return { ...r, historical: r.historical === 1, points: JSON.parse(r.points) as unknown[] };
}
