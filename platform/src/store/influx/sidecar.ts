import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SeriesKey } from '../types.js';

/** Line protocol: text (entries journaled before bodies were built as bytes) or UTF-8 bytes. */
export type LineBody = string | Buffer;
export type BacklogEntry = {
  seq: number;
  points: number;
  minWriteSeq: number;
  maxWriteSeq: number;
  body: LineBody;
};
export type DirtyHour = { key: SeriesKey; hourMs: number; writeSeq: number };
type BacklogHead = Omit<BacklogEntry, 'body'>;

/**
 * Bodies appended by this process are kept in memory, up to this many characters, until drained: the drainer
 * then ships them without reading them back from SQLite (on the ingest hot path that read-back cost as much
 * as the append). The file stays the durable copy; what does not fit, or was appended before a restart, is read.
 */
const MAX_CACHED_BODY_CHARS = 64 * 2 ** 20;

/**
 * The InfluxDB store's local, durable state in one SQLite file in the data dir:
 *  - backlog: line-protocol batches accepted while InfluxDB was unreachable, drained oldest first;
 *  - dirty: (series, hour) whose rollups must be recomputed, with the sequence number of the latest
 *    write() that touched it, so an hour is only recomputed once that write has reached InfluxDB.
 * Write sequence numbers continue after a restart from the largest one still referenced here.
 */
export class Sidecar {
  private readonly db: Database.Database;
  private readonly s;
  private backlogPointCount: number;
  private dirtyCount: number;
  private readonly bodies = new Map<number, LineBody>();
  private cachedChars = 0;

