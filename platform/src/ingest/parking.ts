import type { Db } from '../registry/db.js';

/**
 * Data of a session whose birth the platform has not seen (or points whose metric a missing birth may
 * declare), kept durably until that birth arrives.
 */
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

export type ParkingBounds = {
  maxMessages: number;
  maxBytesPerAgent: number;
  maxBytesPerFactory: number;
};

/**
 * The parking lot, bounded by message count (all agents) and by bytes per agent and per factory. A batch
 * that does not fit is refused before it is stored — the caller dead-letters it with a counted reason — so a
 * flood on one agent's topic can neither grow the lot nor push out what other agents parked earlier.
 */
export class ParkingLot {
  constructor(
    private readonly db: Db,
    private readonly bounds: ParkingBounds,
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
    const cols = (db.prepare('PRAGMA table_info(ingest_parked)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    if (!cols.includes('bytes')) {
      db.exec('ALTER TABLE ingest_parked ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0');
      db.exec('UPDATE ingest_parked SET bytes = length(points)');
    }
    db.exec(
      'CREATE INDEX IF NOT EXISTS parked_by_session ON ingest_parked (factoryId, agentId, sessionId, seq)',
    );
  }

  /**
   * Parks a batch if it fits every bound; call inside a transaction. Returns null when parked, else why not.
   */
  park(b: Omit<ParkedBatch, 'id'>): string | null {
    const points = JSON.stringify(b.points);
    const bytes = Buffer.byteLength(points);
    const why = this.wontFit(b.factoryId, b.agentId, bytes);
    if (why) return why;
    this.db
      .prepare(
        `INSERT INTO ingest_parked (factoryId, agentId, sessionId, seq, historical, topic, points, receivedAtMs, bytes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        b.factoryId,
        b.agentId,
        b.sessionId,
        b.seq,
        b.historical ? 1 : 0,
        b.topic,
        points,
        b.receivedAtMs,
        bytes,
      );
    return null;
  }

  private wontFit(f: string, a: string, bytes: number): string | null {
    const { maxMessages, maxBytesPerAgent, maxBytesPerFactory } = this.bounds;
    if (this.count() + 1 > maxMessages) return `the parking lot holds its limit of ${maxMessages} batches`;
    const agent = this.bytes(f, a);
    if (agent + bytes > maxBytesPerAgent)
      return `agent ${f}/${a} has ${agent} bytes parked; ${bytes} more exceed its limit of ${maxBytesPerAgent}`;
    const factory = this.bytes(f);
    if (factory + bytes > maxBytesPerFactory)
      return `factory ${f} has ${factory} bytes parked; ${bytes} more exceed its limit of ${maxBytesPerFactory}`;
    return null;
  }

  /** Was this exact message (session, seq) parked already? (a QoS 1 redelivery of a parked batch) */
  has(f: string, a: string, sessionId: string, seq: number): boolean {
    return (
      this.db
        .prepare(
          'SELECT 1 FROM ingest_parked WHERE factoryId = ? AND agentId = ? AND sessionId = ? AND seq = ?',
        )
        .get(f, a, sessionId, seq) !== undefined
    );
  }

  /** Seqs parked for one session (they arrived before any birth of it). */
  seqsOf(f: string, a: string, sessionId: string): number[] {
    return (
      this.db
        .prepare('SELECT seq FROM ingest_parked WHERE factoryId = ? AND agentId = ? AND sessionId = ?')
        .all(f, a, sessionId) as { seq: number }[]
    ).map((r) => r.seq);
  }

  /** When the parked batches of one session arrived (platform time). */
  receivedAt(f: string, a: string, sessionId: string): number[] {
    return (
      this.db
        .prepare(
          'SELECT MIN(receivedAtMs) AS t FROM ingest_parked WHERE factoryId = ? AND agentId = ? AND sessionId = ?',
        )
        .all(f, a, sessionId) as { t: number | null }[]
    ).flatMap((r) => (r.t === null ? [] : [r.t]));
  }

  /** The agent's parked batches with id > afterId, oldest first. */
  forAgent(factoryId: string, agentId: string, limit = 100, afterId = 0): ParkedBatch[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM ingest_parked WHERE factoryId = ? AND agentId = ? AND id > ? ORDER BY id LIMIT ?',
      )
      .all(factoryId, agentId, afterId, limit) as Row[];
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

  /** Parked bytes of one agent, one factory, or all. */
  bytes(factoryId?: string, agentId?: string): number {
    const r = (
      factoryId === undefined
        ? this.db.prepare('SELECT COALESCE(SUM(bytes), 0) AS n FROM ingest_parked').get()
        : agentId === undefined
          ? this.db
              .prepare('SELECT COALESCE(SUM(bytes), 0) AS n FROM ingest_parked WHERE factoryId = ?')
              .get(factoryId)
          : this.db
              .prepare(
                'SELECT COALESCE(SUM(bytes), 0) AS n FROM ingest_parked WHERE factoryId = ? AND agentId = ?',
              )
              .get(factoryId, agentId)
    ) as { n: number };
    return r.n;
  }
}

function toBatch(r: Row): ParkedBatch {
  return {
    id: r.id,
    factoryId: r.factoryId,
    agentId: r.agentId,
    sessionId: r.sessionId,
    seq: r.seq,
    historical: r.historical === 1,
    topic: r.topic,
    points: JSON.parse(r.points) as unknown[],
    receivedAtMs: r.receivedAtMs,
  };
}
