import { gunzipSync, gzipSync } from 'node:zlib';
import { type DiagnosisResult, diagnosisResultSchema } from '../../energy/result.js';
import { openSqliteFile } from '../../repository/sqlite/index.js';
import type { Db } from '../../repository/types.js';
import {
  type DiagnosisRun,
  diagnosisRunSchema,
  type RunProgress,
  type RunSummary,
  runProgressSchema,
  runSummarySchema,
} from './run.js';

/**
 * Diagnosis runs and their results in the platform's SQLite file (better-sqlite3 12, beside the registry), so
 * the console lists past runs and a report can be fetched again without recomputing it. A result is stored
 * gzip-compressed (a year's result holds the quarter-hour load curve: ~1 MB of JSON, ~150 kB gzipped).
 * Together with service.ts, the only I/O of energy/.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS energy_diagnosis_runs (
  id TEXT PRIMARY KEY,
  factory_id TEXT NOT NULL,
  status TEXT NOT NULL,
  from_ms INTEGER NOT NULL,
  to_ms INTEGER NOT NULL,
  options TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  started_at_ms INTEGER,
  finished_at_ms INTEGER,
  progress TEXT,
  error TEXT,
  summary TEXT,
  result BLOB
);
CREATE INDEX IF NOT EXISTS energy_diagnosis_runs_factory ON energy_diagnosis_runs (factory_id, created_at_ms);
`;

type Row = {
  id: string;
  factory_id: string;
  status: string;
  from_ms: number;
  to_ms: number;
  options: string;
  requested_by: string;
  source: string;
  created_at_ms: number;
  started_at_ms: number | null;
  finished_at_ms: number | null;
  progress: string | null;
  error: string | null;
  summary: string | null;
};
const COLUMNS = `id, factory_id, status, from_ms, to_ms, options, requested_by, source, created_at_ms,
  started_at_ms, finished_at_ms, progress, error, summary`;

/**
 * Which instance runs a run, for platforms whose instances share the repository: a run is executed only by the
 * instance that accepted it (its `owner`), and only runs of an owner that is no longer alive are failed as
 * interrupted — never a sibling's run in progress.
 */
export type RunOwnership = { instanceId: string; isAlive: (instanceId: string) => boolean };

export class DiagnosisRepository {
  private readonly db: Db;
  private readonly owned: boolean;

