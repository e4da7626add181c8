import { type Assessment, assessmentSchema } from '../../grading/assessment.js';
import { type GradingReport, gradingReportSchema } from '../../grading/report/schema.js';
import { openSqliteFile } from '../../repository/sqlite/index.js';
import type { Db } from '../../repository/types.js';

/**
 * Assessments and their computed results, kept with history in SQLite (better-sqlite3 12): every save of an
 * assessment is a new revision (who changed which answer stays on record), every computation a new result row,
 * so a factory sees its progress between assessments. The only I/O module of grading/.
 */
export type AssessmentSummary = {
  id: string;
  factoryId: string;
  frameworkId: string;
  frameworkVersion: string;
  createdAtMs: number;
  updatedAtMs: number;
  revisions: number;
};

/** Who saved a revision and the action (create, autofill, answer, accept, submit, return, lock, compute). */
export type RevisionMeta = { by?: string | undefined; action?: string | undefined };
export type StoredRevision = {
  revision: number;
  savedAtMs: number;
  savedBy: string | null;
  action: string | null;
  assessment: Assessment;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS grading_assessments (
  id TEXT PRIMARY KEY,
  factory_id TEXT NOT NULL,
  framework_id TEXT NOT NULL,
  framework_version TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS grading_assessments_factory ON grading_assessments (factory_id, framework_id, created_at_ms);
CREATE TABLE IF NOT EXISTS grading_assessment_revisions (
  assessment_id TEXT NOT NULL REFERENCES grading_assessments(id),
  revision INTEGER NOT NULL,
  saved_at_ms INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (assessment_id, revision)
);
CREATE TABLE IF NOT EXISTS grading_results (
  assessment_id TEXT NOT NULL REFERENCES grading_assessments(id),
  computed_at_ms INTEGER NOT NULL,
  factory_id TEXT NOT NULL,
  framework_id TEXT NOT NULL,
  framework_version TEXT NOT NULL,
  level INTEGER,
  total_score REAL NOT NULL,
  report TEXT NOT NULL,
  PRIMARY KEY (assessment_id, computed_at_ms)
);
CREATE INDEX IF NOT EXISTS grading_results_factory ON grading_results (factory_id, framework_id, computed_at_ms);
`;

export class GradingRepository {
  private readonly db: Db;
  private readonly owned: boolean;

  /** A file path (":memory:" for tests) or an open database shared with other platform tables. */
  constructor(db: string | Db) {
    this.owned = typeof db === 'string';
    this.db = typeof db === 'string' ? openSqliteFile(db) : db;
    this.db.exec(SCHEMA);
    // Who saved a revision and why (added after the first release: existing files gain the columns).
    const cols = this.db.prepare('PRAGMA table_info(grading_assessment_revisions)').all() as {
      name: string;
    }[];
    if (!cols.some((c) => c.name === 'saved_by'))
      this.db.exec('ALTER TABLE grading_assessment_revisions ADD COLUMN saved_by TEXT');
    if (!cols.some((c) => c.name === 'action'))
      this.db.exec('ALTER TABLE grading_assessment_revisions ADD COLUMN action TEXT');
  }

  /**
   * Inserts or updates the assessment and appends a revision (with who saved it and the action, when given).
   * Returns the revision number (1-based).
   */
  saveAssessment(input: unknown, meta: RevisionMeta = {}): { revision: number } {
    const a = assessmentSchema.parse(input);
    const body = JSON.stringify(a);
    return this.db.transaction(() => {
      const existing = this.db
        .prepare('SELECT factory_id, framework_id FROM grading_assessments WHERE id = ?')
        .get(a.id) as { factory_id: string; framework_id: string } | undefined;
      if (existing && (existing.factory_id !== a.factoryId || existing.framework_id !== a.frameworkId))
        throw new Error(
          `assessment ${a.id} belongs to ${existing.factory_id}/${existing.framework_id}; it cannot move`,
        );
      this.db
        .prepare(
          `INSERT INTO grading_assessments (id, factory_id, framework_id, framework_version, created_at_ms, updated_at_ms, body)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET framework_version = excluded.framework_version,
             updated_at_ms = excluded.updated_at_ms, body = excluded.body`,
        )
        .run(a.id, a.factoryId, a.frameworkId, a.frameworkVersion, a.createdAtMs, a.updatedAtMs, body);
      const row = this.db
        .prepare(
          'SELECT COALESCE(MAX(revision), 0) + 1 AS next FROM grading_assessment_revisions WHERE assessment_id = ?',
        )
        .get(a.id) as { next: number };
      this.db
        .prepare(
          `INSERT INTO grading_assessment_revisions (assessment_id, revision, saved_at_ms, body, saved_by, action)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(a.id, row.next, a.updatedAtMs, body, meta.by ?? null, meta.action ?? null);
      return { revision: row.next };
    })();
  }

  getAssessment(id: string): Assessment | null {
    const row = this.db.prepare('SELECT body FROM grading_assessments WHERE id = ?').get(id) as
      | { body: string }
      | undefined;
    return row ? parseRow(assessmentSchema, row.body, `assessment ${id}`) : null;
  }

  listAssessments(factoryId: string, frameworkId?: string): AssessmentSummary[] {
    const rows = this.db
      .prepare(
        `SELECT a.id, a.factory_id, a.framework_id, a.framework_version, a.created_at_ms, a.updated_at_ms,
                (SELECT COUNT(*) FROM grading_assessment_revisions r WHERE r.assessment_id = a.id) AS revisions
         FROM grading_assessments a WHERE a.factory_id = ? AND (CAST(? AS TEXT) IS NULL OR a.framework_id = ?)
         ORDER BY a.created_at_ms, a.id`,
      )
      .all(factoryId, frameworkId ?? null, frameworkId ?? null) as Record<string, string | number>[];
    return rows.map((r) => ({
      id: String(r.id),
      factoryId: String(r.factory_id),
      frameworkId: String(r.framework_id),
      frameworkVersion: String(r.framework_version),
      createdAtMs: Number(r.created_at_ms),
      updatedAtMs: Number(r.updated_at_ms),
      revisions: Number(r.revisions),
    }));
  }

  revisions(id: string): StoredRevision[] {
    const rows = this.db
      .prepare(
        `SELECT revision, saved_at_ms, body, saved_by, action FROM grading_assessment_revisions
         WHERE assessment_id = ? ORDER BY revision`,
      )
      .all(id) as {
      revision: number;
      saved_at_ms: number;
      body: string;
      saved_by: string | null;
      action: string | null;
    }[];
    return rows.map((r) => ({
      revision: r.revision,
      savedAtMs: r.saved_at_ms,
      savedBy: r.saved_by,
      action: r.action,
      assessment: parseRow(assessmentSchema, r.body, `assessment ${id} revision ${r.revision}`),
    }));
  }

  /** Stores a computed report (validated against the report schema) for its assessment. */
  recordResult(input: GradingReport): void {
    const report = gradingReportSchema.parse(input);
    if (!this.getAssessment(report.assessment.id))
      throw new Error(`no assessment ${report.assessment.id}: save it before its result`);
    this.db
      .prepare(
        `INSERT INTO grading_results
         (assessment_id, computed_at_ms, factory_id, framework_id, framework_version, level, total_score, report)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (assessment_id, computed_at_ms) DO UPDATE SET factory_id = excluded.factory_id,
           framework_id = excluded.framework_id, framework_version = excluded.framework_version,
           level = excluded.level, total_score = excluded.total_score, report = excluded.report`,
      )
      .run(
        report.assessment.id,
        report.generatedAtMs,
        report.factory.id,
        report.assessment.frameworkId,
        report.assessment.frameworkVersion,
        report.result.level,
        report.result.totalScore,
        JSON.stringify(report),
      );
  }

  latestResult(assessmentId: string): GradingReport | null {
    const row = this.db
      .prepare(
        'SELECT report FROM grading_results WHERE assessment_id = ? ORDER BY computed_at_ms DESC LIMIT 1',
      )
      .get(assessmentId) as { report: string } | undefined;
    return row ? parseRow(gradingReportSchema, row.report, `result of ${assessmentId}`) : null;
  }

  /** The latest result of each assessment of a factory in one framework, oldest assessment first. */
  progress(factoryId: string, frameworkId: string): GradingReport['progress'] {
    const rows = this.db
      .prepare(
        `SELECT r.assessment_id, r.computed_at_ms, r.level, r.total_score FROM grading_results r
         WHERE r.factory_id = ? AND r.framework_id = ?
           AND r.computed_at_ms = (SELECT MAX(computed_at_ms) FROM grading_results x WHERE x.assessment_id = r.assessment_id)
         ORDER BY r.computed_at_ms`,
      )
      .all(factoryId, frameworkId) as {
      assessment_id: string;
      computed_at_ms: number;
      level: number | null;
      total_score: number;
    }[];
    return rows.map((r) => ({
      assessmentId: r.assessment_id,
      computedAtMs: r.computed_at_ms,
      level: r.level,
      totalScore: r.total_score,
    }));
  }

  close(): void {
    if (this.owned) this.db.close();
  }
}

function parseRow<T>(
  schema: {
    safeParse(d: unknown): { success: true; data: T } | { success: false; error: { message: string } };
  },
  body: string,
  what: string,
): T {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new Error(`stored ${what} is not valid JSON`);
  }
  const r = schema.safeParse(data);
  if (!r.success) throw new Error(`stored ${what} no longer matches its schema: ${r.error.message}`);
  return r.data;
}