  constructor(file: string, synchronous: 'normal' | 'full' = 'normal') {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL (WAL) survives a process crash, FULL also a power loss — as for the embedded store.
    this.db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS backlog (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, points INTEGER NOT NULL,
        min_write_seq INTEGER NOT NULL, max_write_seq INTEGER NOT NULL, body TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS dirty (
        factory TEXT NOT NULL, device TEXT NOT NULL, metric TEXT NOT NULL, hour INTEGER NOT NULL,
        write_seq INTEGER NOT NULL, PRIMARY KEY (factory, device, metric, hour)
      ) WITHOUT ROWID;
    `);
    const db = this.db;
    this.s = {
      maxSeq: db
        .prepare(
          'SELECT max(coalesce((SELECT max(write_seq) FROM dirty), 0), coalesce((SELECT max(max_write_seq) FROM backlog), 0))',
        )
        .pluck(),
      append: db.prepare(
        'INSERT INTO backlog (points, min_write_seq, max_write_seq, body) VALUES (?, ?, ?, ?)',
      ),
      oldest: db.prepare(
        'SELECT seq, points, min_write_seq AS minWriteSeq, max_write_seq AS maxWriteSeq FROM backlog ORDER BY seq LIMIT 1',
      ),
      body: db.prepare('SELECT body FROM backlog WHERE seq = ?').pluck(),
      remove: db.prepare('DELETE FROM backlog WHERE seq = ?'),
      run: db.prepare(
        'SELECT seq, points, min_write_seq AS minWriteSeq, max_write_seq AS maxWriteSeq FROM backlog ORDER BY seq LIMIT ?',
      ),
      backlogPoints: db.prepare('SELECT coalesce(sum(points), 0) FROM backlog').pluck(),
      insertMark: db.prepare(
        'INSERT OR IGNORE INTO dirty (factory, device, metric, hour, write_seq) VALUES (?, ?, ?, ?, ?)',
      ),
      raiseMark: db.prepare(
        'UPDATE dirty SET write_seq = max(write_seq, ?) WHERE factory = ? AND device = ? AND metric = ? AND hour = ?',
      ),
      dirtyCount: db.prepare('SELECT count(*) FROM dirty').pluck(),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      dirtyLanded: db
        .prepare(
          'SELECT factory, device, metric, hour, write_seq FROM dirty WHERE write_seq <= ? ORDER BY factory, device, metric, hour LIMIT ?',
        )
        .raw(true),
      dirtyOf: db
        .prepare(
          'SELECT factory, device, metric, hour, write_seq FROM dirty WHERE factory = ? AND device = ? AND metric = ? AND hour >= ? AND hour < ? ORDER BY hour',
        )
        .raw(true),
      clear: db.prepare(
        'DELETE FROM dirty WHERE factory = ? AND device = ? AND metric = ? AND hour = ? AND write_seq = ?',
      ),
    };
    this.backlogPointCount = this.s.backlogPoints.get() as number;
    this.dirtyCount = this.s.dirtyCount.get() as number;
  }

  get backlogPoints(): number {
    return this.backlogPointCount;
  }

  get dirtyHours(): number {
    return this.dirtyCount;
  }

  meta(key: string): string | undefined {
    return this.s.getMeta.get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }

  /** The largest write sequence number still referenced (0 when none): new ones must be larger. */
  maxWriteSeq(): number {
    return this.s.maxSeq.get() as number;
  }

  /**
   * Journals a body (bytes are kept as a BLOB, text as TEXT; both read back as written) and, in the same
   * transaction, the write's dirty marks: a crash keeps both or neither.
   */
  appendBacklog(
    body: LineBody,
    points: number,
    minWriteSeq: number,
    maxWriteSeq: number,
    marks?: readonly [SeriesKey, number][],
  ): void {
    const seq = this.db.transaction(() => {
      if (marks) this.insertMarks(marks, maxWriteSeq);
      return Number(this.s.append.run(points, minWriteSeq, maxWriteSeq, body).lastInsertRowid);
    })();
    this.backlogPointCount += points;
    if (this.cachedChars + body.length <= MAX_CACHED_BODY_CHARS) {
      this.bodies.set(seq, body);
      this.cachedChars += body.length;
    }
  }

  /** The oldest entry's numbers (not its body). */
  oldestBacklog(): BacklogHead | undefined {
    return this.s.oldest.get() as BacklogHead | undefined;
  }

  /** The oldest entries, in order, up to about maxPoints points (at least one entry). */
  backlogRun(maxPoints: number, maxEntries = 1_000): BacklogEntry[] {
    const out: BacklogEntry[] = [];
    let n = 0;
    const heads: BacklogHead[] = [];
    for (const e of this.s.run.iterate(maxEntries) as IterableIterator<BacklogHead>) {
      if (heads.length > 0 && n + e.points > maxPoints) break;
      heads.push(e);
      n += e.points;
    }
    for (const e of heads)
      out.push({ ...e, body: this.bodies.get(e.seq) ?? (this.s.body.get(e.seq) as LineBody) });
    return out;
  }

  removeBacklogRun(entries: BacklogEntry[]): void {
    this.db.transaction(() => {
      for (const e of entries) this.removeBacklog(e);
    })();
  }

  removeBacklog(e: BacklogEntry): void {
    if (this.s.remove.run(e.seq).changes > 0) this.backlogPointCount -= e.points;
    const cached = this.bodies.get(e.seq);
    if (cached !== undefined) {
      this.bodies.delete(e.seq);
      this.cachedChars -= cached.length;
    }
  }

  markDirty(marks: Iterable<[SeriesKey, number]>, writeSeq: number): void {
    this.db.transaction(() => this.insertMarks(marks, writeSeq))();
  }

  private insertMarks(marks: Iterable<[SeriesKey, number]>, writeSeq: number): void {
    for (const [k, hour] of marks) {
      if (this.s.insertMark.run(k.factoryId, k.deviceId, k.metric, hour, writeSeq).changes > 0)
        this.dirtyCount++;
      else this.s.raiseMark.run(writeSeq, k.factoryId, k.deviceId, k.metric, hour);
    }
  }

  /** Dirty hours whose latest write has reached InfluxDB (write_seq ≤ landedSeq), oldest series/hour first. */
  landedDirty(landedSeq: number, limit: number): DirtyHour[] {
    return (this.s.dirtyLanded.all(landedSeq, limit) as [string, string, string, number, number][]).map(
      toDirty,
    );
  }

  dirtyOf(k: SeriesKey, fromHourMs: number, toMs: number): DirtyHour[] {
    return (
      this.s.dirtyOf.all(k.factoryId, k.deviceId, k.metric, fromHourMs, toMs) as [
        string,
        string,
        string,
        number,
        number,
      ][]
    ).map(toDirty);
  }

  /** Clears a dirty mark unless a newer write re-marked the hour meanwhile. */
  clearDirty(d: DirtyHour): void {
    this.dirtyCount -= this.s.clear.run(
      d.key.factoryId,
      d.key.deviceId,
      d.key.metric,
      d.hourMs,
      d.writeSeq,
    ).changes;
  }

  clearDirtyMany(ds: readonly DirtyHour[]): void {
    this.db.transaction(() => {
      for (const d of ds) this.clearDirty(d);
    })();
  }

  close(): void {
    this.db.close();
  }
}

function toDirty(r: [string, string, string, number, number]): DirtyHour {
  return { key: { factoryId: r[0], deviceId: r[1], metric: r[2] }, hourMs: r[3], writeSeq: r[4] };
}