  /** A file path (":memory:" for tests) or the platform's open repository (shared with the registry). */
  constructor(
    db: string | Db,
    private readonly ownership?: RunOwnership,
  ) {
    this.owned = typeof db === 'string';
    this.db = typeof db === 'string' ? openSqliteFile(db) : db;
    this.db.exec(SCHEMA);
    // Added with scale-out (issue 13): the instance that accepted the run.
    const cols = this.db.prepare('PRAGMA table_info(energy_diagnosis_runs)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'owner'))
      this.db.exec('ALTER TABLE energy_diagnosis_runs ADD COLUMN owner TEXT');
  }

  insert(run: DiagnosisRun): void {
    const r = diagnosisRunSchema.parse(run);
    this.db
      .prepare(
        `INSERT INTO energy_diagnosis_runs (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.id,
        r.factoryId,
        r.status,
        r.fromMs,
        r.toMs,
        JSON.stringify(r.options),
        r.requestedBy,
        r.source,
        r.createdAtMs,
        r.startedAtMs,
        r.finishedAtMs,
        r.progress ? JSON.stringify(r.progress) : null,
        r.error,
        r.summary ? JSON.stringify(r.summary) : null,
      );
    if (this.ownership)
      this.db
        .prepare('UPDATE energy_diagnosis_runs SET owner = ? WHERE id = ?')
        .run(this.ownership.instanceId, r.id);
  }

  markRunning(id: string, atMs: number): void {
    this.db
      .prepare("UPDATE energy_diagnosis_runs SET status = 'running', started_at_ms = ? WHERE id = ?")
      .run(atMs, id);
  }

  setProgress(id: string, p: RunProgress): void {
    this.db
      .prepare('UPDATE energy_diagnosis_runs SET progress = ? WHERE id = ?')
      .run(JSON.stringify(runProgressSchema.parse(p)), id);
  }

  /** Stores the result (validated against the stable schema) and marks the run done. */
  complete(id: string, result: DiagnosisResult, summary: RunSummary, atMs: number): void {
    const blob = gzipSync(JSON.stringify(diagnosisResultSchema.parse(result)));
    const before = this.get(id)?.progress ?? { stage: 'done', done: 0, total: 0 };
    this.db
      .prepare(
        `UPDATE energy_diagnosis_runs SET status = 'done', finished_at_ms = ?, summary = ?, result = ?,
           progress = ?, error = NULL
         WHERE id = ?`,
      )
      .run(
        atMs,
        JSON.stringify(runSummarySchema.parse(summary)),
        blob,
        JSON.stringify({ ...before, pct: 100 }),
        id,
      );
  }

  fail(id: string, error: string, atMs: number): void {
    this.db
      .prepare(
        "UPDATE energy_diagnosis_runs SET status = 'failed', finished_at_ms = ?, error = ? WHERE id = ?",
      )
      .run(atMs, error.slice(0, 4000), id);
  }

  /**
   * Runs left queued or running by a process that is gone can never finish: they are marked failed — at start
   * (this instance's earlier incarnations, runs from before owners were recorded) and periodically (siblings
   * whose lease expired). A live sibling's runs are left alone.
   */
  failInterrupted(atMs: number, reason: string): number {
    const fail = this.db.prepare(
      `UPDATE energy_diagnosis_runs SET status = 'failed', finished_at_ms = ?, error = ?
       WHERE status IN ('queued', 'running') AND owner = ?`,
    );
    const o = this.ownership;
    if (!o)
      return this.db
        .prepare(
          `UPDATE energy_diagnosis_runs SET status = 'failed', finished_at_ms = ?, error = ?
           WHERE status IN ('queued', 'running')`,
        )
        .run(atMs, reason).changes;
    const owners = this.db
      .prepare(
        `SELECT DISTINCT owner FROM energy_diagnosis_runs
         WHERE status IN ('queued', 'running') AND owner IS NOT NULL AND owner <> ?`,
      )
      .all(o.instanceId) as { owner: string }[];
    let n = 0;
    for (const { owner } of owners) if (!o.isAlive(owner)) n += fail.run(atMs, reason, owner).changes;
    return n;
  }

  /** At start: runs with no owner recorded, or owned by this instance id, belong to no live process. */
  failOrphansAtStart(atMs: number, reason: string): number {
    const n = this.db
      .prepare(
        `UPDATE energy_diagnosis_runs SET status = 'failed', finished_at_ms = ?, error = ?
         WHERE status IN ('queued', 'running') AND (owner IS NULL OR owner = ?)`,
      )
      .run(atMs, reason, this.ownership?.instanceId ?? '').changes;
    return n + this.failInterrupted(atMs, reason);
  }

  get(id: string): DiagnosisRun | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM energy_diagnosis_runs WHERE id = ?`).get(id) as
      | Row
      | undefined;
    return row ? fromRow(row) : null;
  }

  /** Newest first. */
  list(factoryId: string, limit = 100): DiagnosisRun[] {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM energy_diagnosis_runs WHERE factory_id = ?
         ORDER BY created_at_ms DESC, id DESC LIMIT ?`,
      )
      .all(factoryId, limit) as Row[];
    return rows.map(fromRow);
  }

  result(id: string): DiagnosisResult | null {
    const row = this.db.prepare('SELECT result FROM energy_diagnosis_runs WHERE id = ?').get(id) as
      | { result: Buffer | null }
      | undefined;
    if (!row?.result) return null;
    const parsed = diagnosisResultSchema.safeParse(JSON.parse(gunzipSync(row.result).toString('utf8')));
    if (!parsed.success)
      throw new Error(`stored result of diagnosis ${id} does not match the schema: ${parsed.error.message}`);
    return parsed.data;
  }

  close(): void {
    if (this.owned) this.db.close();
  }
}

function fromRow(r: Row): DiagnosisRun {
  return diagnosisRunSchema.parse({
    id: r.id,
    factoryId: r.factory_id,
    status: r.status,
    fromMs: r.from_ms,
    toMs: r.to_ms,
    options: JSON.parse(r.options),
    requestedBy: r.requested_by,
    source: r.source,
    createdAtMs: r.created_at_ms,
    startedAtMs: r.started_at_ms,
    finishedAtMs: r.finished_at_ms,
    progress: r.progress ? JSON.parse(r.progress) : null,
    error: r.error,
    summary: r.summary ? JSON.parse(r.summary) : null,
  });
}
